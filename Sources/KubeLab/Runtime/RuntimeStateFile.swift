import Foundation

/// What a pod left on the host, written to `<pod dir>/runtime-state.json` whenever it changes, so
/// that a lab killed with SIGKILL can be cleaned up at the next start: processes (pid and
/// start time, so that a reused pid is never killed), cgroup directories and the pod directory.
struct RuntimeStateFile: Codable, Sendable, Equatable {
    struct ProcessEntry: Codable, Sendable, Equatable {
        /// `sandbox`, `container <name>` or `wrapper <name>`.
        var role: String
        var pid: Int32
        var startTicks: UInt64
    }

    var namespace: String
    var name: String
    var uid: String
    var processes: [ProcessEntry]
    var cgroupDirectories: [String]

    static let fileName = "runtime-state.json"

    func write(to podDirectory: URL) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self) else { return }
        try? data.write(to: podDirectory.appendingPathComponent(Self.fileName), options: .atomic)
    }

    static func read(from podDirectory: URL) -> RuntimeStateFile? {
        guard let data = try? Data(contentsOf: podDirectory.appendingPathComponent(fileName)) else { return nil }
        return try? JSONDecoder().decode(RuntimeStateFile.self, from: data)
    }
}
