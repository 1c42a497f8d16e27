import Bundle

/// Strings from a pod or a bundle made safe for a terminal and for HTML.
/// The evidence files already hold escaped text, but a bundle may have been
/// edited by hand, and pod names come from the manifest: escape everything.
public enum DisplayEscaping {
    /// Control characters and escapes written as `\u{…}` (``BundleReader/display(_:)``, unquoted).
    public static func text(_ string: String) -> String {
        String(BundleReader.display(string).dropFirst().dropLast())
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
