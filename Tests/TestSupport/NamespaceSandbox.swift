import Foundation

/// A stand-in for a pod, for the tests that run the real in-pod script: new
/// Linux namespaces made by util-linux's `unshare` (by default a pod's: pid
/// with its own /proc, net, uts, ipc, mount), whose pid 1 is a busybox shell
/// that runs a test's `setup` (starting the pod's processes in the background)
/// and then waits. The script then runs inside every one of those namespaces
/// through `nsenter`, entering from outside as an ephemeral container does.
///
/// `setup` runs in the sandbox's directory with `$B` (busybox), `$DIR` (that
/// directory) and `waitfor CONDITION` (up to 5 s) defined; a line
/// `name pid` appended to `$DIR/pids` names a process for ``pids``.
///
/// Everything dies with the sandbox: ``stop()`` (also run on deinit, so a
/// failing test cleans up too) SIGKILLs pid 1, and the kernel kills every
/// other process of a pid namespace whose init is gone.
public final class NamespaceSandbox: @unchecked Sendable {
    /// A pod's namespaces, as unshare's flags.
    public static let podNamespaces = ["--pid", "--mount-proc", "--net", "--uts", "--ipc"]

    public let directory: TemporaryDirectory
    /// The host pid of the sandbox's pid 1.
    public let initPid: Int32
    /// unshare's pid, also the process group of everything the sandbox started.
    private let unsharePid: pid_t
    private var stopped = false

    /// Root and util-linux's unshare/nsenter/setpriv, plus busybox-static, are
    /// what sandboxes need; without them their tests are skipped.
    public static let available: Bool = getuid() == 0
        && ["/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/setpriv", "/bin/busybox"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: $0)
        }

    /// Starts the sandbox with `namespaces` (unshare's flags; `--fork` and
    /// `--kill-child` are always added) and waits until `setup` has finished.
    public init(namespaces: [String] = NamespaceSandbox.podNamespaces, setup: String, readyWithin seconds: TimeInterval = 20) throws {
        directory = try TemporaryDirectory(prefix: "sandbox")
        // Processes the scenario starts as another uid read and write here too.
        chmod(directory.path, 0o755)
        let ready = directory.path + "/ready"
        let script = """
            B=/bin/busybox
            DIR='\(directory.path)'
            $B ip link set lo up 2>/dev/null
            waitfor() { n=0; while [ $n -lt 100 ]; do if eval "$1"; then return 0; fi; $B sleep 0.05; n=$((n + 1)); done; echo "timed out waiting for: $1" >&2; return 1; }
            cd "$DIR" || exit 1
            \(setup)
            echo ready > '\(ready)'
            while :; do $B sleep 86400; done
            """
        let errors = directory.path + "/setup-stderr"
        unsharePid = try Self.spawn(["/usr/bin/unshare", "--fork", "--kill-child"] + namespaces + ["--", "/bin/busybox", "sh", "-c", script],
                                    stderr: errors)

        var child: Int32?
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if child == nil, let text = try? String(contentsOfFile: "/proc/\(unsharePid)/task/\(unsharePid)/children", encoding: .utf8),
               let first = text.split(separator: " ").first, let pid = Int32(first) {
                child = pid
            }
            if child != nil, FileManager.default.fileExists(atPath: ready) { break }
            if !HostProcess.isRunning(unsharePid) { break }
            usleep(20_000)
        }
        guard let child, FileManager.default.fileExists(atPath: ready) else {
            let running = HostProcess.isRunning(unsharePid)
            Self.killAndReap(unsharePid)
            let stderr = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            throw TestFailure("The namespace sandbox (unshare \(namespaces.joined(separator: " "))) did not get ready within \(Int(seconds)) s (unshare running: \(running)); its setup wrote: \(stderr)")
        }
        initPid = child
    }

    /// Runs `argv` inside every namespace of the sandbox's pid 1 (those it
    /// shares with the host are skipped by nsenter), under coreutils' `timeout`
    /// so that a hung program fails the test instead of hanging it.
    public func run(_ argv: [String], timeoutSeconds: Int = 60) throws -> ProcessResult {
        try ProcessRunner.run(["/usr/bin/nsenter", "-t", String(initPid), "--all", "--"] + argv, timeoutSeconds: timeoutSeconds)
    }

    /// The processes the setup named in `$DIR/pids`, by name (pids as the sandbox sees them).
    public var pids: [String: Int] {
        guard let text = try? String(contentsOfFile: directory.path + "/pids", encoding: .utf8) else { return [:] }
        var pids: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let pid = Int(fields[1]) { pids[String(fields[0])] = pid }
        }
        return pids
    }

    public func stop() {
        guard !stopped else { return }
        stopped = true
        kill(initPid, SIGKILL)
        Self.killAndReap(unsharePid)
    }

    /// SIGKILLs the sandbox's whole process group (in a sandbox without a pid
    /// namespace the setup's processes do not die with pid 1) and reaps unshare.
    /// The reaping is done here with waitpid, not by Foundation's Process, whose
    /// exit monitor was seen to leave a killed unshare a zombie and wait forever.
    private static func killAndReap(_ unsharePid: pid_t) {
        kill(-unsharePid, SIGKILL)
        var status: Int32 = 0
        while waitpid(unsharePid, &status, 0) < 0 && errno == EINTR {}
    }


    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not export.
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// Starts `argv` in a process group of its own, stdin and stdout on /dev/null, stderr into `stderr`.
    private static func spawn(_ argv: [String], stderr: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Nothing else of the test process (its sockets, pipes, files) reaches the pod's processes.
        guard let closeFrom = Self.addCloseFrom, closeFrom(&actions, 3) == 0 else {
            throw TestFailure("glibc's posix_spawn_file_actions_addclosefrom_np (2.34 and later) is needed to start a sandbox without the test's descriptors.")
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, environ)
        guard result == 0 else {
            throw TestFailure("Cannot start \(argv[0]): \(String(cString: strerror(result))).")
        }
        return pid
    }

    deinit {
        stop()
    }
}
