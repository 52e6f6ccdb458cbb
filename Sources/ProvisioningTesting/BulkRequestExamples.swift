/// RFC 7644's BulkRequest examples, as the RFC prints them.
public enum BulkRequestExamples {
    /// §3.7.2: a user, and a group listing it by its bulkId.
    public static let rfc7644_3_7_2 = """
        {"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
         "Operations":[
          {"method":"POST","path":"/Users","bulkId":"qwerty",
           "data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:User"],"userName":"Alice"}},
          {"method":"POST","path":"/Groups","bulkId":"ytrewq",
           "data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:Group"],"displayName":"Tour Guides",
                   "members":[{"type":"User","value":"bulkId:qwerty"}]}}]}
        """

    /// §3.7.1: two groups, each a member of the other.
    public static let rfc7644_3_7_1 = """
        {"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
         "Operations":[
          {"method":"POST","path":"/Groups","bulkId":"qwerty",
           "data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Group A",
                   "members":[{"type":"Group","value":"bulkId:ytrewq"}]}},
          {"method":"POST","path":"/Groups","bulkId":"ytrewq",
           "data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Group B",
                   "members":[{"type":"Group","value":"bulkId:qwerty"}]}}]}
        """

    /// §3.7.3: a POST, a PUT, a PATCH and a DELETE with versions, `failOnErrors` 1.
    public static let rfc7644_3_7_3 = """
        {"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":1,
         "Operations":[
          {"method":"POST","path":"/Users","bulkId":"qwerty",
           "data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:User"],"userName":"Alice"}},
          {"method":"PUT","path":"/Users/b7c14771-226c-4d05-8860-134711653041","version":"W/\\"3694e05e9dff591\\"",
           "data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
                   "id":"b7c14771-226c-4d05-8860-134711653041","userName":"Bob"}},
          {"method":"PATCH","path":"/Users/5d8d29d3-342c-4b5f-8683-a3cb6763ffcc","version":"W/\\"edac3253e2c0ef2\\"",
           "data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations":[{"op":"remove","path":"nickName"},{"op":"replace","path":"userName","value":"Dave"}]}},
          {"method":"DELETE","path":"/Users/e9025315-6bea-44e1-899c-1e07454e468b","version":"W/\\"0ee8add0a938e1a\\""}]}
        """
}
