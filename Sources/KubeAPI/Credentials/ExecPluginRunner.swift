import Dispatch
import Foundation

/// What an exec plugin returned (`ExecCredential.status`).
struct ExecCredential: Sendable {
    var token: String?
    var clientCertificate: ClientCertificate?
    /// nil: valid until the server answers 401.
    var expiry: Date?
}

/// Runs a client.authentication.k8s.io exec plugin as kubectl does: the
/// kubeconfig's env on top of ours, KUBERNETES_EXEC_INFO describing the
/// request (and the cluster, with provideClusterInfo), stdin closed
/// (non-interactive), and an ExecCredential expected on stdout.
enum ExecPluginRunner {
    struct ClusterInfo: Encodable {
        var server: String
        var tlsServerName: String?
        var insecureSkipTLSVerify: Bool
        var certificateAuthorityData: String?

        enum CodingKeys: String, CodingKey {
            case server
            case tlsServerName = "tls-server-name"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
            case certificateAuthorityData = "certificate-authority-data"
        }
    }

    private struct ExecInfo: Encodable {
        struct Spec: Encodable {
            var interactive: Bool
            var cluster: ClusterInfo?
        }
        var apiVersion: String
        var kind = "ExecCredential"
        var spec: Spec
    }

    private struct Output: Decodable {
        struct Status: Decodable {
            var token: String?
            var expirationTimestamp: String?
            var clientCertificateData: String?
            var clientKeyData: String?
        }
        var apiVersion: String?
        var kind: String?
        var status: Status?
    }

    static func clusterInfo(for connection: ClusterConnection) -> ClusterInfo {
        ClusterInfo(
            server: connection.server, tlsServerName: connection.tlsServerName,
            insecureSkipTLSVerify: connection.insecureSkipTLSVerify,
            certificateAuthorityData: connection.caPEM.map { Data($0).base64EncodedString() })
    }

    /// The longest a plugin may run: a plugin that hangs (or waits for a login
    /// nobody can type, stdin being closed) must not hang the collection.
    static let defaultTimeout: TimeInterval = 60
    /// An ExecCredential is a few KB, a certificate chain included; more is not one.
    static let maxStdoutBytes = 1 << 20
    /// Kept of the plugin's stderr, for the error message (the rest is read and dropped).
    static let maxStderrBytes = 64 << 10

    static func run(_ config: ExecPluginConfig, cluster: ClusterInfo, timeout: TimeInterval = defaultTimeout) async throws -> ExecCredential {
        let executable = try locate(config)
        var environment = config.baseEnvironment
        for variable in config.env { environment[variable.name] = variable.value }
        let info = ExecInfo(
            apiVersion: config.apiVersion,
            spec: .init(interactive: false, cluster: config.provideClusterInfo ? cluster : nil))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        environment["KUBERNETES_EXEC_INFO"] = String(decoding: try encoder.encode(info), as: UTF8.self)

        let result = try await runProcess(executable: executable, arguments: config.args, environment: environment, config: config, timeout: timeout)
        guard result.status == 0 else {
            let stderr = String(decoding: result.stderr.suffix(1000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ExecPluginError(
                command: config.command, file: config.file,
                message: "The exec credential plugin \(config.command) (user \"\(config.userName ?? "")\" in \(config.file ?? "the kubeconfig")) "
                    + "exited with status \(result.status)" + (stderr.isEmpty ? "." : ": \(stderr)"))
        }
        return try parse(result.stdout, config: config)
    }

    static func parse(_ stdout: [UInt8], config: ExecPluginConfig) throws -> ExecCredential {
        let origin = "The exec credential plugin \(config.command) (user \"\(config.userName ?? "")\" in \(config.file ?? "the kubeconfig"))"
        let output: Output
        do {
            output = try JSONDecoderFactory.shared.decode(Output.self, from: stdout)
        } catch {
            let preview = String(decoding: stdout.prefix(200), as: UTF8.self)
            throw ExecPluginError(
                command: config.command, file: config.file,
                message: "\(origin) did not print an ExecCredential as JSON on stdout (\(error)); it printed: \(preview)")
        }
        guard output.kind == nil || output.kind == "ExecCredential" else {
            throw ExecPluginError(command: config.command, file: config.file, message: "\(origin) printed kind \(output.kind ?? "") instead of ExecCredential.")
        }
        guard output.apiVersion == config.apiVersion else {
            throw ExecPluginError(
                command: config.command, file: config.file,
                message: "\(origin) answered with apiVersion \"\(output.apiVersion ?? "")\" but the kubeconfig asked for \(config.apiVersion).")
        }
        guard let status = output.status else {
            throw ExecPluginError(command: config.command, file: config.file, message: "\(origin) printed an ExecCredential without a status.")
        }

        var credential = ExecCredential()
        if let token = status.token, !token.isEmpty { credential.token = token }
        let hasCertificate = !(status.clientCertificateData ?? "").isEmpty
        let hasKey = !(status.clientKeyData ?? "").isEmpty
        if hasCertificate != hasKey {
            throw ExecPluginError(
                command: config.command, file: config.file,
                message: "\(origin) returned \(hasCertificate ? "clientCertificateData without clientKeyData" : "clientKeyData without clientCertificateData"); both are needed.")
        }
        if hasCertificate, let certificate = status.clientCertificateData, let key = status.clientKeyData {
            do {
                let chain = try KubeconfigLoader.parseCertificates(
                    Array(certificate.utf8), file: config.file, field: "status.clientCertificateData", what: "client certificate")
                let privateKey = try KubeconfigLoader.parsePrivateKey(Array(key.utf8), file: config.file, field: "status.clientKeyData")
                credential.clientCertificate = ClientCertificate(chain: chain, key: privateKey, origin: "status.clientCertificateData from the exec credential plugin \(config.command)")
            } catch let error as KubeconfigError {
                throw ExecPluginError(command: config.command, file: config.file, message: "\(origin) returned an unusable certificate: \(error.message)")
            }
        }
        guard credential.token != nil || credential.clientCertificate != nil else {
            throw ExecPluginError(
                command: config.command, file: config.file,
                message: "\(origin) returned neither status.token nor status.clientCertificateData/clientKeyData.")
        }
        if let text = status.expirationTimestamp, !text.isEmpty {
            guard let date = RFC3339.parse(text) else {
                throw ExecPluginError(
                    command: config.command, file: config.file,
                    message: "\(origin) returned status.expirationTimestamp \"\(text)\", which is not an RFC 3339 time.")
            }
            credential.expiry = date
        }
        return credential
    }

    /// The plugin's executable: a path as resolved from the kubeconfig, or a name searched in PATH.
    static func locate(_ config: ExecPluginConfig) throws -> String {
        let fileManager = FileManager.default
        var candidates: [String] = []
        if config.command.contains("/") {
            candidates = [config.command]
        } else {
            let path = config.baseEnvironment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            candidates = path.split(separator: ":").map { "\($0)/\(config.command)" }
        }
        if let found = candidates.first(where: { fileManager.isExecutableFile(atPath: $0) }) { return found }
        var message = "The exec credential plugin \"\(config.command)\" needed by user \"\(config.userName ?? "")\" "
            + "in \(config.file ?? "the kubeconfig") (field users[\(config.userName ?? "")].user.exec.command) "
            + (config.command.contains("/") ? "does not exist or is not executable." : "was not found in PATH.")
        if let hint = config.installHint, !hint.isEmpty {
            message += "\n" + hint.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        throw ExecPluginError(command: config.command, file: config.file, message: message)
    }

    private struct ProcessResult: Sendable {
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]
    }

    /// Runs the plugin on a dispatch thread (pipe reads and waits block, which
    /// must not happen on the cooperative pool), within `timeout` and with
    /// bounded output: a plugin that hangs, prints without end, or exits leaving
    /// a child that holds its stdout is stopped, and the error says which.
    ///
    /// posix_spawn and waitpid, not Foundation's Process: Process learns of the
    /// exit only when every holder of an inherited descriptor is gone, so a
    /// plugin's background child kept it "running" forever. The plugin runs in
    /// a process group of its own, killed whole when it is stopped.
    private static func runProcess(
        executable: String, arguments: [String], environment: [String: String], config: ExecPluginConfig, timeout: TimeInterval
    ) async throws -> ProcessResult {
        let origin = "The exec credential plugin \(executable) (user \"\(config.userName ?? "")\" in \(config.file ?? "the kubeconfig"))"
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var stdoutPipe: [Int32] = [-1, -1]
                var stderrPipe: [Int32] = [-1, -1]
                guard pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
                    continuation.resume(throwing: ExecPluginError(command: config.command, file: config.file,
                                                                  message: "\(origin) could not be started: no pipe (\(String(cString: strerror(errno))))."))
                    return
                }
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
                posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
                posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
                for fd in stdoutPipe + stderrPipe { posix_spawn_file_actions_addclose(&actions, fd) }
                var attributes = posix_spawnattr_t()
                posix_spawnattr_init(&attributes)
                posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
                posix_spawnattr_setpgroup(&attributes, 0)
                let argv = ([executable] + arguments).map { strdup($0) } + [nil]
                let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
                var pid: pid_t = 0
                // ETXTBSY: a file just written is still open for writing in a child another thread
                // forked at that moment; it closes as that child execs. Go's os/exec retries too.
                var spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
                var tries = 0
                while spawned == ETXTBSY && tries < 20 {
                    tries += 1
                    usleep(50_000)
                    spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
                }
                posix_spawn_file_actions_destroy(&actions)
                posix_spawnattr_destroy(&attributes)
                for pointer in argv + envp { free(pointer) }
                close(stdoutPipe[1])
                close(stderrPipe[1])
                guard spawned == 0 else {
                    close(stdoutPipe[0])
                    close(stderrPipe[0])
                    continuation.resume(throwing: ExecPluginError(command: config.command, file: config.file,
                                                                  message: "\(origin) could not be started: \(String(cString: strerror(spawned)))."))
                    return
                }
                let exit = ExitClock()
                let (child, errorRead) = (pid, stderrPipe[0])
                DispatchQueue.global().async {
                    var status: Int32 = 0
                    while waitpid(child, &status, 0) < 0 && errno == EINTR {}
                    exit.mark(status: status)
                }
                let deadline = Date().addingTimeInterval(timeout)
                // Drain stderr beside stdout so a chatty plugin cannot block on a full pipe.
                let group = DispatchGroup()
                let errorBox = ByteBox()
                group.enter()
                DispatchQueue.global().async {
                    errorBox.set(drain(errorRead, keep: maxStderrBytes, stopAt: nil, deadline: deadline, exit: exit).bytes)
                    group.leave()
                }
                let output = drain(stdoutPipe[0], keep: maxStdoutBytes, stopAt: maxStdoutBytes, deadline: deadline, exit: exit)
                if output.overflow || output.timedOut {
                    kill(-pid, SIGKILL)
                    kill(pid, SIGKILL)
                }
                group.wait()
                close(stdoutPipe[0])
                close(stderrPipe[0])
                // Its exit status: waited for (briefly: a killed plugin is gone at once).
                let status = exit.wait(seconds: 5)
                if output.timedOut {
                    continuation.resume(throwing: ExecPluginError(command: config.command, file: config.file,
                        message: "\(origin) did not finish within \(Int(timeout)) s and was stopped. Run it by hand to see whether it waits for a login (it gets no terminal here), then try again."))
                } else if output.overflow {
                    continuation.resume(throwing: ExecPluginError(command: config.command, file: config.file,
                        message: "\(origin) printed more than \(maxStdoutBytes >> 20) MiB on stdout, which no ExecCredential is, and was stopped."))
                } else {
                    continuation.resume(returning: ProcessResult(status: status ?? -1, stdout: output.bytes, stderr: errorBox.get()))
                }
            }
        }
    }

    /// Reads `fd` until end of file, keeping at most `keep` bytes (more is read
    /// and dropped, unless `stopAt` says to stop there: overflow). Stops at the
    /// deadline (timedOut), and one second after the plugin exited even if a
    /// child of it still holds the pipe open.
    private static func drain(_ fd: Int32, keep: Int, stopAt: Int?, deadline: Date, exit: ExitClock)
        -> (bytes: [UInt8], overflow: Bool, timedOut: Bool)
    {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var seen = 0
        while true {
            if Date() >= deadline { return (bytes, false, true) }
            if let exited = exit.time, Date().timeIntervalSince(exited) > 1 { return (bytes, false, false) }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready < 0, errno == EINTR { continue }
            if ready <= 0 { continue }
            let count = read(fd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return (bytes, false, false) }
            seen += count
            if bytes.count < keep { bytes.append(contentsOf: buffer[0..<min(count, keep - bytes.count)]) }
            if let stopAt, seen > stopAt { return (bytes, true, false) }
        }
    }
}

/// When the plugin exited and with what status, set by the thread that waits for it.
private final class ExitClock: @unchecked Sendable {
    private let condition = NSCondition()
    private var exitedAt: Date?
    private var status: Int32?

    func mark(status raw: Int32) {
        condition.lock()
        exitedAt = Date()
        // WIFEXITED / WEXITSTATUS, spelled out (macros are not imported).
        status = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
        condition.broadcast()
        condition.unlock()
    }

    var time: Date? {
        condition.lock()
        defer { condition.unlock() }
        return exitedAt
    }

    func wait(seconds: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while exitedAt == nil && condition.wait(until: deadline) {}
        return status
    }
}

/// Bytes handed from the stderr-draining thread to the waiting one; the lock
/// makes the hand-over safe (the DispatchGroup already orders it).
private final class ByteBox: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    func set(_ value: [UInt8]) { lock.withLock { bytes = value } }
    func get() -> [UInt8] { lock.withLock { bytes } }
}

/// RFC 3339 timestamps as Kubernetes writes them (with or without fractional seconds).
enum RFC3339 {
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
