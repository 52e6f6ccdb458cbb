/// When `roster serve` exports request spans over OTLP, and the settings it hands swift-otel.
///
/// Off unless an endpoint is given, by `--otel-endpoint` or by OpenTelemetry's standard variables
/// (`OTEL_EXPORTER_OTLP_ENDPOINT`, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` for traces alone); `OTEL_SDK_DISABLED=true`
/// turns it off whatever else is set. swift-otel reads every other setting (`OTEL_SERVICE_NAME`,
/// `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, …) from the same environment.
package struct OTLPExport: Sendable, Equatable {
    /// The environment swift-otel is configured from: the process's, with `--otel-endpoint` (when given) in the
    /// place of `OTEL_EXPORTER_OTLP_ENDPOINT`, so that the option means what the variable means (the collector's
    /// base URL; OTLP/HTTP appends `/v1/traces`) and wins over both endpoint variables.
    package var environment: [String: String]

    /// The export `endpoint` and `environment` call for, or `nil` when spans are not exported.
    package init?(endpoint option: String?, environment: [String: String]) {
        let disabled = environment["OTEL_SDK_DISABLED"]?.lowercased() == "true"
        var environment = environment
        if let option, !option.isEmpty {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = option
            environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = nil
        }
        let endpoints = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].compactMap {
            environment[$0].flatMap { $0.isEmpty ? nil : $0 }
        }
        guard !disabled, !endpoints.isEmpty else { return nil }
        self.environment = environment
    }
}
