import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import SCIM

/// Renders console pages from the Mustache templates shipped as the `Console` resource folder, and serves its
/// stylesheet and script.
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary
    let stylesheet: ByteBuffer
    let script: ByteBuffer
    /// The admin API's OpenAPI document.
    let openAPI: ByteBuffer

    /// Loads every template once, at start-up.
    init() throws {
        guard let folder = Bundle.module.url(forResource: "Console", withExtension: nil) else {
            throw ConsoleResourceError(message: "the console's resource folder is missing from the bundle")
        }
        var library = MustacheLibrary()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        for file in files where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            try library.register(text, named: String(file.dropLast(".mustache".count)))
        }
        self.library = library
        self.stylesheet = ByteBuffer(bytes: Array(try Data(contentsOf: folder.appendingPathComponent("roster.css"))))
        self.script = ByteBuffer(bytes: Array(try Data(contentsOf: folder.appendingPathComponent("roster.js"))))
        self.openAPI = ByteBuffer(bytes: Array(try Data(contentsOf: folder.appendingPathComponent("openapi.json"))))
    }

    /// A page as an HTML response: `template` reads the layout's names and those of `content`, the page's view
    /// model (see ``ConsolePage``).
    func page<Content>(
        _ template: String, _ layout: Layout, _ content: Content, status: HTTPResponse.Status = .ok,
        headers: HTTPFields = [:]
    ) -> Response {
        let html =
            library.render(ConsolePage(layout: layout, content: content), withTemplate: template)
            ?? "<!doctype html><title>Roster</title><p>Missing page \(template).</p>"
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        fields[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func asset(_ buffer: ByteBuffer, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: buffer))
    }

    /// A page that explains an error in plain words, with a way back; never a stack trace.
    static func plainErrorPage(status: HTTPResponse.Status, message: String) -> Response {
        let escaped = message.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(status.code) · Roster</title>
            <link rel="stylesheet" href="/console/static/roster.css"></head><body><main id="main">
            <h1>\(status.reasonPhrase)</h1><div class="card"><p>\(escaped)</p><p><a href="/console">Back to the console</a></p></div>
            </main></body></html>
            """
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

struct ConsoleResourceError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// An `application/x-www-form-urlencoded` body (or query string): every value of every field, in order.
struct FormData: Sendable {
    private(set) var fields: [(String, String)] = []

    /// Decodes an `application/x-www-form-urlencoded` body as SCIM query strings are decoded (``QueryString``).
    init(_ text: String) {
        fields = QueryString.parameters(text).map { ($0.name, $0.value) }
    }

    /// The first value of a field, trimmed; `nil` when absent or blank.
    subscript(_ name: String) -> String? {
        guard let value = fields.first(where: { $0.0 == name })?.1.trimmingCharacters(in: .whitespaces), !value.isEmpty
        else { return nil }
        return value
    }

    /// Every non-blank value of a field (multi-selects).
    func all(_ name: String) -> [String] {
        fields.filter { $0.0 == name }.map { $0.1.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The raw first value, untrimmed (passwords).
    func raw(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }
}
