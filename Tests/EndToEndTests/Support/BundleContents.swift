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

    /// The files under one pod's gathered tree, keyed by the path below
    /// `gathered/`: as `collect --explode` unpacked them, or, in a bundle
    /// without the tree (the default), rebuilt from the pod's `evidence.raw`
    /// under the same paths.
    func gathered(namespace: String, pod: String, container: String) -> [String: [UInt8]] {
        let exploded = explodedTree(namespace: namespace, pod: pod, container: container)
        if !exploded.isEmpty { return exploded }
        guard let raw = files["pods/\(namespace)/\(pod)/containers/\(container)/evidence.raw"] else { return [:] }
        return Self.tree(fromRaw: raw, namespace: namespace, pod: pod, container: container)
    }

    /// Only the files `collect --explode` wrote under the pod's `gathered/`.
    func explodedTree(namespace: String, pod: String, container: String) -> [String: [UInt8]] {
        let prefix = "pods/\(namespace)/\(pod)/containers/\(container)/gathered/"
        var out: [String: [UInt8]] = [:]
        for (path, bytes) in files where path.hasPrefix(prefix) {
            out[String(path.dropFirst(prefix.count))] = bytes
        }
        return out
    }

    /// The records of a raw output under the paths `--explode` gives them:
    /// files and links at their key (`proc/1/cmdline`), other kinds under
    /// their kind (`meta/clock/start`), unless the key already starts with
    /// it (`cmd/uname-a`), each part sanitised as ``BundlePath`` does.
    static func tree(fromRaw raw: [UInt8], namespace: String, pod: String, container: String) -> [String: [UInt8]] {
        let prefix = "pods/\(namespace)/\(pod)/containers/\(container)/gathered/"
        var out: [String: [UInt8]] = [:]
        for record in RawRecords.read(raw) {
            let key = record.kind == "file" || record.kind == "link" || record.key.hasPrefix(record.kind + "/")
                ? record.key : "\(record.kind)/\(record.key)"
            let path = BundlePath.gathered(namespace: namespace, pod: pod, container: container, tree: "gathered", key: key).string
            out[String(path.dropFirst(prefix.count))] = record.payload
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

/// A small reader of the in-pod script's output as `evidence.raw` holds it,
/// for tests (the Collector's FrameDecoder is the strict one): the log is the
/// stream in base64 and a newline; the stream is `#kubectl-evidence frame
/// v1\n`, then records `@<kind> <key> <length>\n<payload>\n` up to
/// `@end trailer …`. Lengths are trusted, so a header inside a payload stays
/// payload. A `same` record (payload: the key of an earlier file record) is
/// that file's bytes under its own key, as the Collector resolves it.
/// Reading stops at the first damage.
enum RawRecords {
    struct Record {
        var kind: String
        var key: String
        var payload: [UInt8]
    }

    static func read(_ log: [UInt8]) -> [Record] {
        var stream = log
        if let first = log.first, first != UInt8(ascii: "#") {
            let text = String(decoding: log, as: UTF8.self).trimmingCharacters(in: .newlines)
            guard let decoded = Data(base64Encoded: text) else { return [] }
            stream = [UInt8](decoded)
        }
        let header = Array("#kubectl-evidence frame v1\n".utf8)
        guard stream.starts(with: header) else { return [] }
        var records: [Record] = []
        var files: [String: [UInt8]] = [:]
        var index = header.count
        while index < stream.count, stream[index] == UInt8(ascii: "@"), let newline = stream[index...].firstIndex(of: 10) {
            let fields = stream[(index + 1)..<newline].split(separator: 32).map { String(decoding: $0, as: UTF8.self) }
            guard fields.count == 3, let length = Int(fields[2]), length >= 0, newline + 1 + length < stream.count else { break }
            if fields[0] == "end" { break }
            var record = Record(kind: fields[0], key: fields[1], payload: Array(stream[(newline + 1)..<(newline + 1 + length)]))
            if record.kind == "same", let earlier = files[String(decoding: record.payload, as: UTF8.self)] {
                record = Record(kind: "file", key: record.key, payload: earlier)
            }
            if record.kind == "file" && files[record.key] == nil { files[record.key] = record.payload }
            records.append(record)
            index = newline + 1 + length + 1
        }
        return records
    }
}
