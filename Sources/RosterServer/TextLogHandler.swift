import Foundation
package import Logging

/// Roster's default log lines, in swift-log's `StreamLogHandler` format (`2026-11-30T18:43:46+0000 info roster:
/// key=value … [source] message`, on standard error), formatted only when a line is written.
///
/// `StreamLogHandler` formats its metadata again each time a key is set, and Hummingbird sets the request id on
/// every request's logger: every request would pay for sorting and formatting metadata that, at the usual
/// `warning` or `info` levels, is mostly never written.
package struct TextLogHandler: LogHandler {
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    let label: String
    let write: @Sendable (String) -> Void

    package init(label: String, write: @escaping @Sendable (String) -> Void = TextLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    package static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        let pairs = event.metadata(over: metadata).sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        write("\(Self.timestamp()) \(event.level) \(label):\(pairs) [\(event.source)] \(event.message)\n")
    }

    /// Local time to the second with its UTC offset, as `StreamLogHandler` writes it.
    static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        localtime_r(&now, &local)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension LogEvent {
    /// A line's metadata: the logger's, then the line's own, then its error's (`error.message`, `error.type`), as
    /// swift-log's `StreamLogHandler` merges them.
    func metadata(over base: Logger.Metadata) -> Logger.Metadata {
        var all = base
        if let metadata { all.merge(metadata) { $1 } }
        if let error {
            all["error.message"] = "\(error)"
            all["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        return all
    }
}
