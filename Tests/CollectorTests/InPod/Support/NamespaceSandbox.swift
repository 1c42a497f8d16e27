import Foundation
import Testing

/// A small stand-in for a pod: new pid, net and mount namespaces (with their
/// own /proc) made by `unshare`, whose pid 1 is a busybox shell that starts
/// the processes a test asks for. The in-pod script then runs inside them
/// through `nsenter`, as it would in an ephemeral container sharing the
/// target's pid and net namespaces.
///
/// Everything dies with the sandbox: `stop()` (also run by `deinit`, so a
/// failing test cleans up too) SIGKILLs the namespace's pid 1, and the kernel
/// kills every other process of a pid namespace whose init is gone.
final class NamespaceSandbox {
    let directory: TemporaryDirectory
    private let unshare: Process
    /// The host pid of the namespace's pid 1.
    let initPid: Int32
    private var stopped = false

    /// Root and util-linux's unshare/nsenter/setpriv, plus busybox-static, are
    /// what these tests need; without them they are skipped with this reason.
    static let available: Bool = getuid() == 0
        && ["/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/setpriv", "/bin/busybox"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: $0)
        }

    /// Starts the sandbox and runs `setup` (busybox sh) in it, in the
    /// sandbox's directory, then waits until `setup` has finished. `setup`
    /// starts long-running processes in the background.
    init(setup: String) throws {
        directory = try TemporaryDirectory(prefix: "sandbox")
        let ready = directory.path + "/ready"
        let script = """
            ip link set lo up
            cd '\(directory.path)' || exit 1
            \(setup)
            echo ready > '\(ready)'
            while :; do sleep 86400; done
            """
        unshare = Process()
        unshare.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        unshare.arguments = ["--pid", "--fork", "--mount-proc", "--net", "--kill-child", "--", "/bin/busybox", "sh", "-c", script]
        unshare.standardInput = FileHandle.nullDevice
        unshare.standardOutput = FileHandle.nullDevice
        unshare.standardError = FileHandle.nullDevice
        try unshare.run()

        var child: Int32?
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if child == nil, let text = try? String(contentsOfFile: "/proc/\(unshare.processIdentifier)/task/\(unshare.processIdentifier)/children", encoding: .utf8),
               let first = text.split(separator: " ").first, let pid = Int32(first) {
                child = pid
            }
            if child != nil, FileManager.default.fileExists(atPath: ready) { break }
            if !unshare.isRunning { break }
            usleep(20_000)
        }
        guard let child, FileManager.default.fileExists(atPath: ready) else {
            unshare.terminate()
            throw HostCommand.Failure(description: "the namespace sandbox did not get ready within 15 s (unshare running: \(unshare.isRunning))")
        }
        initPid = child
    }

    /// Runs `argv` inside the sandbox's pid, net and mount namespaces.
    func run(_ argv: [String], timeoutSeconds: Int = 60) throws -> HostCommand.Output {
        try HostCommand.run(["/usr/bin/nsenter", "-t", String(initPid), "-p", "-n", "-m", "--"] + argv, timeoutSeconds: timeoutSeconds)
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        kill(initPid, SIGKILL)
        if unshare.isRunning { kill(unshare.processIdentifier, SIGKILL) }
        unshare.waitUntilExit()
    }

    deinit {
        stop()
    }
}
