import Foundation
import Testing
import TestSupport

/// Before containers that cannot be removed are added to many pods, or to pods
/// in several namespaces, a person at a terminal is asked; nothing waits without one.
@Suite("collect asks before it touches many pods, on a terminal only", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
struct InjectionConsentTests {
    /// Runs collect on a pseudo-terminal (util-linux script), answering `answer`.
    static func onTerminal(_ lab: LabProcess, _ arguments: [String], answer: String) throws -> ProcessResult {
        let command = ([ToolBinary.path, "collect", "--kubeconfig", lab.kubeconfig] + arguments)
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let input = lab.directory.appendingPathComponent("answer-\(UUID().uuidString.prefix(6))")
        try (answer + "\n").write(to: input, atomically: true, encoding: .utf8)
        return try ProcessRunner.run("/bin/sh", ["-c", "/usr/bin/script -qec \"$1\" /dev/null < \"$2\"", "sh", command, input.path], timeout: 120)
    }

    static func ephemeralContainers(_ lab: LabProcess) throws -> Int {
        try lab.kubectl(["get", "pods", "-A", "-o", "jsonpath={.items[*].spec.ephemeralContainers[*].name}"])
            .stdout.split(separator: " ").count
    }

    @Test("pods in several namespaces: the terminal is told where and asked; 'no' touches nothing and exits 1")
    func declined() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let output = lab.bundlePath()
        let result = try Self.onTerminal(lab, ["-A", "-l", "app", "-o", output], answer: "no")
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains("will each get an ephemeral container that Kubernetes cannot remove"), "\(result.stdout)")
        #expect(result.stdout.contains("Continue?"), "\(result.stdout)")
        #expect(result.stdout.contains("Nothing was touched."), "\(result.stdout)")
        #expect(try Self.ephemeralContainers(lab) == 0)
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("--yes does not ask; without a terminal nothing waits (the rest of the suite runs so)")
    func yesSkipsTheQuestion() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let result = try Self.onTerminal(lab, ["-A", "-l", "app", "--yes", "-q", "-o", lab.bundlePath()], answer: "no")
        #expect(!result.stdout.contains("Continue?"), "\(result.stdout)")
        #expect(result.status == 0 || result.status == 3, "\(result.stdout)")
        #expect(try Self.ephemeralContainers(lab) > 0)
    }
}
