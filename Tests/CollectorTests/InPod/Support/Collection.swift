@testable import Collector
import Evidence
import Foundation
import TestSupport

/// One run of the real in-pod script, exactly as embedded (InPodScript.text),
/// with what it wrote, its termination message and its decoded records.
struct Collection {
    var output: ProcessResult
    var terminationMessage: String?
    var decoded: DecodedFrames

    /// Runs the embedded script with busybox sh. `wrapper` goes before busybox
    /// (e.g. setpriv to drop capabilities); `sandbox` nil runs it on the host.
    static func run(in sandbox: NamespaceSandbox?, options: InPodScript.Options = InPodScript.Options(),
                    wrapper: [String] = []) throws -> Collection {
        let directory = try TemporaryDirectory(prefix: "collect")
        var options = options
        let messagePath = directory.path + "/termination-log"
        if options.terminationLogPath != nil { options.terminationLogPath = messagePath }
        let argv = wrapper + ["/bin/busybox"] + InPodScript.command(options)
        let output = try sandbox.map { try $0.run(argv) } ?? HostCommand.run(argv)
        let message = try? String(contentsOfFile: messagePath, encoding: .utf8)
        return Collection(output: output, terminationMessage: message, decoded: FrameDecoder().decode(output.stdoutBytes))
    }

    /// The framed stream the log carries (the log is its base64, see LogTransport).
    var stream: [UInt8] { LogTransport.unwrap(output.stdoutBytes).stream }

    /// pid → the keys' records of each process (the script's own shell is proc/self).
    var processes: [Int: [FrameRecord]] {
        var result: [Int: [FrameRecord]] = [:]
        for record in decoded.records {
            let parts = record.key.split(separator: "/", maxSplits: 2)
            guard parts.count >= 2, parts[0] == "proc", let pid = Int(parts[1]) else { continue }
            result[pid, default: []].append(record)
        }
        return result
    }

    func record(_ kind: FrameRecord.Kind, _ key: String) -> FrameRecord? {
        decoded.record(kind, key)
    }

    /// The argv of a process, split at NULs.
    func argv(_ pid: Int) -> [[UInt8]]? {
        guard let cmdline = record(.file, "proc/\(pid)/cmdline") else { return nil }
        return cmdline.payload.split(separator: 0, omittingEmptySubsequences: false).dropLast().map(Array.init)
    }

    /// Pids whose argv contains `word` as one whole argument.
    func pids(withArgument word: String) -> [Int] {
        processes.keys.sorted().filter { pid in argv(pid)?.contains(Array(word.utf8)) ?? false }
    }

    /// Socket inodes of a process's fds, from its `fd/<n>` link records.
    func socketInodes(_ pid: Int) -> Set<String> {
        Set(processes[pid, default: []].compactMap { record -> String? in
            guard record.kind == .link, record.key.hasPrefix("proc/\(pid)/fd/") else { return nil }
            let text = record.text
            guard text.hasPrefix("socket:["), text.hasSuffix("]") else { return nil }
            return String(text.dropFirst(8).dropLast())
        })
    }

    /// Rows of a /proc/net/tcp-style table: (local address, remote address,
    /// state, inode), from the record the script gathered.
    func tcpRows(_ table: String) -> [(local: String, remote: String, state: String, inode: String)] {
        guard let record = record(.file, "proc/net/\(table)") else { return [] }
        return record.text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 9 else { return nil }
            return (String(fields[1]), String(fields[2]), String(fields[3]), String(fields[9]))
        }
    }
}
