import Foundation

/// Acting as another user: the `Impersonate-*` headers client-go sends for
/// `kubectl --as`, or for a kubeconfig user's `as:`/`as-groups:` fields.
///
/// A break-glass kubeconfig often carries `as:`; ignoring it would make the
/// tool act as someone else than the responder believes, so it is honoured
/// and said where it came from.
public struct Impersonation: Sendable, Equatable {
    /// `Impersonate-User`.
    public var user: String
    /// `Impersonate-Uid`.
    public var uid: String?
    /// `Impersonate-Group`, one header each.
    public var groups: [String]
    /// `Impersonate-Extra-<key>`, one header per value.
    public var extra: [String: [String]]
    /// Where it was asked for, for messages: "--as" or "users[break-glass].user.as in /root/.kube/config".
    public var origin: String

    public init(user: String, uid: String? = nil, groups: [String] = [], extra: [String: [String]] = [:], origin: String) {
        self.user = user
        self.uid = uid
        self.groups = groups
        self.extra = extra
        self.origin = origin
    }

    /// The request headers, in a stable order.
    var headers: [(name: String, value: String)] {
        var headers: [(String, String)] = [("Impersonate-User", user)]
        if let uid, !uid.isEmpty { headers.append(("Impersonate-Uid", uid)) }
        for group in groups { headers.append(("Impersonate-Group", group)) }
        for key in extra.keys.sorted() {
            for value in extra[key] ?? [] {
                headers.append(("Impersonate-Extra-" + Self.headerKeyEscape(key), value))
            }
        }
        return headers
    }

    /// As client-go's `headerKeyEscape`: bytes that may not appear in a header
    /// name are percent-encoded, so a key such as `scopes.example.com/team` survives.
    static func headerKeyEscape(_ key: String) -> String {
        let legal = Set("!#$&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        var escaped = ""
        for byte in key.utf8 {
            if legal.contains(byte) {
                escaped.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                escaped += String(format: "%%%02X", byte)
            }
        }
        return escaped
    }

    /// One line for the user: `acting as "bob" (groups ops) by --as`.
    public var summary: String {
        var text = "acting as \"\(user)\""
        if !groups.isEmpty { text += " (groups \(groups.joined(separator: ", ")))" }
        return text + " by \(origin)"
    }
}
