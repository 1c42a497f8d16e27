import Foundation


/// Strings from a pod or a bundle made safe for a terminal and for HTML.
/// The evidence files already hold escaped text, but a bundle may have been
/// edited by hand, and pod names come from the manifest: escape everything.
public enum DisplayEscaping {
    /// Safe for one line of a terminal or a report: C0 and C1 controls, DEL,
    /// bidi overrides and other invisible format characters (U+200B–U+200F,
    /// U+2028–U+202E, U+2060–U+206F, U+FEFF) written as `\u{…}`; everything
    /// else, and already-escaped display text, as it is. With `limit`, cut
    /// after that many characters with "…". The one rule for every line the
    /// tool prints from a pod, a bundle or an API server.
    public static func text(_ string: String) -> String {
        text(string, cutAfter: .max)
    }

    public static func text(_ string: String, cutAfter limit: Int) -> String {
        var out = String.UnicodeScalarView()
        var count = 0
        for scalar in string.unicodeScalars {
            if count >= limit {
                out.append(contentsOf: "…".unicodeScalars)
                break
            }
            if isUnsafe(scalar) {
                out.append(contentsOf: "\\u{\(String(format: "%02X", scalar.value))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
            count += 1
        }
        return String(out)
    }

    static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0..<0x20, 0x7F, 0x80..<0xA0, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x206F, 0xFEFF: return true
        default: return false
        }
    }

    /// ``text(_:)``, then the five HTML specials as entities.
    public static func html(_ string: String) -> String {
        var out = ""
        for character in text(string) {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
