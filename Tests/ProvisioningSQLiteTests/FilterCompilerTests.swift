import Foundation
import GRDB
import Provisioning
import ProvisioningSQL
import SCIM
import Testing

@testable import ProvisioningSQLite

/// The SQL a filter becomes: values always bound, indexed columns where they exist, and SQLite's planner using
/// the indexes for the lookups IdPs make on every request.
@Suite struct FilterCompilerTests {
    static let users = FilterCompiler(dialect: .sqlite, resource: .users)
    static let groups = FilterCompiler(dialect: .sqlite, resource: .groups)

    @Test(arguments: [
        (#"userName eq "Ann@Example.com""#, "u.user_name_lower = ?", [SQLValue.text("ann@example.com")]),
        (#"externalId eq "X1""#, "u.external_id = ?", [.text("X1")]),
        (#"id eq "abc""#, "u.id = ?", [.text("abc")]),
        ("active eq false", "u.scim_active = 0", []),
        (#"meta.lastModified gt "2011-05-13T04:42:34Z""#, "u.updated_at > ?", [.integer(1_305_261_754_000)]),
        (#"title co "Eng""#, "instr(scim_lower(json_extract(u.doc, '$.\"title\"')), ?) > 0", [.text("eng")]),
    ])
    func compilesToIndexedColumnsAndBoundValues(_ filter: String, _ fragment: String, _ arguments: [SQLValue]) throws {
        let sql = try Self.users.compile(try Filter(parsing: filter))
        #expect(sql.sql.contains(fragment), "\(sql.sql)")
        #expect(sql.arguments == arguments)
    }

    @Test func valuesNeverEnterTheSQLText() throws {
        let hostile = #"userName eq "x' OR 1=1; DROP TABLE users; --" or title sw "'\"""#
        let sql = try Self.users.compile(try Filter(parsing: hostile))
        #expect(!sql.sql.contains("DROP"))
        #expect(!sql.sql.contains("1=1"))
        #expect(sql.arguments.count == 2)
    }

    @Test func membershipFiltersUseTheMembershipRows() throws {
        let users = try Self.users.compile(try Filter(parsing: #"groups.value eq "g1""#))
        #expect(users.sql.contains("group_members"))
        let groups = try Self.groups.compile(try Filter(parsing: #"members[value eq "u1"]"#))
        #expect(groups.sql.contains("group_members"))
        let name = try Self.groups.compile(try Filter(parsing: #"displayName eq "Sales""#))
        #expect(name.sql.contains("g.display_name_lower = ?"))
    }

    @Test func lookupsUseIndexes() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString).sqlite")
            .path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        let plans: [(String, SQLResource, String)] = [
            (#"userName eq "ann@example.com""#, .users, "user_name_lower"),
            (#"externalId eq "x""#, .users, "users_by_external_id"),
            (#"id eq "x""#, .users, "id=?"),
            (#"displayName eq "Sales""#, .groups, "display_name_lower"),
        ]
        for (filter, resource, index) in plans {
            let compiler = FilterCompiler(dialect: .sqlite, resource: resource)
            let condition = try compiler.compile(try Filter(parsing: filter))
            let table = resource == .users ? "users u" : "groups g"
            let scope = resource == .users ? "u.provider_id = 'p' AND u.linked = 1" : "g.provider_id = 'p'"
            // The store's own read connections run the plan: the rows' fourth column is the plan's detail.
            let plan = try await store.readers.read { connection in
                try connection.query(
                    "EXPLAIN QUERY PLAN SELECT * FROM \(table) WHERE \(scope) AND \(condition.sql)", condition.arguments
                ).map { $0[3] as String }.joined(separator: "; ")
            }
            #expect(plan.contains("USING") && plan.contains(index), "\(filter): \(plan)")
            #expect(!plan.hasPrefix("SCAN"), "\(filter): \(plan)")
        }
    }
}
