package import SCIM

extension BulkOperation {
    /// A POST as its single request sends it, for ``Provisioning/SCIMService/perform(_:for:requestID:)`` in tests.
    package static func post(_ endpoint: BulkPath.Endpoint, _ body: JSONObject) -> BulkOperation {
        BulkOperation(method: .post, path: BulkPath(endpoint: endpoint), data: body)
    }

    /// A PATCH as its single request sends it.
    package static func patch(_ endpoint: BulkPath.Endpoint, id: String, _ body: JSONObject, ifMatch: String? = nil)
        -> BulkOperation
    {
        BulkOperation(method: .patch, path: BulkPath(endpoint: endpoint, id: id), version: ifMatch, data: body)
    }
}
