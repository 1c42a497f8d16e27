import Evidence
import Foundation

/// Strings from a pod or a bundle made safe for a terminal and for HTML.
/// The evidence files already hold escaped text, but a bundle may have been
/// edited by hand, and pod names come from the manifest: escape everything.
public enum DisplayEscaping {
    /// Safe for one line of a terminal or a report: ``DisplayText/line(_:cutAfter:)``,
    /// the one rule for every line the tool prints.
    public static func text(_ string: String) -> String {
        text(string, cutAfter: .max)
    }

    public static func text(_ string: String, cutAfter limit: Int) -> String {
        DisplayText.line(string, cutAfter: limit)
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
