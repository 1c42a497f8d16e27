import Crypto

extension BundlePath {
    /// The longest component ``sanitize(_:)`` returns. Kubernetes names are at
    /// most 253 characters, so every real name passes whole, and every result
    /// fits a file name on any file system someone may unpack the bundle on.
    public static let maxComponentLength = 253

    /// Length of the hash suffix, `~` and 16 hex digits (64 bits of SHA-256).
    static let hashSuffixLength = 17

    /// Turns a name from outside (namespace, pod, container, file) into one
    /// safe path component, deterministically.
    ///
    /// A name that is already a DNS-label-ish name (`[a-z0-9_][a-z0-9._-]*`, at
    /// most ``maxComponentLength`` long) is returned unchanged: every name a
    /// Kubernetes API server accepts passes. Anything else (slashes, `..`,
    /// NUL, control characters, terminal escapes, upper case, non-ASCII, empty
    /// or too long) is rewritten: each byte outside the set is written `%XX`,
    /// the result is cut to fit, and `~` plus 16 hex digits of the SHA-256 of
    /// the original name are appended. Clean names never contain `%` or `~`,
    /// so a rewritten name never equals a clean one, and two different
    /// rewritten names differ in their hash, so they never collide even when
    /// the cut makes their visible parts equal.
    ///
    /// The result is never empty, never `.` or `..`, never starts with `.` or
    /// `-`, and contains only `[a-z0-9._~%-]`.
    public static func sanitize(_ name: String) -> String {
        let bytes = Array(name.utf8)
        if isClean(bytes) { return name }

        var escaped: [UInt8] = []
        escaped.reserveCapacity(min(bytes.count * 3, maxComponentLength))
        let limit = maxComponentLength - hashSuffixLength
        for (index, byte) in bytes.enumerated() {
            let keep = isAllowed(byte) && !(index == 0 && (byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")))
            let needed = keep ? 1 : 3
            if escaped.count + needed > limit { break }
            if keep {
                escaped.append(byte)
            } else {
                escaped.append(UInt8(ascii: "%"))
                escaped.append(hexDigits[Int(byte >> 4)])
                escaped.append(hexDigits[Int(byte & 0x0f)])
            }
        }
        let digest = SHA256.hash(data: bytes)
        let suffix = "~" + Array(digest).prefix(8).hexString
        return String(decoding: escaped, as: UTF8.self) + suffix
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    private static func isClean(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, bytes.count <= maxComponentLength else { return false }
        guard first != UInt8(ascii: "."), first != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy(isAllowed)
    }
}
