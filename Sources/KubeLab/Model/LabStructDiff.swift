/// The diff the real server appends to "existing ephemeral containers … may not be changed":
/// both containers marshalled as the API server's internal Go struct (Go field names, one-space
/// indent, as `json.MarshalIndent(c, "", " ")`), compared line by line into a unified diff with
/// three lines of context (compare Tests/Fixtures/k8s/errors/422-ephemeral-duplicate-name-smp-changed.json).
/// Fields the lab does not model are written as their zero values.
enum LabStructDiff {
    static func diff(_ old: LabEphemeralContainer, _ new: LabEphemeralContainer) -> String {
        unified(lines(old), lines(new))
    }

    static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        JSONValue.encodeString(s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func stringList(_ name: String, _ list: [String], indent: String) -> [String] {
        guard !list.isEmpty else { return ["\(indent)\"\(name)\": null,"] }
        var out = ["\(indent)\"\(name)\": ["]
        for (i, s) in list.enumerated() { out.append("\(indent) \(quoted(s))" + (i + 1 < list.count ? "," : "")) }
        out.append("\(indent)],")
        return out
    }

    /// The internal `SecurityContext` struct, or null.
    private static func securityContext(_ sc: JSONValue?) -> [String] {
        guard let sc else { return [" \"SecurityContext\": null,"] }
        func scalar(_ v: JSONValue?) -> String {
            guard let v else { return "null" }
            return String(decoding: v.encoded(), as: UTF8.self)
        }
        var out = [" \"SecurityContext\": {"]
        if let caps = sc["capabilities"] {
            out.append("  \"Capabilities\": {")
            out += stringList("Add", caps["add"]?.arrayValue?.compactMap(\.stringValue) ?? [], indent: "   ")
            var drop = stringList("Drop", caps["drop"]?.arrayValue?.compactMap(\.stringValue) ?? [], indent: "   ")
            drop[drop.count - 1].removeLast()
            out += drop
            out.append("  },")
        } else {
            out.append("  \"Capabilities\": null,")
        }
        out.append("  \"Privileged\": \(scalar(sc["privileged"])),")
        out.append("  \"SELinuxOptions\": null,")
        out.append("  \"WindowsOptions\": null,")
        out.append("  \"RunAsUser\": \(scalar(sc["runAsUser"])),")
        out.append("  \"RunAsGroup\": \(scalar(sc["runAsGroup"])),")
        out.append("  \"RunAsNonRoot\": \(scalar(sc["runAsNonRoot"])),")
        out.append("  \"ReadOnlyRootFilesystem\": \(scalar(sc["readOnlyRootFilesystem"])),")
        out.append("  \"AllowPrivilegeEscalation\": \(scalar(sc["allowPrivilegeEscalation"])),")
        out.append("  \"ProcMount\": null,")
        if let type = sc["seccompProfile"]?["type"]?.stringValue {
            out.append("  \"SeccompProfile\": {")
            out.append("   \"Type\": \(quoted(type)),")
            out.append("   \"LocalhostProfile\": null")
            out.append("  },")
        } else {
            out.append("  \"SeccompProfile\": null,")
        }
        out.append("  \"AppArmorProfile\": null")
        out.append(" },")
        return out
    }

    static func lines(_ c: LabEphemeralContainer) -> [String] {
        var out = ["{", " \"Name\": \(quoted(c.name)),", " \"Image\": \(quoted(c.image)),"]
        out += stringList("Command", c.command, indent: " ")
        out += stringList("Args", c.args, indent: " ")
        out += [
            " \"WorkingDir\": \"\",", " \"Ports\": null,", " \"EnvFrom\": null,", " \"Env\": null,", " \"Resources\": {",
            "  \"Limits\": null,", "  \"Requests\": null,", "  \"Claims\": null", " },", " \"ResizePolicy\": null,",
            " \"RestartPolicy\": null,", " \"RestartPolicyRules\": null,", " \"VolumeMounts\": null,", " \"VolumeDevices\": null,",
            " \"LivenessProbe\": null,", " \"ReadinessProbe\": null,", " \"StartupProbe\": null,", " \"Lifecycle\": null,",
            " \"TerminationMessagePath\": \"/dev/termination-log\",",
            " \"TerminationMessagePolicy\": \(quoted(c.terminationMessagePolicy)),",
            " \"ImagePullPolicy\": \(quoted(c.imagePullPolicy)),",
        ]
        out += securityContext(c.securityContext)
        out += [
            " \"Stdin\": \(c.stdin == true),", " \"StdinOnce\": \(c.stdinOnce == true),", " \"TTY\": \(c.tty == true),",
            " \"TargetContainerName\": \(quoted(c.targetContainerName ?? ""))", "}",
        ]
        return out
    }

    /// A unified diff (hunks only, no file header) with 3 lines of context, as go-difflib writes it.
    static func unified(_ a: [String], _ b: [String], context: Int = 3) -> String {
        // Longest common subsequence, then the edit script as (kind, line) with positions.
        let n = a.count
        let m = b.count
        var lcs = Array(repeating: Array(repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        enum Op { case same, delete, insert }
        var script: [(op: Op, text: String, ai: Int, bi: Int)] = []
        var i = 0
        var j = 0
        while i < n || j < m {
            if i < n, j < m, a[i] == b[j] {
                script.append((.same, a[i], i, j)); i += 1; j += 1
            } else if i < n, j == m || lcs[i + 1][j] >= lcs[i][j + 1] {
                script.append((.delete, a[i], i, j)); i += 1
            } else {
                script.append((.insert, b[j], i, j)); j += 1
            }
        }
        let changed = script.indices.filter { script[$0].op != .same }
        guard !changed.isEmpty else { return "" }
        // Group changes whose gap is at most 2 × context into one hunk.
        var groups: [(Int, Int)] = []
        var start = changed[0]
        var end = changed[0]
        for k in changed.dropFirst() {
            if k - end > 2 * context { groups.append((start, end)); start = k }
            end = k
        }
        groups.append((start, end))
        var out = ""
        for (s, e) in groups {
            let lo = max(0, s - context)
            let hi = min(script.count - 1, e + context)
            let slice = script[lo...hi]
            let aStart = slice.first!.ai
            let bStart = slice.first!.bi
            let aLen = slice.filter { $0.op != .insert }.count
            let bLen = slice.filter { $0.op != .delete }.count
            func range(_ start: Int, _ length: Int) -> String {
                if length == 1 { return "\(start + 1)" }
                if length == 0 { return "\(start),0" }
                return "\(start + 1),\(length)"
            }
            out += "@@ -\(range(aStart, aLen)) +\(range(bStart, bLen)) @@\n"
            for entry in slice {
                switch entry.op {
                case .same: out += " " + entry.text + "\n"
                case .delete: out += "-" + entry.text + "\n"
                case .insert: out += "+" + entry.text + "\n"
                }
            }
        }
        return out
    }
}
