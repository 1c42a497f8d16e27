import Foundation

/// The proxy requests go through: a kubeconfig cluster's `proxy-url`, else
/// `HTTPS_PROXY`/`HTTP_PROXY` unless `NO_PROXY` exempts the server, as Go's
/// `http.ProxyFromEnvironment` decides for kubectl.
///
/// Who sees the traffic matters to a forensic tool, so the choice is
/// recorded on the connection and printed with `-v`.
public struct ProxySetting: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// HTTP CONNECT tunnels; TLS to the API server stays end to end.
        case http
        case socks5
    }

    public var kind: Kind
    public var host: String
    public var port: Int
    var username: String?
    var password: String?
    /// Where it came from: "proxy-url of cluster "lab" in /x/config" or "the HTTPS_PROXY environment variable".
    public var origin: String

    /// `Proxy-Authorization` for a proxy URL with a user (`Basic` over user:password,
    /// as Go's transport sends it); nil without one.
    var basicAuthorization: String? {
        guard let username else { return nil }
        return "Basic " + Data("\(username):\(password ?? "")".utf8).base64EncodedString()
    }

    /// The proxy URL without its password, for messages and the manifest.
    public var displayURL: String {
        let user = username.map { "\($0)@" } ?? ""
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(kind == .http ? "http" : "socks5")://\(user)\(hostPart):\(port)"
    }

    /// Parses a proxy URL. A URL without a scheme is http://, as in Go.
    /// `https://` proxies (TLS to the proxy itself) and SOCKS with a password
    /// are refused by name: the HTTP client cannot speak them, and sending the
    /// traffic elsewhere silently is worse than refusing.
    static func parse(_ text: String, origin: String, file: String?, field: String) throws -> ProxySetting {
        let withScheme = text.contains("://") ? text : "http://" + text
        func refuse(_ why: String) -> KubeconfigError {
            KubeconfigError(file: file, field: field, message: "The proxy \"\(text)\" (\(origin)) \(why)")
        }
        guard let components = URLComponents(string: withScheme), let host = components.host, !host.isEmpty else {
            throw refuse("is not a URL; expected something like http://proxy.example:3128.")
        }
        let scheme = components.scheme?.lowercased() ?? "http"
        let kind: Kind
        switch scheme {
        case "http": kind = .http
        case "socks5", "socks5h": kind = .socks5
        case "https":
            throw refuse("is reached over TLS (https://), which kubectl-evidence cannot do; use the proxy's http:// address (the API server's TLS still runs end to end through the tunnel).")
        default:
            throw refuse("has the scheme \(scheme); supported are http:// and socks5://.")
        }
        let port = components.port ?? (kind == .http ? 80 : 1080)
        if kind == .socks5, components.user != nil {
            throw refuse("asks for SOCKS5 with a user name, which kubectl-evidence cannot do; use an http:// proxy or a SOCKS5 proxy without authentication.")
        }
        return ProxySetting(
            kind: kind, host: host, port: port, username: components.user?.removingPercentEncoding,
            password: components.password?.removingPercentEncoding, origin: origin)
    }

    /// The environment's proxy for `server`, as Go decides: HTTPS_PROXY (or
    /// https_proxy) for https servers, HTTP_PROXY (http_proxy) for http; none
    /// for localhost and loopback addresses, nor when NO_PROXY matches.
    static func fromEnvironment(server: String, environment: [String: String]) throws -> ProxySetting? {
        guard let components = URLComponents(string: server), let host = components.host?.lowercased() else { return nil }
        let secure = components.scheme?.lowercased() == "https"
        let names = secure ? ["HTTPS_PROXY", "https_proxy"] : ["HTTP_PROXY", "http_proxy"]
        guard let name = names.first(where: { !(environment[$0] ?? "").isEmpty }), let value = environment[name] else { return nil }
        if isLoopback(host) { return nil }
        let port = components.port ?? (secure ? 443 : 80)
        let noProxy = environment["NO_PROXY"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["no_proxy"] ?? ""
        if NoProxyList(noProxy).exempts(host: host, port: port) { return nil }
        return try parse(value, origin: "the \(name) environment variable", file: nil, field: name)
    }

    static func isLoopback(_ host: String) -> Bool {
        let host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        if let address = IPAddressBytes(host) { return address.isLoopback }
        return false
    }
}

/// `NO_PROXY` as Go's httpproxy reads it: comma-separated entries, each `*`,
/// an IP address, a CIDR block, or a domain (`example.com` and
/// `.example.com` both match its subdomains), optionally with `:port`.
struct NoProxyList {
    private var entries: [String]

    init(_ text: String) {
        entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    func exempts(host: String, port: Int) -> Bool {
        let host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        for entry in entries {
            if entry == "*" { return true }
            if entry.contains("/") {
                if let block = CIDRBlock(entry), let address = IPAddressBytes(host), block.contains(address) { return true }
                continue
            }
            var name = entry
            var entryPort: Int?
            if let colon = entry.lastIndex(of: ":"), !entry.hasPrefix("["), entry.filter({ $0 == ":" }).count == 1 {
                name = String(entry[..<colon])
                entryPort = Int(entry[entry.index(after: colon)...])
            }
            if name.hasPrefix("[") { name = String(name.dropFirst().dropLast()) }
            if let entryPort, entryPort != port { continue }
            if let a = IPAddressBytes(name), let b = IPAddressBytes(host) {
                if a == b { return true }
                continue
            }
            let bare = name.hasPrefix(".") ? String(name.dropFirst()) : name
            if host == bare || host.hasSuffix("." + bare) { return true }
        }
        return false
    }
}

/// An IPv4 or IPv6 address as bytes, for NO_PROXY and loopback checks.
struct IPAddressBytes: Equatable {
    var bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    var isLoopback: Bool {
        if bytes.count == 4 { return bytes[0] == 127 }
        return bytes == [UInt8](repeating: 0, count: 15) + [1]
    }
}

struct CIDRBlock {
    var base: IPAddressBytes
    var prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let base = IPAddressBytes(String(parts[0])), let prefix = Int(parts[1]),
            prefix >= 0, prefix <= base.bytes.count * 8
        else { return nil }
        self.base = base
        self.prefix = prefix
    }

    func contains(_ address: IPAddressBytes) -> Bool {
        guard address.bytes.count == base.bytes.count else { return false }
        var remaining = prefix
        for (a, b) in zip(address.bytes, base.bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }
}
