package import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Which URLs webhooks may be sent to: http or https, and, unless an endpoint was added with `allowPrivate`, no
/// host that is a loopback, private, link-local, unique-local, unspecified or cloud-metadata address (so that an
/// admin API token cannot turn Roster into a probe of the network it runs in). Host names are checked again at
/// each delivery against the addresses they resolve to.
package enum WebhookURLPolicy {
    /// Checks an endpoint's URL when it is added; the error names the URL and the rule.
    package static func check(_ text: String, allowPrivate: Bool) throws(ProvisioningError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else {
            throw ProvisioningError.invalid("Webhook URL '\(text.prefix(200))' must be an http:// or https:// URL.")
        }
        guard let host = url.host, !host.isEmpty else {
            throw ProvisioningError.invalid("Webhook URL '\(text.prefix(200))' has no host.")
        }
        guard url.user == nil, url.password == nil else {
            throw ProvisioningError.invalid(
                "Webhook URL '\(text.prefix(200))' must not carry credentials: deliveries are signed instead.")
        }
        if !allowPrivate, let reason = refusal(host: host) {
            throw ProvisioningError.invalid(
                "Webhook URL '\(text.prefix(200))' names \(reason); add it with --allow-private (allowPrivate) if that is meant."
            )
        }
        return url
    }

    /// Why a host (a name or an address literal) may not be sent to, or `nil` when it may.
    package static func refusal(host: String) -> String? {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]."))
        if host == "localhost" || host.hasSuffix(".localhost") { return "a loopback host" }
        if host == "metadata.google.internal" || host == "metadata" { return "a cloud metadata host" }
        if let v4 = ipv4(host) { return refusal(ipv4: v4) }
        if let v6 = ipv6(host) { return refusal(ipv6: v6) }
        return nil
    }

    /// Why an IPv4 address may not be sent to.
    package static func refusal(ipv4 a: [UInt8]) -> String? {
        switch (a[0], a[1]) {
        case (127, _): return "a loopback address"
        case (10, _), (172, 16...31), (192, 168): return "a private address"
        case (169, 254): return a[2] == 169 && a[3] == 254 ? "a cloud metadata address" : "a link-local address"
        case (100, 64...127): return "a shared (carrier-grade NAT) address"
        case (0, _): return "an unspecified address"
        case (224...255, _): return "a multicast or reserved address"
        default: return nil
        }
    }

    /// Why an IPv6 address may not be sent to.
    package static func refusal(ipv6 a: [UInt8]) -> String? {
        if a.dropLast().allSatisfy({ $0 == 0 }) && (a[15] == 1 || a[15] == 0) {
            return a[15] == 1 ? "a loopback address" : "an unspecified address"
        }
        // IPv4-mapped (::ffff:a.b.c.d): the IPv4 rules.
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xFF && a[11] == 0xFF { return refusal(ipv4: Array(a[12...])) }
        if a[0] & 0xFE == 0xFC { return "a unique-local (private) address" }
        if a[0] == 0xFE && a[1] & 0xC0 == 0x80 { return "a link-local address" }
        if a[0] == 0xFD && a[1] == 0x00 && a[15] == 0x54 && a[2...14].allSatisfy({ $0 == 0xEC || $0 == 0 }) {
            return "a cloud metadata address"
        }
        if a[0] == 0xFF { return "a multicast address" }
        return nil
    }

    /// The four bytes of a dotted IPv4 literal (other spellings, such as `2130706433`, are names here and are
    /// caught when they resolve).
    static func ipv4(_ s: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, s, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    /// The sixteen bytes of an IPv6 literal (a zone, `%eth0`, is left out).
    static func ipv6(_ s: String) -> [UInt8]? {
        var address = in6_addr()
        let text = s.split(separator: "%", maxSplits: 1).first.map(String.init) ?? s
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
