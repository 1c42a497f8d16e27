import Foundation
import Testing

@testable import KubeLab

@Suite("Runtime: stopping pods and cleaning up after a killed lab")
struct RuntimePodLifecycleTests {
    /// Every process the pod recorded, with its start time.
    private func recordedProcesses(_ pod: RunningPod) throws -> [RuntimeStateFile.ProcessEntry] {
        try #require(RuntimeStateFile.read(from: pod.directory)).processes
    }

    private func startDemo(_ runtime: LabRuntime) async throws -> RunningPod {
        let pod = try await runtime.startPod(appAndSidecar(shareProcessNamespace: false))
        for name in ["app", "sidecar"] {
            #expect(await pod.waitForState(of: name) { $0.isRunning }?.isRunning == true, "\(name)")
        }
        try pod.startEphemeral(busybox("debugger", "sleep 60"), targetContainerName: "app")
        #expect(await pod.waitForState(of: "debugger") { $0.isRunning }?.isRunning == true)
        // The state file is written just after a container is reported running: wait for it
        // to record all three (the sandbox's and the three containers' processes).
        for _ in 0..<100 {
            if let recorded = try? recordedProcesses(pod), recorded.filter({ $0.role.hasPrefix("container ") }).count >= 3 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return pod
    }

    @Test("stop leaves no process, no mount under the state directory, no cgroup directory")
    func stopCleansUp() async throws {
        let fixture = try RuntimeFixture.make()
        defer { fixture.cleanUp() }
        let started = ContinuousClock.now
        let pod = try await startDemo(fixture.runtime)
        print("pod start (sandbox + app + sidecar running, plus one ephemeral): \(ContinuousClock.now - started)")
        let processes = try recordedProcesses(pod)
        #expect(processes.count >= 4, "\(processes)")
        let cgroups = pod.containers.flatMap(\.cgroupDirectories)
        #expect(cgroups.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        await pod.stop()
        for p in processes {
            #expect(!ProcFS.isAlive(p.pid, startTicks: p.startTicks), "\(p.role) (pid \(p.pid)) is still alive")
        }
        #expect(ProcFS.mountPoints(under: fixture.directory.path).isEmpty)
        for dir in cgroups + fixture.runtime.cgroupHierarchies.roots.map({ "\($0)/kubelab/pod\(pod.spec.uid)" }) {
            #expect(!FileManager.default.fileExists(atPath: dir), "\(dir)")
        }
        #expect(!FileManager.default.fileExists(atPath: pod.directory.path))
        for name in ["app", "sidecar", "debugger"] {
            #expect(pod.containerState(name)?.isTerminated == true, "\(name)")
        }
        #expect(throws: LabRuntimeError.self) { try pod.startEphemeral(busybox("late", "true"), targetContainerName: "app") }
    }

    /// runc starts a container's process with no signal blocked and every
    /// signal handled by default; a shell that waits for its children needs
    /// SIGCHLD, and a pipeline needs SIGPIPE.
    @Test("a container's processes start as runc starts them: no signal blocked, SIGPIPE and SIGCHLD at their defaults unless the program changes them")
    func signalsAsRuncLeavesThem() async throws {
        let fixture = try RuntimeFixture.make()
        defer { fixture.cleanUp() }
        let pod = try await startDemo(fixture.runtime)
        defer { Task { await pod.stop() } }
        let containers = try recordedProcesses(pod).filter { $0.role.hasPrefix("container ") }
        #expect(containers.count >= 3, "\(containers)")
        for entry in containers {
            let status = try String(contentsOfFile: "/proc/\(entry.pid)/status", encoding: .utf8)
            let field = { (name: String) in
                status.split(separator: "\n").first { $0.hasPrefix(name + ":\t") }.flatMap { UInt64($0.dropFirst(name.count + 2), radix: 16) }
            }
            #expect(field("SigBlk") == 0, "\(entry.role): SigBlk \(String(describing: field("SigBlk")))")
            let ignored = try #require(field("SigIgn"))
            #expect(ignored & (1 << (UInt64(SIGPIPE) - 1)) == 0, "\(entry.role) ignores SIGPIPE")
            // httpd ignores SIGCHLD itself (to reap its children); sleep does not.
            if entry.role == "container debugger" {
                #expect(ignored & (1 << (UInt64(SIGCHLD) - 1)) == 0, "\(entry.role) ignores SIGCHLD")
            }
        }
    }

    @Test("cleanUpStrays kills what an abandoned lab left (recorded pids and cgroups) and removes its pod directories")
    func strays() async throws {
        let fixture = try RuntimeFixture.make()
        defer { fixture.cleanUp() }
        // The lab "dies": its pod is never stopped; a new lab on the same directory cleans up.
        let pod = try await startDemo(fixture.runtime)
        let processes = try recordedProcesses(pod)
        let cgroups = pod.containers.flatMap(\.cgroupDirectories)
        let report = LabRuntime.cleanUpStrays(stateDirectory: fixture.directory)
        #expect(report.pods == [RunningPod.directoryName(pod.spec)])
        #expect(report.cgroupsLeft.isEmpty)
        let mainProcesses = processes.filter { $0.role == "sandbox" || $0.role.hasPrefix("container ") }
        #expect(mainProcesses.count == 4, "\(processes)")
        // The debugger lives in app's pid namespace: it may go down with app's first process.
        let killable = mainProcesses.filter { $0.role != "container debugger" }.map(\.pid)
        #expect(Set(report.killedProcesses).isSuperset(of: killable), "\(report.killedProcesses) vs \(processes)")
        for p in processes {
            #expect(!ProcFS.isAlive(p.pid, startTicks: p.startTicks), "\(p.role) (pid \(p.pid)) is still alive")
        }
        for dir in cgroups { #expect(!FileManager.default.fileExists(atPath: dir), "\(dir)") }
        #expect(ProcFS.mountPoints(under: fixture.directory.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: pod.directory.path))
        // The abandoned pod's own bookkeeping sees its containers end.
        for name in ["app", "sidecar", "debugger"] {
            #expect(await pod.waitForState(of: name) { $0.isTerminated }?.isTerminated == true, "\(name)")
        }
    }

    @Test("cleanUpStrays never kills a reused pid: a live process whose start time differs survives")
    func reusedPid() async throws {
        let fixture = try RuntimeFixture.make()
        defer { fixture.cleanUp() }
        let bystander = Process()
        bystander.executableURL = URL(fileURLWithPath: "/bin/busybox")
        bystander.arguments = ["sleep", "30"]
        bystander.standardOutput = FileHandle.nullDevice
        bystander.standardError = FileHandle.nullDevice
        try bystander.run()
        defer {
            kill(bystander.processIdentifier, SIGKILL)
            bystander.waitUntilExit()
        }
        let pid = bystander.processIdentifier
        let ticks = try #require(ProcFS.startTicks(pid))
        let dir = fixture.directory.appendingPathComponent("pods/shop_old_1234")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        RuntimeStateFile(
            namespace: "shop", name: "old", uid: "1234",
            processes: [.init(role: "container app", pid: pid, startTicks: ticks + 1)], cgroupDirectories: []
        ).write(to: dir)
        let report = LabRuntime.cleanUpStrays(stateDirectory: fixture.directory)
        #expect(report.pods == ["shop_old_1234"])
        #expect(report.killedProcesses.isEmpty)
        #expect(ProcFS.isAlive(pid, startTicks: ticks))
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }
}

@Suite("Runtime: timings", .serialized)
struct RuntimeTimingTests {
    @Test("pod start and ephemeral container start, five times in a row (times printed; alone they are about 0.1 s and 0.05 s)")
    func timings() async throws {
        let fixture = try RuntimeFixture.make()
        defer { fixture.cleanUp() }
        var podTimes: [Duration] = []
        var ephemeralTimes: [Duration] = []
        for _ in 0..<5 {
            let started = ContinuousClock.now
            let pod = try await fixture.runtime.startPod(appAndSidecar())
            for name in ["app", "sidecar"] {
                #expect(await pod.waitForState(of: name) { $0.isRunning }?.isRunning == true, "\(name)")
            }
            podTimes.append(ContinuousClock.now - started)
            let injected = ContinuousClock.now
            try pod.startEphemeral(busybox("debugger", "ps"), targetContainerName: "app")
            let state = await pod.waitForState(of: "debugger") { $0.isTerminated || $0.isRunning }
            ephemeralTimes.append(ContinuousClock.now - injected)
            #expect(state?.isTerminated == true || state?.isRunning == true)
            let stopped = ContinuousClock.now
            await pod.stop()
            print("stop: \(ContinuousClock.now - stopped)")
        }
        print("pod start to both containers running: \(podTimes)")
        print("ephemeral start to running: \(ephemeralTimes)")
    }
}

@Suite("Runtime: many pods at once")
struct RuntimeManyPodsTests {
    @Test("40 pods started and stopped concurrently all run, each with its own namespaces, and leave nothing behind")
    func manyPods() async throws {
        let fixture = try RuntimeFixture.make()
        defer { fixture.cleanUp() }
        let started = ContinuousClock.now
        let pods = try await withThrowingTaskGroup(of: RunningPod.self) { group in
            for i in 0..<40 {
                group.addTask {
                    let pod = try await fixture.runtime.startPod(appAndSidecar(name: "replica-\(i)"))
                    for name in ["app", "sidecar"] { _ = await pod.waitForState(of: name) { $0.isRunning } }
                    return pod
                }
            }
            return try await group.reduce(into: [RunningPod]()) { $0.append($1) }
        }
        print("40 pods running after \(ContinuousClock.now - started)")
        let running = pods.filter { pod in ["app", "sidecar"].allSatisfy { pod.containerState($0)?.isRunning == true } }
        #expect(running.count == 40)
        #expect(Set(pods.compactMap { ProcFS.namespace($0.sandboxPID, "net") }).count == 40)
        let processes = pods.flatMap { (RuntimeStateFile.read(from: $0.directory)?.processes ?? []) }
        let stopping = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for pod in pods { group.addTask { await pod.stop() } }
        }
        print("40 pods stopped after \(ContinuousClock.now - stopping)")
        #expect(processes.filter { ProcFS.isAlive($0.pid, startTicks: $0.startTicks) }.isEmpty)
        #expect(ProcFS.mountPoints(under: fixture.directory.path).isEmpty)
    }
}
