package import Logging
import Synchronization

/// Collects log lines, for tests that check what was logged.
package final class LogRecorder: LogHandler, Sendable {
    package struct Line: Sendable {
        package var level: Logger.Level
        package var message: String
    }

    let storage = Mutex<[Line]>([])
    package var lines: [Line] { storage.withLock { $0 } }

    package init() {}

    package var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    package var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    package subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    package func log(event: LogEvent) {
        storage.withLock { $0.append(Line(level: event.level, message: "\(event.message)")) }
    }
}
