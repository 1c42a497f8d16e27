/// One line of `/proc/<pid>/cgroup`: `hierarchy-ID:controller-list:path`.
/// On cgroup v2 there is one line, `0::/path`.
public struct CgroupEntry: Sendable, Equatable, Codable {
    /// The hierarchy id (0 for cgroup v2).
    public var hierarchy: UInt64
    /// Controllers, comma separated as the kernel lists them ("" on v2).
    public var controllers: String
    /// The cgroup path, in ``DisplayText`` form.
    public var path: String

    public init(hierarchy: UInt64, controllers: String, path: String) {
        self.hierarchy = hierarchy
        self.controllers = controllers
        self.path = path
    }

    /// Parses the file; malformed lines are problems, the others are kept.
    public static func parseFile(_ bytes: [UInt8], key: String, limits: EvidenceLimits = EvidenceLimits(),
                                 problems: inout [EvidenceProblem]) -> [CgroupEntry] {
        var out: [CgroupEntry] = []
        let lines = Bytes.lines(bytes[...], maxLines: limits.maxCgroupLines + 1)
        for (n, line) in lines.enumerated() where !line.isEmpty {
            if out.count >= limits.maxCgroupLines {
                problems.append(EvidenceProblem(key: key, message: "\(key): more than \(limits.maxCgroupLines) lines; the rest were left out."))
                break
            }
            let parts = line.split(separator: Bytes.colon, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, case .success(let id) = Bytes.unsigned(parts[0]) else {
                problems.append(EvidenceProblem(key: key, message: "\(key): line \(n + 1) \"\(Bytes.text(line, limit: 60))\" is not \"<hierarchy-id>:<controllers>:<path>\"."))
                continue
            }
            out.append(CgroupEntry(hierarchy: id, controllers: DisplayText.escape(parts[1], limit: 256),
                                   path: DisplayText.escape(parts[2], limit: limits.maxNameBytes)))
        }
        return out
    }
}
