/// An image reference normalised as containerd normalises it (`busybox` →
/// `docker.io/library/busybox:latest`), so that error messages and image IDs read like the real ones.
struct LabImageReference: Sendable, Equatable {
    var domain: String
    var path: String
    var tag: String?
    var digest: String?

    /// `docker.io/library/busybox:1.36`, as the kubelet quotes it in pull errors.
    var normalized: String {
        var s = "\(domain)/\(path)"
        if let tag { s += ":\(tag)" }
        if let digest { s += "@\(digest)" }
        return s
    }

    /// The repository without tag or digest: `docker.io/library/busybox`.
    var repository: String { "\(domain)/\(path)" }

    /// The last path component: `busybox`.
    var shortName: String { path.split(separator: "/").last.map(String.init) ?? path }

    /// Parses a reference; nil when it is not a valid reference (InvalidImageName).
    init?(_ reference: String) {
        var rest = Substring(reference)
        guard !rest.isEmpty, rest.count <= 255 else { return nil }
        if let at = rest.firstIndex(of: "@") {
            let digest = rest[rest.index(after: at)...]
            guard Self.isDigest(digest) else { return nil }
            self.digest = String(digest)
            rest = rest[..<at]
        } else {
            self.digest = nil
        }
        // A tag is a colon after the last slash (a colon before it is a registry port).
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            let tag = rest[rest.index(after: colon)...]
            guard Self.isTag(tag) else { return nil }
            self.tag = String(tag)
            rest = rest[..<colon]
        } else {
            self.tag = nil
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !components.isEmpty, components.allSatisfy({ !$0.isEmpty }) else { return nil }
        let first = components[0]
        if components.count > 1, first.contains(".") || first.contains(":") || first == "localhost" {
            domain = first
            components.removeFirst()
        } else {
            domain = "docker.io"
        }
        if domain == "index.docker.io" { domain = "docker.io" }
        if domain == "docker.io", components.count == 1 { components.insert("library", at: 0) }
        guard components.allSatisfy(Self.isPathComponent) else { return nil }
        path = components.joined(separator: "/")
        if tag == nil, digest == nil { tag = "latest" }
    }

    private static func isPathComponent(_ s: String) -> Bool {
        guard let f = s.first, let l = s.last, f.isLetter || f.isNumber, l.isLetter || l.isNumber else { return false }
        return s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "." || $0 == "_" || $0 == "-" }
    }

    private static func isTag(_ s: Substring) -> Bool {
        guard let f = s.first, s.count <= 128, f != ".", f != "-" else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    }

    private static func isDigest(_ s: Substring) -> Bool {
        guard let colon = s.firstIndex(of: ":") else { return false }
        let algorithm = s[..<colon]
        let hex = s[s.index(after: colon)...]
        return !algorithm.isEmpty && hex.count >= 32 && hex.allSatisfy(\.isHexDigit)
    }
}
