import Collector
import Foundation

extension CollectionProfile {
    /// `profiles list`: one row per profile, in the style of `kubectl get`.
    public static func renderList(_ profiles: [CollectionProfile]) -> String {
        var table = TextTable(headers: ["NAME", "SECURITY", "GATHERS", "DESCRIPTION"])
        for profile in profiles {
            table.append([profile.name, profile.securityProfile.rawValue,
                          profile.gather.map(\.rawValue).joined(separator: ","), profile.description ?? ""])
        }
        return table.render()
    }

    /// `profiles show`: the profile's YAML as written, then, as YAML comments, the
    /// securityContext the evidence container gets under it.
    public static func renderShown(yaml: String, profile: CollectionProfile) throws -> String {
        var out = yaml
        if !out.hasSuffix("\n") { out += "\n" }
        out += "\n# The ephemeral container's securityContext under this profile:\n"
        if let context = profile.securityContext {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            out += "# " + String(decoding: try encoder.encode(context), as: UTF8.self)
                .replacingOccurrences(of: "\n", with: "\n# ") + "\n"
        } else {
            out += "# (none: the container runs with the runtime's defaults)\n"
        }
        return out
    }
}
