import Foundation
import Testing

@testable import KubeLab

/// The environment variable that turns the helper below into "a lab that gets killed".
private let childStateVariable = "KUBELAB_RUNTIME_KILLED_LAB_STATE"

@Suite("Runtime: a lab killed with SIGKILL")
struct RuntimeKilledLabTests {
    @Test("after SIGKILL of the process that started a pod, its containers survive and cleanUpStrays removes them all")
    func sigkilledLab() async throws {
        let fixture = try RuntimeFixture.make()
        defer { fixture.cleanUp() }
        // The lab is this very test binary, running only the helper test below.
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["--testing-library", "swift-testing", "--filter", "RuntimeKilledLabChild"]
        child.environment = ProcessInfo.processInfo.environment.merging([childStateVariable: fixture.directory.path]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        let ready = fixture.directory.appendingPathComponent("child-ready")
        let cameUp = await eventually(timeout: .seconds(60)) { FileManager.default.fileExists(atPath: ready.path) || !child.isRunning }
        guard cameUp, child.isRunning else {
            kill(child.processIdentifier, SIGKILL)
            Issue.record("the child lab did not start its pod")
            return
        }
        let pods = try FileManager.default.contentsOfDirectory(atPath: fixture.directory.appendingPathComponent("pods").path)
        let podDirectory = fixture.directory.appendingPathComponent("pods/\(try #require(pods.first))")
        let state = try #require(RuntimeStateFile.read(from: podDirectory))
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)

        // The lab is gone; its pod is not (nothing ties a container to the lab's life).
        let main = state.processes.filter { $0.role == "sandbox" || $0.role.hasPrefix("container ") }
        #expect(main.count == 4, "\(state.processes)")
        #expect(main.allSatisfy { ProcFS.isAlive($0.pid, startTicks: $0.startTicks) }, "\(state.processes)")

        let report = LabRuntime.cleanUpStrays(stateDirectory: fixture.directory)
        #expect(report.pods == pods)
        // The debugger lives in app's pid namespace: it goes down with app's first process.
        #expect(Set(report.killedProcesses).isSuperset(of: main.filter { $0.role != "container debugger" }.map(\.pid)))
        #expect(report.cgroupsLeft.isEmpty)
        for p in state.processes {
            #expect(!ProcFS.isAlive(p.pid, startTicks: p.startTicks), "\(p.role) (pid \(p.pid)) is still alive")
        }
        for dir in state.cgroupDirectories { #expect(!FileManager.default.fileExists(atPath: dir), "\(dir)") }
        #expect(ProcFS.mountPoints(under: fixture.directory.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: podDirectory.path))
    }
}

/// Not a test of its own: the lab process that `sigkilledLab` starts and kills. It only runs
/// when that test sets the environment variable.
@Suite("Runtime: helper — the lab that gets killed")
struct RuntimeKilledLabChild {
    @Test(.enabled(if: ProcessInfo.processInfo.environment[childStateVariable] != nil))
    func labThatGetsKilled() async throws {
        let directory = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment[childStateVariable]))
        let runtime = try LabRuntime(stateDirectory: directory)
        let pod = try await runtime.startPod(appAndSidecar())
        for name in ["app", "sidecar"] { _ = await pod.waitForState(of: name) { $0.isRunning } }
        try pod.startEphemeral(busybox("debugger", "sleep 600"), targetContainerName: "app")
        _ = await pod.waitForState(of: "debugger") { $0.isRunning }
        #expect(FileManager.default.createFile(atPath: directory.appendingPathComponent("child-ready").path, contents: nil))
        try await Task.sleep(for: .seconds(120))
    }
}
