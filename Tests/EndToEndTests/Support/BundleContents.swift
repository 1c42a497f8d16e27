import Bundle
import Foundation

/// A bundle read back entirely, for checking what a run wrote.
struct BundleContents {
    let manifest: Manifest
    let files: [String: [UInt8]]

    init(path: String) throws {
        let reader = BundleReader(path: path)
        var files: [String: [UInt8]] = [:]
        try reader.forEachEntry { entry in
            files[entry.path] = try entry.readBytes(limit: 64 << 20)
        }
        self.files = files
        self.manifest = try reader.manifest()
    }

    /// The files under one pod's gathered tree, keyed by the path below `gathered/`.
    func gathered(namespace: String, pod: String, container: String) -> [String: [UInt8]] {
        let prefix = "pods/\(namespace)/\(pod)/containers/\(container)/gathered/"
        var out: [String: [UInt8]] = [:]
        for (path, bytes) in files where path.hasPrefix(prefix) {
            out[String(path.dropFirst(prefix.count))] = bytes
        }
        return out
    }

    /// The argv of every process gathered, by pid.
    func processes(namespace: String, pod: String, container: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (key, bytes) in gathered(namespace: namespace, pod: pod, container: container) {
            let parts = key.split(separator: "/")
            guard parts.count == 3, parts[0] == "proc", parts[2] == "cmdline" else { continue }
            out[String(parts[1])] = bytes.split(separator: 0, omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }.filter { !$0.isEmpty }
        }
        return out
    }

    /// Local ports in LISTEN state (TCP state 0A) in the gathered /proc/net/tcp and tcp6.
    func listeningPorts(namespace: String, pod: String, container: String) -> Set<Int> {
        var ports = Set<Int>()
        for (key, bytes) in gathered(namespace: namespace, pod: pod, container: container)
        where key.hasSuffix("net/tcp") || key.hasSuffix("net/tcp6") {
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 3, fields[3] == "0A", let port = fields[1].split(separator: ":").last,
                      let value = Int(port, radix: 16) else { continue }
                ports.insert(value)
            }
        }
        return ports
    }
}
