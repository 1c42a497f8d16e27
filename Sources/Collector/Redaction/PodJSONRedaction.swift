import Evidence
import Foundation

/// Hides the secrets a pod object carries before it goes into the bundle:
/// every env `value` (names and `valueFrom` references stay: they say where a
/// secret came from without being it), the last-applied-configuration
/// annotation (a second copy of the whole spec, env values included), and the
/// secret values in `command` and `args` (``ArgvRedaction``).
///
/// A pod with nothing to hide is kept byte for byte as the API server sent it;
/// one with something to hide is written again as JSON with sorted keys.
public enum PodJSONRedaction {
    public static let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"
    public static let marker = "<redacted>"

    public static func redact(_ json: [UInt8]) -> (json: [UInt8], findings: [RedactionFinding]) {
        guard var pod = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any] else {
            // The pod was decoded before it got here; if it cannot be read as an object now, keep
            // it and say so rather than guess.
            return (json, [RedactionFinding(location: "the whole object (not readable as JSON)", rule: "not-redacted")])
        }
        var findings: [RedactionFinding] = []
        if var metadata = pod["metadata"] as? [String: Any], var annotations = metadata["annotations"] as? [String: Any],
           annotations[lastAppliedAnnotation] != nil
        {
            annotations[lastAppliedAnnotation] = marker
            metadata["annotations"] = annotations
            pod["metadata"] = metadata
            findings.append(RedactionFinding(location: "metadata.annotations[\(lastAppliedAnnotation)]", rule: "last-applied-configuration"))
        }
        if var spec = pod["spec"] as? [String: Any] {
            for kind in ["initContainers", "containers", "ephemeralContainers"] {
                guard var containers = spec[kind] as? [[String: Any]] else { continue }
                for index in containers.indices {
                    let name = containers[index]["name"] as? String ?? String(index)
                    findings += redact(container: &containers[index], at: "spec.\(kind)[\(name)]")
                }
                spec[kind] = containers
            }
            pod["spec"] = spec
        }
        guard !findings.isEmpty,
              let data = try? JSONSerialization.data(withJSONObject: pod, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return (json, findings) }
        return (Array(data), findings)
    }

    private static func redact(container: inout [String: Any], at path: String) -> [RedactionFinding] {
        var findings: [RedactionFinding] = []
        if var env = container["env"] as? [[String: Any]] {
            for index in env.indices {
                guard let value = env[index]["value"] as? String, !value.isEmpty else { continue }
                env[index]["value"] = marker
                let name = env[index]["name"] as? String ?? String(index)
                findings.append(RedactionFinding(location: "\(path).env[\(name)].value", rule: "env-value"))
            }
            container["env"] = env
        }
        // command and args are one argv: `--password` may end the command and its value begin args.
        let command = container["command"] as? [String] ?? []
        let args = container["args"] as? [String] ?? []
        let (redacted, masked) = ArgvRedaction.redact(command + args)
        for mask in masked {
            let field = mask.index < command.count ? "command[\(mask.index)]" : "args[\(mask.index - command.count)]"
            findings.append(RedactionFinding(location: "\(path).\(field)", rule: mask.rule.rawValue))
        }
        if !masked.isEmpty {
            if container["command"] != nil { container["command"] = Array(redacted.prefix(command.count)) }
            if container["args"] != nil { container["args"] = Array(redacted.dropFirst(command.count)) }
        }
        return findings
    }
}
