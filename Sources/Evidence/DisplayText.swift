/// Bytes from a pod made safe to show and to store in JSON, reversibly.
///
/// A process controls its own argv, comm and paths: they may hold newlines
/// (to forge lines in a report), NULs, terminal escapes (ESC, CSI as the C1
/// byte U+009B) that would drive the responder's terminal, bidi overrides
/// that reorder what is shown, and invalid UTF-8. The display form keeps
/// printable ASCII and printable UTF-8 as they are and escapes everything else:
///
/// - `\\` for a backslash, `\n`, `\t`, `\r` for those controls;
/// - `\xNN` for any other C0 control byte, DEL, and every byte that is not
///   part of valid UTF-8;
/// - `\u{NNNN}` for C1 controls (U+0080–U+009F), bidi and other invisible
///   format characters (U+200B–U+200F, U+202A–U+202E, U+2060–U+206F,
///   U+FEFF), line and paragraph separators (U+2028, U+2029).
///
/// Because the backslash itself is escaped, the original bytes can always be
/// recovered from the display form. It never contains a raw ESC.
public enum DisplayText {
    public static func escape(_ bytes: some Collection<UInt8>) -> String {
        // Most names and arguments are plain printable ASCII.
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        let b = Array(bytes)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < b.count {
            let byte = b[i]
            if byte < 0x80 {
                switch byte {
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".unicodeScalars)
                case 0x0A: out.append(contentsOf: "\\n".unicodeScalars)
                case 0x09: out.append(contentsOf: "\\t".unicodeScalars)
                case 0x0D: out.append(contentsOf: "\\r".unicodeScalars)
                case 0x20..<0x7F: out.append(Unicode.Scalar(byte))
                default: appendHexByte(byte, to: &out)
                }
                i += 1
                continue
            }
            if let (scalar, length) = decodeScalar(b, at: i) {
                if isUnsafe(scalar) {
                    out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
                } else {
                    out.append(scalar)
                }
                i += length
            } else {
                appendHexByte(byte, to: &out)
                i += 1
            }
        }
        return String(out)
    }

    /// Escaped, cut to `limit` bytes of input (with "…" when cut).
    public static func escape(_ bytes: some Collection<UInt8>, limit: Int) -> String {
        bytes.count > limit ? escape(bytes.prefix(limit)) + "…" : escape(bytes)
    }

    /// Text (not bytes) made safe for one line of a terminal, a log or a
    /// report: C0 controls, DEL, and every scalar ``isUnsafe(_:)`` names (C1,
    /// bidi overrides, invisible format characters, line separators) written
    /// as `\u{1B}`; everything else as it is, so text already in display form
    /// passes unchanged. Cut after `limit` characters with "…".
    ///
    /// The one rule for every line the tool prints from a pod, a bundle, a
    /// kubeconfig or an API server (node and container names, webhook
    /// messages, waiting reasons, error messages).
    public static func line(_ text: String, cutAfter limit: Int = .max) -> String {
        if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && text.unicodeScalars.count <= limit { return text }
        var out = String.UnicodeScalarView()
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                out.append(contentsOf: "…".unicodeScalars)
                break
            }
            if scalar.value < 0x20 || scalar.value == 0x7F || isUnsafe(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out.append(contentsOf: "\\u{\(hex.count < 2 ? "0" + hex : hex)}".unicodeScalars)
            } else {
                out.append(scalar)
            }
            count += 1
        }
        return String(out)
    }

    /// ``line(_:cutAfter:)`` for each line of a multi-line message: the
    /// message's own line breaks stay, nothing else that moves the cursor does.
    public static func lines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line(String($0)) }.joined(separator: "\n")
    }

    static func appendHexByte(_ byte: UInt8, to out: inout String.UnicodeScalarView) {
        func digit(_ v: UInt8) -> Unicode.Scalar { Unicode.Scalar(v < 10 ? 0x30 + v : 0x41 + v - 10) }
        out.append(contentsOf: "\\x".unicodeScalars)
        out.append(digit(byte >> 4))
        out.append(digit(byte & 0xF))
    }

    static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x80...0x9F, 0xAD, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x206F, 0xFEFF, 0xFFF9...0xFFFB:
            true
        default:
            false
        }
    }

    /// A well-formed UTF-8 sequence at `i` (no overlongs, surrogates or values
    /// past U+10FFFF) and its length, or nil.
    static func decodeScalar(_ b: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let lead = b[i]
        let length: Int
        var value: UInt32
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0: length = 3; value = 0; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xED: length = 3; value = 0xD; upper = 0x9F
        case 0xF0: length = 4; value = 0; lower = 0x90
        case 0xF1...0xF3: length = 4; value = UInt32(lead & 0x07)
        case 0xF4: length = 4; value = 4; upper = 0x8F
        default: return nil
        }
        guard i + length <= b.count else { return nil }
        for k in 1..<length {
            let c = b[i + k]
            let lo = k == 1 ? lower : 0x80, hi = k == 1 ? upper : 0xBF
            guard c >= lo && c <= hi else { return nil }
            value = value << 6 | UInt32(c & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}
