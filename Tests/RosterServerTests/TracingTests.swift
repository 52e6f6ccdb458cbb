import Foundation
import HTTPTypes
import HummingbirdTesting
import InMemoryTracing
import NIOCore
import Provisioning
import RosterServer
import SCIM
import Testing
import Tracing

/// Request spans (Hummingbird's `TracingMiddleware`) and when `roster serve` exports them. Each test binds an
/// in-memory tracer to its own task (`withTracer`), so tests running at the same time never see each other's spans
/// and the process's tracer is never bootstrapped.
@Suite struct TracingTests {
    @Test func aRequestThroughTheRouterProducesAServerSpan() async throws {
        let tracer = InMemoryTracer()
        let configuration = ServerConfiguration(failedAuthenticationDelay: .milliseconds(10), tracing: true)
        try await withTracer(tracer) {
            try await withSCIM(.memory, configuration: configuration) { clients, _, _ in
                let okta = clients[0]
                let ann = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).id
                #expect(try await okta.send(.get, "/Users/\(ann)").status == .ok)
                #expect(try await okta.send(.get, "/Users/nope").status == .notFound)
                #expect(try await okta.send(.get, "/Users?filter=userName%20eq%20%22ann@example.com%22").status == .ok)
            }
        }
        let spans = tracer.finishedSpans
        #expect(spans.count == 4, "\(spans.map(\.operationName))")
        #expect(spans.allSatisfy { $0.kind == .server })
        let gets = spans.filter { $0.operationName == "/scim/{provider}/v2/Users/{id}" }
        #expect(gets.count == 2)
        let statuses = gets.compactMap { $0.attributes.get("http.response.status_code") }
        #expect(statuses.contains(.int64(200)) && statuses.contains(.int64(404)), "\(statuses)")
        #expect(gets.allSatisfy { $0.attributes.get("http.request.method") == .string("GET") })
        #expect(gets.allSatisfy { $0.attributes.get("http.route") == .string("/scim/{provider}/v2/Users/{id}") })
        let list = try #require(
            spans.first {
                $0.operationName == "/scim/{provider}/v2/Users"
                    && $0.attributes.get("http.request.method") == .string("GET")
            })
        // A filter names people: the span keeps that there was one, not what it said.
        #expect(list.attributes.get("url.query") == .string("filter=REDACTED"))
        #expect(spans.allSatisfy { !"\($0.attributes)".contains("ann@example.com") })
    }

    @Test func tracingIsOffByDefault() async throws {
        #expect(ServerConfiguration().tracing == false)
        let tracer = InMemoryTracer()
        try await withTracer(tracer) {
            try await withSCIM(.memory) { clients, _, _ in
                let response = try await clients[0].send(.get, "/Users")
                #expect(response.status == .ok)
            }
        }
        #expect(tracer.finishedSpans.isEmpty && tracer.activeSpans.isEmpty)
    }

    @Test func theOTLPExportIsOffUnlessAnEndpointIsGiven() {
        #expect(OTLPExport(endpoint: nil, environment: [:]) == nil)
        #expect(OTLPExport(endpoint: nil, environment: ["OTEL_SERVICE_NAME": "roster", "PATH": "/usr/bin"]) == nil)
        #expect(OTLPExport(endpoint: "", environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": ""]) == nil)
        #expect(
            OTLPExport(endpoint: "http://collector:4318", environment: ["OTEL_SDK_DISABLED": "TRUE"]) == nil,
            "OTEL_SDK_DISABLED turns it off")
    }

    @Test func theOptionAndTheStandardVariablesTurnTheExportOn() throws {
        let option = try #require(
            OTLPExport(
                endpoint: "http://collector:4318",
                environment: [
                    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://other:4318",
                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://other:4318/v1/traces", "OTEL_SERVICE_NAME": "hr",
                ]))
        #expect(
            option.environment == ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SERVICE_NAME": "hr"],
            "the option wins over both variables; other settings stay")
        let shared = try #require(
            OTLPExport(endpoint: nil, environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"]))
        #expect(shared.environment == ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"])
        let traces = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://c/v1/traces"]
        #expect(OTLPExport(endpoint: nil, environment: traces)?.environment == traces)
        #expect(
            OTLPExport(
                endpoint: nil,
                environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "false"])
                != nil)
    }
}
