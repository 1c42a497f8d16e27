import Foundation

extension LabServer {
    /// What `kubelab start` does: start the lab, copy its kubeconfig to
    /// `kubeconfigPath` (if given), print exactly one line
    /// `kubelab ready: server https://127.0.0.1:PORT, kubeconfig OUT` to stdout, run
    /// until SIGINT or SIGTERM, then stop cleanly. `configure` runs before the ready
    /// line (e.g. to switch faults on from command-line flags). `runtime: false` (e.g. from a
    /// `--no-runtime` flag) keeps every pod an API object only, whatever the topology says.
    public static func runUntilSignalled(
        topology: LabTopology, stateDirectory: String? = nil, kubeconfigPath: String? = nil, host: String = "127.0.0.1", port: Int = 0,
        runtime: Bool = true, configure: (@Sendable (LabServer) throws -> Void)? = nil
    ) async throws {
        let directory = stateDirectory ?? (NSTemporaryDirectory() + "kubelab-\(getpid())")
        let server = try await start(topology: topology, stateDirectory: directory, host: host, port: port, runtime: runtime)
        do {
            try configure?(server)
            var kubeconfig = server.kubeconfigPath
            if let kubeconfigPath {
                let absolute = URL(fileURLWithPath: kubeconfigPath).standardizedFileURL.path
                if absolute != URL(fileURLWithPath: server.kubeconfigPath).standardizedFileURL.path {
                    let contents = try String(contentsOfFile: server.kubeconfigPath, encoding: .utf8)
                    try LabKubeconfig.writePrivate(contents, to: absolute)
                }
                kubeconfig = kubeconfigPath
            }
            // Written straight to the file descriptor: a parent process reading a pipe sees it at once.
            FileHandle.standardOutput.write(Data("kubelab ready: server \(server.serverURL), kubeconfig \(kubeconfig)\n".utf8))
            _ = await waitForTerminationSignal()
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    /// Waits for SIGINT or SIGTERM (DispatchSource signal sources; the default actions are
    /// ignored meanwhile so the process can stop cleanly). Returns the signal number.
    public static func waitForTerminationSignal() async -> Int32 {
        struct Waiting: Sendable {
            var continuation: CheckedContinuation<Int32, Never>?
            var received: Int32?
        }
        let state = LabMutex(Waiting())
        let queue = DispatchQueue(label: "kubelab.signals")
        let sources = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                let continuation = state.withLock { s -> CheckedContinuation<Int32, Never>? in
                    if s.received == nil { s.received = sig }
                    defer { s.continuation = nil }
                    return s.continuation
                }
                continuation?.resume(returning: sig)
            }
            source.resume()
            return source
        }
        let sig = await withCheckedContinuation { (c: CheckedContinuation<Int32, Never>) in
            let already = state.withLock { s -> Int32? in
                if let r = s.received { return r }
                s.continuation = c
                return nil
            }
            if let already { c.resume(returning: already) }
        }
        for source in sources { source.cancel() }
        return sig
    }
}
