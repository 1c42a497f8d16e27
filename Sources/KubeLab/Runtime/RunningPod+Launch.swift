import Foundation

extension RunningPod {
    /// Registers a container as waiting (ContainerCreating) and starts it in the background.
    func add(_ spec: LabRuntime.ContainerSpec, ephemeral: Bool, target: String?) throws(LabRuntimeError) {
        let podName = "\(self.spec.namespace)/\(self.spec.name)"
        let run = runDirectory(spec.name)
        // The id is chosen now: the container's cgroup is named by it, as containerd's are.
        let containerID = Self.newContainerID()
        let info = Container(
            name: spec.name, isEphemeral: ephemeral, targetContainerName: target,
            state: .waiting(reason: "ContainerCreating", message: nil), image: spec.image, imageID: "",
            containerID: nil, hostPID: nil, logPath: logPath(container: spec.name),
            terminationMessagePath: run.appendingPathComponent("termination-log"),
            cgroupDirectories: context.cgroups.containerDirectories(uid: self.spec.uid, id: String(containerID.dropFirst("containerd://".count))),
            hasCgroupNamespace: context.cgroups.namespaces)
        try state.withLock { (s: inout PodState) throws(LabRuntimeError) in
            if s.stopped {
                throw LabRuntimeError(.podStopped, "Pod \(podName) has been stopped; container \"\(spec.name)\" cannot start in it.")
            }
            if s.containers[spec.name] != nil {
                throw LabRuntimeError(.duplicateContainer, "Pod \(podName) already has a container named \"\(spec.name)\".")
            }
            if let target, s.containers[target] == nil || s.containers[target]?.info.isEphemeral == true {
                throw LabRuntimeError(
                    .unknownContainer, "Pod \(podName) has no container named \"\(target)\" for ephemeral container \"\(spec.name)\" to target.")
            }
            var record = ContainerRecord(spec: spec, info: info)
            record.plannedContainerID = containerID
            s.containers[spec.name] = record
            s.order.append(spec.name)
        }
        // The first state is reported from the background too: callers may hold their own lock
        // while they call startEphemeral, and the callback must never re-enter it.
        let task = Task { [self] in
            onStateChange(info)
            await self.runContainer(spec.name)
            // However the container ended (or failed to start), its stdin pipe goes with it.
            state.withLock { $0.containers[spec.name]?.stdin }?.close()
        }
        state.withLock { $0.containers[spec.name]?.task = task }
    }

    /// Sets a container's state (and whatever else `change` touches) and reports it.
    func update(_ name: String, _ change: (inout Container) -> Void) {
        let info = state.withLock { s -> Container? in
            guard var record = s.containers[name] else { return nil }
            change(&record.info)
            s.containers[name] = record
            return record.info
        }
        if let info { onStateChange(info) }
    }

    var isStopped: Bool { state.withLock { $0.stopped } }

    /// One container's life: start delay, image, checks, start, exit.
    func runContainer(_ name: String) async {
        guard let spec = state.withLock({ $0.containers[name]?.spec }) else { return }
        let containerID = state.withLock { $0.containers[name]?.plannedContainerID } ?? Self.newContainerID()
        if spec.startDelay > .zero {
            do { try await Task.sleep(for: spec.startDelay) } catch { return }
        }
        guard !isStopped else { return }
        let image: LabImage
        do {
            image = try context.images.resolve(spec.image)
        } catch {
            if error.kind == .invalidImageName {
                update(name) { $0.state = .waiting(reason: "InvalidImageName", message: error.message) }
            } else {
                await pullBackOff(name, image: spec.image, message: error.message)
            }
            return
        }
        update(name) { $0.imageID = image.imageID }
        let plan: ContainerLaunchPlan
        do {
            plan = try prepareLaunch(name, spec: spec, image: image)
        } catch let failure as ContainerLaunchPlan.Failure {
            switch failure {
            case .config(let message):
                update(name) { $0.state = .waiting(reason: "CreateContainerConfigError", message: message) }
            case .create(let message):
                update(name) { $0.state = .waiting(reason: "CreateContainerError", message: message) }
            case .start(let message):
                update(name) {
                    $0.containerID = containerID
                    $0.state = .terminated(
                        exitCode: 128, reason: "StartError", message: message,
                        startedAt: Date(timeIntervalSince1970: 0), finishedAt: Date())
                }
            }
            return
        } catch {
            update(name) { $0.state = .waiting(reason: "CreateContainerError", message: "\(error)") }
            return
        }
        guard !isStopped else { return }
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess.spawn(plan.executable, plan.arguments, environment: plan.environment)
        } catch {
            update(name) {
                $0.state = .waiting(reason: "CreateContainerError", message: "Could not run \(plan.executable) for container \(name): \(error).")
            }
            return
        }
        let stoppedMeanwhile = state.withLock { s -> Bool in
            s.containers[name]?.wrapper = process
            return s.stopped
        }
        if stoppedMeanwhile { kill(process.pid, SIGKILL) }
        writeStateFile()

        switch await process.handshake() {
        case .ready(let pid):
            let startedAt = Date()
            let ticks = ProcFS.startTicks(pid)
            let stoppedMeanwhile = state.withLock { s -> Bool in
                s.containers[name]?.hostPIDTicks = ticks
                s.containers[name]?.startedAt = startedAt
                return s.stopped
            }
            // A container that came up while the pod was being stopped does not outlive it.
            if stoppedMeanwhile { kill(pid, SIGKILL) }
            update(name) {
                $0.hostPID = pid
                $0.containerID = containerID
                $0.state = .running(startedAt: startedAt)
            }
            writeStateFile()
            let exit = await process.waitForExit()
            let finishedAt = Date()
            let code = exit.exitCode
            let message = terminationMessage(spec: spec, runDirectory: plan.runDirectory, exitCode: code)
            update(name) {
                $0.state = .terminated(
                    exitCode: code, reason: code == 0 ? "Completed" : "Error", message: message, startedAt: startedAt,
                    finishedAt: finishedAt)
            }
        case .failed(let output):
            let exit = await process.waitForExit()
            let detail = output.trimmingCharacters(in: .whitespacesAndNewlines)
            let message =
                "failed to create containerd task: failed to create shim task: OCI runtime create failed: "
                + "container \(name) of pod \(self.spec.namespace)/\(self.spec.name) could not be set up (exit \(exit.exitCode))"
                + (detail.isEmpty ? "" : ": \(detail)") + ": unknown"
            update(name) {
                $0.containerID = $0.containerID ?? containerID
                $0.state = .terminated(
                    exitCode: 128, reason: "StartError", message: message, startedAt: Date(timeIntervalSince1970: 0),
                    finishedAt: Date())
            }
        }
        writeStateFile()
    }

    /// ErrImagePull, then ImagePullBackOff, retried with the kubelet's doubling back-off (capped
    /// at five minutes) until the pod stops; the image never appears, but watchers see each step.
    private func pullBackOff(_ name: String, image: String, message: String) async {
        var backOff = context.options.imagePullBackOff
        while !isStopped, !Task.isCancelled {
            update(name) { $0.state = .waiting(reason: "ErrImagePull", message: message) }
            do { try await Task.sleep(for: context.options.errImagePullDuration) } catch { return }
            guard !isStopped else { return }
            update(name) {
                $0.state = .waiting(reason: "ImagePullBackOff", message: "Back-off pulling image \"\(image)\": ErrImagePull: \(message)")
            }
            do { try await Task.sleep(for: backOff) } catch { return }
            backOff = min(backOff * 2, .seconds(300))
        }
    }

    /// The termination message as the kubelet reads it: the last 4096 bytes of the file
    /// (kubelet's tail.ReadAtMost); with FallbackToLogsOnError and an empty file after a failure,
    /// the last 80 lines of the log, at most 2048 bytes. Nil when there is nothing.
    func terminationMessage(spec: LabRuntime.ContainerSpec, runDirectory: URL, exitCode: Int) -> String? {
        let file = runDirectory.appendingPathComponent("termination-log")
        var data = Self.readTail(of: file.path, max: 4096)
        if data.isEmpty, exitCode != 0, spec.terminationMessagePolicy == "FallbackToLogsOnError" {
            let log = Self.readTail(of: logPath(container: spec.name).path, max: 2048)
            var lines = log.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            if lines.last?.isEmpty == true { lines.removeLast() }
            data = Array(lines.suffix(80).joined(separator: [UInt8(ascii: "\n")]))
        }
        return data.isEmpty ? nil : String(decoding: data, as: UTF8.self)
    }

    static func readTail(of path: String, max: Int) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return [] }
        let count = min(UInt64(max), size)
        try? handle.seek(toOffset: size - count)
        return Array((try? handle.read(upToCount: Int(count))) ?? Data())
    }

    static func newContainerID() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        return "containerd://" + bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Records the pod's processes and cgroups for `LabRuntime.cleanUpStrays`.
    func writeStateFile() {
        // Written under the lock, so that concurrent updates land in order.
        state.withLock { s in
            var processes = [RuntimeStateFile.ProcessEntry(role: "sandbox", pid: sandboxPID, startTicks: sandboxTicks)]
            var cgroups = context.cgroups.podDirectories(uid: spec.uid)
            for name in s.order {
                guard let record = s.containers[name] else { continue }
                if let pid = record.info.hostPID, let ticks = record.hostPIDTicks {
                    processes.append(.init(role: "container \(name)", pid: pid, startTicks: ticks))
                }
                if let wrapper = record.wrapper, !wrapper.hasExited, let ticks = ProcFS.startTicks(wrapper.pid) {
                    processes.append(.init(role: "wrapper \(name)", pid: wrapper.pid, startTicks: ticks))
                }
                cgroups += record.info.cgroupDirectories
            }
            RuntimeStateFile(namespace: spec.namespace, name: spec.name, uid: spec.uid, processes: processes, cgroupDirectories: cgroups)
                .write(to: directory)
        }
    }
}
