import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Provisioning
import SCIM
import Testing

/// Real IdP data in, no user lost: free-text countries, unknown attributes,
/// dangling managers, capitalised keys and string booleans, under both invalid-data policies. Fixtures are the IdPs'
/// documented request bodies, named after their source (Tests/RosterServerTests/Fixtures).
struct DataPolicyTests {
    static func fixture(_ name: String) throws -> String {
        let parts = name.split(separator: "/")
        let url = try #require(
            Bundle.module.url(
                forResource: String(parts[1]), withExtension: "json", subdirectory: "Fixtures/\(parts[0])"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Sets a provider's policy and, optionally, its `userName` format.
    static func set(
        _ policy: InvalidDataPolicy, format: UserNameFormat? = nil, _ provider: Provider,
        _ admin: AdminService
    ) async throws {
        _ = try await admin.updateProvider(
            id: provider.id, name: nil, deactivationDelay: nil, userNameFormat: format, invalidData: policy)
    }

    static func warnings(_ admin: AdminService, _ provider: Provider) async throws -> [SyncLogEntry] {
        try await admin.syncLog(SyncLogQuery(providerID: provider.id, action: .warning))
    }

    // MARK: Entra's free-text country

    @Test(arguments: StoreKind.allCases)
    func freeTextCountryIsStoredAsItsCode(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let entra = clients[0]
            let body = try Self.fixture("entra/create-user-free-text-country")
            for policy in InvalidDataPolicy.allCases {
                try await Self.set(policy, issued[0].provider, admin)
                let created = try await entra.send(.post, "/Users", body)
                #expect(created.status == .created, "\(policy): \(created.detail)")
                let address = created.object["addresses"]?.arrayValue?.first?.objectValue
                #expect(address?["country"] == "BM")
                #expect(address?["locality"] == "Hamilton")
                #expect(
                    try await entra.send(.get, "/Users/\(created.id)").object["addresses"]
                        == created.object["addresses"])
                #expect(try await entra.send(.delete, "/Users/\(created.id)").status == .noContent)
            }
            #expect(try await Self.warnings(admin, issued[0].provider).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func unmappableCountry(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let entra = clients[0]
            let body = try Self.fixture("entra/create-user-free-text-country").replacingOccurrences(
                of: "\"Bermuda\"", with: "\"Atlantis\"")
            let created = try await entra.send(.post, "/Users", body)
            #expect(created.status == .created)
            let address = try #require(created.object["addresses"]?.arrayValue?.first?.objectValue)
            #expect(address["country"] == nil && address["locality"] == "Hamilton")
            let warnings = try await Self.warnings(admin, issued[0].provider)
            #expect(warnings.count == 1)
            let warning = try #require(warnings.first)
            #expect(warning.attribute == "addresses.country" && warning.rule == "country")
            #expect(warning.userID == created.id && warning.userName == "bea.smith@contoso.com")
            #expect(warning.detail?.contains("Atlantis") == true && warning.detail?.contains("ISO 3166-1") == true)
            #expect(warning.requestID?.isEmpty == false)

            try await Self.set(.reject, issued[0].provider, admin)
            let refused = try await entra.send(.post, "/Users", body.replacingOccurrences(of: "bea.smith", with: "bo"))
            #expect(refused.status == .badRequest && refused.scimType == "invalidValue")
            #expect(refused.detail.contains("addresses.country") && refused.detail.contains("Atlantis"))
            #expect(try await entra.send(.get, "/Users").totalResults == 1)
        }
    }

    // MARK: Unknown attributes

    /// Entra's reference tests PUT a user with `adreses` and expect 200, the attribute ignored.
    @Test(arguments: StoreKind.allCases)
    func misspelledAttributeIsLeftOut(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let entra = clients[0]
            let created = try await entra.send(.post, "/Users", UsersAPITests.user("cy.jones@contoso.com"))
            let body = try Self.fixture("entra/reference-put-user-misspelled-attribute")
            let replaced = try await entra.send(.put, "/Users/\(created.id)", body)
            #expect(replaced.status == .ok, "\(replaced.detail)")
            #expect(replaced.object["adreses"] == nil && replaced.object["displayName"] == "Cy Jones")
            let warning = try #require(try await Self.warnings(admin, issued[0].provider).first)
            #expect(warning.attribute == "adreses" && warning.rule == "unknown-attribute")
            #expect(warning.detail?.contains("Redmond") == true)

            // The same unknown attribute in a PATCH, by path and path-less, under a custom extension URN too.
            let patch = try await entra.send(
                .patch, "/Users/\(created.id)",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"adreses","value":"x"},{"op":"replace","value":{"title":"Lead","costCentre":"7"}},{"op":"add","path":"urn:ietf:params:scim:schemas:extension:custom:2.0:User:badge","value":"42"}]}"#
            )
            #expect(patch.status == .ok, "\(patch.detail)")
            #expect(patch.object["title"] == "Lead")
            let attributes = try await Self.warnings(admin, issued[0].provider).prefix(3).compactMap(\.attribute)
            #expect(
                Set(attributes) == [
                    "adreses", "costCentre", "urn:ietf:params:scim:schemas:extension:custom:2.0:User:badge",
                ])

            try await Self.set(.reject, issued[0].provider, admin)
            let refused = try await entra.send(.put, "/Users/\(created.id)", body)
            #expect(refused.status == .badRequest && refused.scimType == "invalidSyntax")
            #expect(refused.detail.contains("adreses"))
        }
    }

    // MARK: Managers

    /// The Entra SCIM reference collection's user: capitalised keys, `"True"`, and a manager that names no user.
    @Test(arguments: StoreKind.allCases)
    func danglingManagerResolvesLater(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let entra = clients[0]
            try await Self.set(.acceptAndWarn, format: .any, issued[0].provider, admin)
            let boss = try await entra.send(.post, "/Users", UsersAPITests.user("boss@example.com"))
            #expect(try await entra.send(.delete, "/Users/\(boss.id)").status == .noContent)  // unlinked for now
            let body = try Self.fixture("entra/reference-create-user-capitalised-manager")
                .replacingOccurrences(of: "SuzzyQ", with: boss.id)
            let created = try await entra.send(.post, "/Users", body)
            #expect(created.status == .created, "\(created.detail)")
            #expect(created.object["active"] == true && created.object["displayName"] == "BobIsAmazing")
            #expect(created.object["emails"]?.arrayValue?.first?.objectValue?["primary"] == true)
            let enterprise = created.object[SchemaURN.enterpriseUser]?.objectValue
            #expect(enterprise?["department"] == "bob")
            #expect(enterprise?["manager"] == nil)  // names no linked user: not shown
            #expect(
                try await entra.send(.get, "/Users/\(created.id)").object[SchemaURN.enterpriseUser]?.objectValue?[
                    "manager"] == nil)
            let warning = try #require(try await Self.warnings(admin, issued[0].provider).first)
            #expect(warning.rule == "unknown-manager" && warning.detail?.contains(boss.id) == true)

            // The manager is pushed again: the stored reference resolves.
            #expect(try await entra.send(.post, "/Users", UsersAPITests.user("boss@example.com")).id == boss.id)
            let shown = try await entra.send(.get, "/Users/\(created.id)")
            #expect(
                shown.object[SchemaURN.enterpriseUser]?.objectValue?["manager"]?.objectValue?["value"]?.stringValue
                    == boss.id)
            let listed = try await entra.send(.get, "/Users?filter=userName+eq+%22UserName123%22")
            #expect(listed.resources.first?[SchemaURN.enterpriseUser]?.objectValue?["manager"] != nil)

            // Under reject, a manager naming no user is refused, and nothing is stored.
            try await Self.set(.reject, issued[0].provider, admin)
            let refused = try await entra.send(
                .post, "/Users",
                try Self.fixture("entra/reference-create-user-capitalised-manager").replacingOccurrences(
                    of: "UserName123", with: "Other"))
            #expect(refused.status == .badRequest && refused.detail.contains("manager"))
            #expect(try await entra.send(.get, "/Users").totalResults == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func selfManagerIsLeftOut(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let created = try await okta.send(.post, "/Users", UsersAPITests.user("self@example.com"))
            let patched = try await okta.send(
                .patch, "/Users/\(created.id)",
                #"{"Operations":[{"op":"add","path":"manager","value":"\#(created.id)"},{"op":"replace","path":"title","value":"CEO"}]}"#
            )
            #expect(patched.status == .ok && patched.object["title"] == "CEO")
            #expect(patched.object[SchemaURN.enterpriseUser] == nil)
            #expect(try await Self.warnings(admin, issued[0].provider).first?.rule == "self-manager")
        }
    }

    // MARK: OneLogin's template: string booleans, wrong types, a bad secondary email

    @Test(arguments: StoreKind.allCases)
    func oneLoginTemplateUnderBothPolicies(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let onelogin = clients[0]
            let body = try Self.fixture("onelogin/create-user-template")
            try await Self.set(.reject, issued[0].provider, admin)
            let refused = try await onelogin.send(.post, "/Users", body)
            #expect(refused.status == .badRequest)
            #expect(try await onelogin.send(.get, "/Users").totalResults == 0)

            try await Self.set(.acceptAndWarn, issued[0].provider, admin)
            let created = try await onelogin.send(.post, "/Users", body)
            #expect(created.status == .created, "\(created.detail)")
            #expect(created.object["active"] == true)
            #expect(created.object["title"] == nil)
            #expect(created.object["emails"]?.arrayValue?.count == 1)
            #expect(created.object["addresses"]?.arrayValue?.first?.objectValue?["country"] == "US")
            let enterprise = created.object[SchemaURN.enterpriseUser]?.objectValue
            #expect(enterprise?["department"] == "R&D" && enterprise?["costCenter"] == nil)
            let warnings = try await Self.warnings(admin, issued[0].provider)
            let seen = Set(warnings.map { "\($0.attribute ?? "") \($0.rule ?? "")" })
            #expect(
                seen == [
                    "title wrong-type", "emails.value email",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter wrong-type",
                ])
            #expect(warnings.allSatisfy { $0.requestID == warnings[0].requestID && $0.userID == created.id })
        }
    }

    /// Identity stays strict under `accept-and-warn`: userName, the primary email, `active`, `externalId`.
    @Test(arguments: StoreKind.allCases)
    func identityIsStrictUnderBothPolicies(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let cases: [(String, String)] = [
                (UsersAPITests.user("not-an-email"), "userName"),
                (
                    UsersAPITests.user(
                        "a@example.com", extra: #","emails":[{"value":"b@example.com","primary":true}]"#),
                    "primary email"
                ),
                (#"{"userName":"a@example.com","active":"maybe"}"#, "active"),
                (#"{"userName":"a@example.com","externalId":42}"#, "externalId"),
            ]
            for (body, mention) in cases {
                let response = try await okta.send(.post, "/Users", body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.detail.contains(mention), "\(response.detail)")
            }
            #expect(try await okta.send(.get, "/Users").totalResults == 0)
        }
    }

    // MARK: What the admin sees

    @Test(arguments: StoreKind.allCases)
    func warningSummaryAndMetrics(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let entra = clients[0]
            for name in ["u1", "u2", "u3"] {
                let r = try await entra.send(
                    .post, "/Users",
                    UsersAPITests.user(
                        "\(name)@example.com", extra: #","addresses":[{"country":"Narnia"}],"shoeSize":42"#))
                #expect(r.status == .created)
            }
            // emails.value under two rules: each group keeps examples of its own.
            for i in 0..<4 {
                _ = try await entra.send(
                    .post, "/Users",
                    UsersAPITests.user("e\(i)@example.com", extra: #","emails":[{"value":"not mail"},{"value":5}]"#))
            }
            let byRule = try await admin.warningSummary(providerID: issued[0].provider.id).filter {
                $0.attribute == "emails.value"
            }
            #expect(Set(byRule.map(\.rule)) == ["email", "wrong-type"])
            #expect(
                byRule.allSatisfy { g in
                    g.count == 4 && g.examples.count == 3 && g.examples.allSatisfy { $0.rule == g.rule }
                })
            let summary = try await admin.warningSummary(providerID: issued[0].provider.id).filter {
                $0.attribute != "emails.value"
            }
            #expect(
                summary.map(\.attribute) == ["addresses.country", "shoeSize"]
                    || summary.map(\.attribute) == ["shoeSize", "addresses.country"])
            #expect(summary.allSatisfy { $0.count == 3 && $0.users == 3 && $0.examples.count == 3 })
            let metrics = try await entra.client.execute(uri: "/metrics", method: .get, headers: [:], body: nil)
            let text = String(buffer: metrics.body)
            #expect(
                text.split(separator: "\n").contains(#"roster_scim_data_warnings{attribute="addresses.country"} 3.0"#))
            #expect(
                text.split(separator: "\n").contains(#"roster_scim_data_warnings{attribute="(unknown attribute)"} 3.0"#)
            )
        }
    }

    @Test(arguments: StoreKind.allCases)
    func policyAndWarningsInTheAdminAPI(_ kind: StoreKind) async throws {
        try await AdminAPITests.withAPI(kind) { api, okta, pid in
            var provider = try await api.send(.get, "/api/v1/providers/\(pid)")
            #expect(provider.json["invalidData"] == "accept-and-warn" && provider.json["warningsLast24h"] == 0)
            let bad = try await api.send(.patch, "/api/v1/providers/\(pid)", #"{"invalidData":"lenient"}"#)
            #expect(bad.status == .badRequest)
            #expect(
                bad.json["error"]?.stringValue?.contains("'invalidData' must be 'accept-and-warn' or 'reject'") == true)
            _ = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com", extra: #","adreses":[]"#))
            provider = try await api.send(.get, "/api/v1/providers/\(pid)")
            #expect(provider.json["warningsLast24h"] == 1)
            let summary = try await api.send(.get, "/api/v1/providers/\(pid)/warnings?since=1h")
            let group = try #require(summary.json["groups"]?.arrayValue?.first?.objectValue)
            #expect(group["attribute"] == "adreses" && group["rule"] == "unknown-attribute" && group["count"] == 1)
            #expect(group["examples"]?.arrayValue?.first?.objectValue?["userName"] == "ann@example.com")
            let log = try await api.send(.get, "/api/v1/sync-log?provider=\(pid)&action=warning&attribute=adreses")
            #expect(log.json["entries"]?.arrayValue?.count == 1)
            #expect(try await api.send(.get, "/api/v1/providers/\(pid)/warnings?since=soon").status == .badRequest)

            let changed = try await api.send(.patch, "/api/v1/providers/\(pid)", #"{"invalidData":"reject"}"#)
            #expect(changed.status == .ok && changed.json["invalidData"] == "reject")
            let refused = try await okta.send(
                .post, "/Users", UsersAPITests.user("bo@example.com", extra: #","adreses":[]"#))
            #expect(refused.status == .badRequest && refused.scimType == "invalidSyntax")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func policyAndWarningsInTheConsole(_ kind: StoreKind) async throws {
        try await withConsole(kind) { browser, okta, issued, admin in
            var b = try await ConsoleTests.signedIn(browser)
            let pid = issued.provider.id
            var page = try await b.get("/console/providers/\(pid)")
            #expect(page.body.contains("None: everything the provider sent was kept."))
            #expect(page.body.contains(#"value="accept-and-warn" checked"#))
            for name in ["ann", "bob"] {
                let r = try await okta.send(
                    .post, "/Users",
                    UsersAPITests.user("\(name)@example.com", extra: #","addresses":[{"country":"Narnia"}]"#))
                #expect(r.status == .created)
            }
            page = try await b.get("/console/providers/\(pid)")
            #expect(page.body.contains("<code>addresses.country</code>"))
            #expect(page.body.contains("2 value(s) left out."))
            #expect(page.body.contains("Narnia"))
            #expect(
                page.body.contains(
                    "/console/sync-log?provider=\(pid)&amp;action=warning&amp;attribute=addresses.country"))
            let log = try await b.get("/console/sync-log?provider=\(pid)&action=warning&attribute=addresses.country")
            #expect(log.body.contains("ann@example.com") && log.body.contains("bob@example.com"))

            let saved = try await b.post("/console/providers/\(pid)/invalid-data", [("policy", "reject")])
            #expect(saved.status == .seeOther)
            #expect(try await admin.provider(id: pid).invalidData == .reject)
            page = try await b.get("/console/providers/\(pid)")
            #expect(page.body.contains(#"value="reject" checked"#))
            let refused = try await b.post("/console/providers/\(pid)/invalid-data", [("policy", "sometimes")])
            let shown = refused.status == .seeOther ? try await b.get(refused.location ?? "").body : refused.body
            #expect(shown.contains("Choose what happens to invalid data"))
            #expect(try await admin.provider(id: pid).invalidData == .reject)
        }
    }

    /// A bulk operation is decoded as its single request: warnings carry the operation's request id.
    @Test(arguments: StoreKind.allCases)
    func bulkOperationsWarnToo(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let r = try await okta.send(
                .post, "/Bulk",
                BulkAPITests.body([BulkAPITests.postUser("a", "ann@example.com", extra: #","shoeSize":42"#)]))
            #expect(BulkAPITests.statuses(r) == ["201"])
            let warning = try #require(try await Self.warnings(admin, issued[0].provider).first)
            #expect(warning.attribute == "shoeSize" && warning.requestID?.hasSuffix("/0:a") == true)

            try await Self.set(.reject, issued[0].provider, admin)
            let refused = try await okta.send(
                .post, "/Bulk",
                BulkAPITests.body([BulkAPITests.postUser("b", "bob@example.com", extra: #","shoeSize":42"#)]))
            #expect(BulkAPITests.statuses(r) == ["201"] && BulkAPITests.statuses(refused) == ["400"])
        }
    }

    /// Groups follow the same policy: an attribute the IdP added on its side is left out of POST, PUT and PATCH.
    @Test(arguments: StoreKind.allCases)
    func groupsFollowThePolicy(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let entra = clients[0]
            let body =
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales","region":"EMEA","members":[]}"#
            let created = try await entra.send(.post, "/Groups", body)
            #expect(created.status == .created && created.object["region"] == nil)
            let put = try await entra.send(.put, "/Groups/\(created.id)", body)
            #expect(put.status == .ok)
            let patch = try await entra.send(
                .patch, "/Groups/\(created.id)", #"{"Operations":[{"op":"replace","path":"region","value":"APAC"}]}"#)
            #expect(patch.status == .noContent || patch.status == .ok)
            let warnings = try await Self.warnings(admin, issued[0].provider)
            #expect(warnings.count == 3)
            #expect(warnings.allSatisfy { $0.groupID == created.id && $0.attribute == "region" && $0.userID == nil })

            try await Self.set(.reject, issued[0].provider, admin)
            let refused = try await entra.send(.post, "/Groups", body.replacingOccurrences(of: "Sales", with: "Ops"))
            #expect(refused.status == .badRequest && refused.detail.contains("region"))
            #expect(try await entra.send(.get, "/Groups").totalResults == 1)
        }
    }

    /// A manager stored under accept-and-warn does not make later writes that leave it fail once the provider is
    /// switched to reject; a new one naming no user does.
    @Test(arguments: StoreKind.allCases)
    func storedDanglingManagerDoesNotBlockOtherWrites(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let created = try await okta.send(
                .post, "/Users",
                UsersAPITests.user(
                    "ann@example.com", extra: #","\#(SchemaURN.enterpriseUser)":{"manager":{"value":"ghost"}}"#))
            #expect(created.status == .created)
            try await Self.set(.reject, issued[0].provider, admin)
            let title = try await okta.send(
                .patch, "/Users/\(created.id)", #"{"Operations":[{"op":"replace","path":"title","value":"Lead"}]}"#)
            #expect(title.status == .ok && title.object["title"] == "Lead")
            let manager = try await okta.send(
                .patch, "/Users/\(created.id)", #"{"Operations":[{"op":"replace","path":"manager","value":"ghost2"}]}"#)
            #expect(manager.status == .badRequest && manager.detail.contains("manager"))
        }
    }
}
