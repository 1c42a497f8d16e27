import Foundation

/// The few facts the runtime reads from the host's /proc.
enum ProcFS {
    /// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot) and field 3 (state).
    /// Together with the pid it identifies a process across pid reuse.
    static func stat(_ pid: Int32) -> (state: Character, startTicks: UInt64)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After "comm)": state is field 3, starttime field 22 → indices 0 and 19.
        guard fields.count > 19, let state = fields[0].first, let ticks = UInt64(fields[19]) else { return nil }
        return (state, ticks)
    }

    static func startTicks(_ pid: Int32) -> UInt64? { stat(pid)?.startTicks }

    /// True while the process exists and is not a zombie (a zombie holds no namespace, mount or file).
    static func isAlive(_ pid: Int32, startTicks: UInt64? = nil) -> Bool {
        guard let s = stat(pid), s.state != "Z", s.state != "X" else { return false }
        return startTicks.map { $0 == s.startTicks } ?? true
    }

    /// The namespace a process is in, e.g. `net:[4026532179]`.
    static func namespace(_ pid: Int32, _ kind: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(kind)")
    }

    /// Mount points of this process's mount namespace at or below `directory`, deepest first.
    static func mountPoints(under directory: String) -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var points: [String] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { continue }
            let point = unescapeMountField(String(fields[4]))
            if point == directory || point.hasPrefix(prefix) { points.append(point) }
        }
        return points.sorted { $0.count > $1.count }
    }

    /// mountinfo escapes space, tab, newline and backslash as octal (`\040`).
    private static func unescapeMountField(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var bytes: [UInt8] = []
        var chars = Array(s.utf8)[...]
        while let c = chars.popFirst() {
            if c == UInt8(ascii: "\\"), chars.count >= 3, let v = UInt8(String(decoding: chars.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(v)
                chars = chars.dropFirst(3)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
