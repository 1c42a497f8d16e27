/// The in-pod collection script (`scripts/evidence-collect.sh`), compiled into
/// the binary, and the command that runs it in an ephemeral container.
///
/// An ephemeral container cannot rely on a file in its image, so the script's
/// text travels in the container's command, packed (``InPodBootstrap``):
/// `["sh", "-c", <bootstrap>, "evidence-boot", <gzip+base64 script>, <SHA-256>,
/// <arguments>...]`. Linux refuses any single argument longer than
/// `MAX_ARG_STRLEN` (32 pages, 131072 bytes) at `execve`, so the script must
/// stay below ``argumentLimit`` when the bootstrap hands it to `sh -c`;
/// comment lines, blank lines and indentation are dropped (about 21 KB today,
/// 10 KB packed).
public enum InPodScript {
    /// The script exactly as it is in the repository.
    public static var source: [UInt8] { PackageResources.evidence_collect_sh }

    /// The largest single argument Linux passes to a program (`MAX_ARG_STRLEN`).
    public static let argumentLimit = 131_072

    /// The script as it goes into the container's command: lines whose first
    /// non-blank character is `#`, blank lines and leading indentation removed.
    /// The script's own rules forbid lines starting with `#` inside quoted
    /// strings and here-documents, which is what makes this safe.
    public static let text: String = compact(String(decoding: PackageResources.evidence_collect_sh, as: UTF8.self))

    /// `$0` of the script inside the container: shows up in `ps` and in the
    /// script's own messages.
    public static let programName = "evidence-collect"

    /// The container command running the script with `options`: the bootstrap
    /// (``InPodBootstrap``), the packed script or its length on stdin, its
    /// digest, and the script's arguments.
    public static func command(_ options: Options = Options(), delivery: ScriptDelivery = .command) -> [String] {
        InPodBootstrap.command(options, delivery: delivery)
    }

    static func compact(_ script: String) -> String {
        var lines: [Substring] = []
        for line in script.split(separator: "\n", omittingEmptySubsequences: true) {
            let body = line.drop(while: { $0 == " " || $0 == "\t" })
            if body.isEmpty || body.hasPrefix("#") { continue }
            lines.append(body)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension InPodScript {
    /// What the script gathers; the names are the script's `--sections` words
    /// and the profiles' `gather` items.
    public enum Section: String, Sendable, Codable, CaseIterable, Comparable {
        /// stat, status, cmdline, comm, cgroup, exe and cwd of every process.
        case processes
        /// The fd links that are sockets, and a count of all fds.
        case fds
        /// Every process's /proc/<pid>/ns/* links.
        case namespaces
        /// /proc/net/{tcp,tcp6,udp,udp6,unix,raw,raw6}.
        case sockets
        /// /proc/net/{dev,route,ipv6_route,arp} and `ip addr`.
        case network
        /// mountinfo, once per mount namespace.
        case mounts
        /// cgroupfs files (limits and usage), once per mount namespace.
        case cgroups

        /// What the script gathers when no section is named.
        public static let standard: Set<Section> = [.processes, .fds, .namespaces, .sockets]

        public static func < (lhs: Section, rhs: Section) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The script's arguments. Defaults are the script's own defaults.
    public struct Options: Sendable, Equatable {
        /// The most bytes the script writes to stdout; it cuts, and says so, beyond.
        public var outputCapBytes: Int
        public var sections: Set<Section>
        /// Where the termination message goes; nil writes none.
        public var terminationLogPath: String?
        /// Where the script makes its private temporary directory; nil lets it
        /// choose ($TMPDIR, /tmp, /var/tmp, /dev/shm).
        public var temporaryDirectory: String?
        /// Processes gathered per step; nil keeps the script's default (32).
        public var batchSize: Int?
        /// Seconds one read of a process's files may take before it is
        /// stopped and recorded as timed out; nil keeps the script's default (5).
        public var readTimeoutSeconds: Int?

        /// 8 MiB: well under the kubelet's default 10 MiB log rotation.
        public static let defaultOutputCap = 8 * 1024 * 1024
        /// The smallest cap the script accepts.
        public static let minimumOutputCap = 4096

        public init(outputCapBytes: Int = Options.defaultOutputCap, sections: Set<Section> = Section.standard,
                    terminationLogPath: String? = "/dev/termination-log", temporaryDirectory: String? = nil,
                    batchSize: Int? = nil, readTimeoutSeconds: Int? = nil) {
            self.outputCapBytes = outputCapBytes
            self.sections = sections
            self.terminationLogPath = terminationLogPath
            self.temporaryDirectory = temporaryDirectory
            self.batchSize = batchSize
            self.readTimeoutSeconds = readTimeoutSeconds
        }

        /// The arguments after `$0`, in the script's `--name=value` form.
        public var arguments: [String] {
            var arguments = [
                "--cap=\(outputCapBytes)",
                "--sections=\(sections.sorted().map(\.rawValue).joined(separator: ","))",
            ]
            // The script's default; left out, it is bytes less in every pod's spec.
            if terminationLogPath != "/dev/termination-log" { arguments.append("--termination-log=\(terminationLogPath ?? "-")") }
            if let temporaryDirectory { arguments.append("--tmpdir=\(temporaryDirectory)") }
            if let batchSize { arguments.append("--batch=\(batchSize)") }
            if let readTimeoutSeconds { arguments.append("--read-timeout=\(readTimeoutSeconds)") }
            return arguments
        }
    }
}
