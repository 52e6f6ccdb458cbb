import ProvisioningSQL
import Synchronization

/// Changes a write transaction enqueued in a row, coalesced into as few statements as keep their meaning: each
/// statement after the first becomes a data-modifying CTE of one statement, so PostgreSQL receives, plans and
/// answers them in one exchange (postgres-nio sends a connection's statements one after the other, each once the
/// one before is answered).
///
/// The CTEs of one statement run on one snapshot and do not see each other's changes. Statements are therefore
/// joined only when the tables each names (and those its triggers change) are disjoint: then no statement of a
/// batch reads or changes a row another changed, and the batch means what the statements meant one after the
/// other. Foreign keys are checked at the end of the statement, so a user and its roles may share one. A
/// statement's own leading `WITH` list is lifted to the top level (PostgreSQL allows data-modifying CTEs only
/// there); a statement whose CTE names another has taken starts a batch of its own.
enum WriteBatch {
    struct Statement {
        var sql: String
        var arguments: [SQLValue]
    }

    /// A statement split into its leading CTEs and the statement they introduce, with the tables it names.
    struct Parsed: Sendable {
        var ctes: [String]
        var names: Set<String>
        var main: String
        var tables: Set<String>
    }

    /// `statements`, in order, coalesced.
    static func coalesce(_ statements: [Statement]) -> [Statement] {
        var batches: [Statement] = []
        var members: [Parsed] = []
        var arguments: [SQLValue] = []
        var tables = Set<String>()
        var names = Set<String>()

        func close() {
            guard let last = members.last else { return }
            if members.count == 1 {
                batches.append(Statement(sql: join(last), arguments: arguments))
            } else {
                var ctes: [String] = []
                for (index, member) in members.enumerated() {
                    ctes += member.ctes
                    if index < members.count - 1 { ctes.append("roster_change_\(index + 1) AS (\(member.main))") }
                }
                batches.append(
                    Statement(sql: "WITH \(ctes.joined(separator: ", ")) \(last.main)", arguments: arguments))
            }
            members.removeAll()
            arguments.removeAll()
            tables.removeAll()
            names.removeAll()
        }

        for statement in statements {
            guard let parsed = parse(statement.sql) else {
                close()
                batches.append(statement)
                continue
            }
            if !members.isEmpty && (!tables.isDisjoint(with: parsed.tables) || !names.isDisjoint(with: parsed.names)) {
                close()
            }
            members.append(parsed)
            arguments += statement.arguments
            tables.formUnion(parsed.tables)
            names.formUnion(parsed.names)
        }
        close()
        return batches
    }

    static func join(_ parsed: Parsed) -> String {
        parsed.ctes.isEmpty ? parsed.main : "WITH \(parsed.ctes.joined(separator: ", ")) \(parsed.main)"
    }

    /// Whether a statement takes a lock meant to last to the end of its transaction.
    /// Scans the text's bytes once: it runs for every statement of a write transaction.
    static func takesLocks(_ sql: String) -> Bool {
        var sql = sql
        return sql.withUTF8 { bytes in
            let count = bytes.count
            func at(_ i: Int, _ word: StaticString) -> Bool {
                let n = word.utf8CodeUnitCount
                guard i + n <= count else { return false }
                let w = word.utf8Start
                for k in 0..<n where bytes[i + k] != w[k] { return false }
                return true
            }
            var i = 0
            while i < count {
                switch bytes[i] {
                case UInt8(ascii: " ") where at(i, " FOR "):
                    let next = i + 5
                    if at(next, "UPDATE") || at(next, "NO KEY UPDATE") || at(next, "SHARE") || at(next, "KEY SHARE") {
                        return true
                    }
                case UInt8(ascii: "_") where at(i, "_xact_lock"):
                    return true
                default:
                    break
                }
                i += 1
            }
            return false
        }
    }

    /// `sql` split into its leading `WITH` list and its statement, or `nil` for a text the splitter does not
    /// follow (it then runs alone). The store's changes are a few dozen texts: each is split once.
    static func parse(_ sql: String) -> Parsed? {
        if let known = parsed.withLock({ $0[sql] }) { return known }
        let result = parseUncached(sql)
        parsed.withLock { cache in
            if cache.count >= 1024 { cache.removeAll() }
            cache[sql] = result
        }
        return result
    }

    private static let parsed = Mutex<[String: Parsed?]>([:])

    static func parseUncached(_ sql: String) -> Parsed? {
        let text = Array(sql.utf8)
        var i = 0
        func skipSpace() {
            while i < text.count, text[i] == 32 || text[i] == 10 || text[i] == 9 || text[i] == 13 { i += 1 }
        }
        func word() -> String? {
            let start = i
            while i < text.count, isIdentifier(text[i]) { i += 1 }
            return i > start ? String(decoding: text[start..<i], as: UTF8.self) : nil
        }
        var ctes: [String] = []
        var names = Set<String>()
        skipSpace()
        let start = i
        if word()?.uppercased() == "WITH" {
            while true {
                skipSpace()
                let cteStart = i
                guard let name = word(), name.uppercased() != "RECURSIVE" else { return nil }
                skipSpace()
                guard word()?.uppercased() == "AS" else { return nil }
                skipSpace()
                guard i < text.count, text[i] == UInt8(ascii: "("), let end = closing(text, from: i) else { return nil }
                i = end + 1
                ctes.append(String(decoding: text[cteStart..<i], as: UTF8.self))
                names.insert(name.lowercased())
                skipSpace()
                guard i < text.count, text[i] == UInt8(ascii: ",") else { break }
                i += 1
            }
        } else {
            i = start
        }
        let main = String(decoding: text[i...], as: UTF8.self)
        var tables = Set<String>()
        var previous = ""
        for token in sql.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
            let upper = token.uppercased()
            if ["FROM", "INTO", "UPDATE", "JOIN", "TABLE"].contains(previous) {
                let table = token.lowercased()
                tables.insert(table)
                tables.formUnion(Migrations.tablesWrittenByTriggers[table] ?? [])
            }
            previous = upper
        }
        return Parsed(ctes: ctes, names: names, main: main, tables: tables)
    }

    static func isIdentifier(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57) || byte == 95
    }

    /// The index of the parenthesis that closes the one at `open`, skipping quoted text.
    static func closing(_ text: [UInt8], from open: Int) -> Int? {
        var depth = 0
        var quote: UInt8?
        var i = open
        while i < text.count {
            let c = text[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                quote = c
            } else if c == UInt8(ascii: "(") {
                depth += 1
            } else if c == UInt8(ascii: ")") {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return nil
    }
}
