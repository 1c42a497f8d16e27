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

    static func run(_ config: ExecPluginConfig, cluster: ClusterInfo) async throws -> ExecCredential {
        let executable = try locate(config)
        var environment = config.baseEnvironment
        for variable in config.env { environment[variable.name] = variable.value }
        let info = ExecInfo(
            apiVersion: config.apiVersion,
            spec: .init(interactive: false, cluster: config.provideClusterInfo ? cluster : nil))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        environment["KUBERNETES_EXEC_INFO"] = String(decoding: try encoder.encode(info), as: UTF8.self)

        let result = try await runProcess(executable: executable, arguments: config.args, environment: environment, config: config)
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
                credential.clientCertificate = ClientCertificate(chain: chain, key: privateKey)
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

    /// Runs the process on a dispatch thread: `waitUntilExit` and pipe reads
    /// block, which must not happen on the cooperative pool.
    private static func runProcess(
        executable: String, arguments: [String], environment: [String: String], config: ExecPluginConfig
    ) async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                process.environment = environment
                process.standardInput = FileHandle.nullDevice
                let stdout = Pipe()
                let stderr = Pipe()
                process.standardOutput = stdout
                process.standardError = stderr
                do {
                    try process.run()
                } catch {
                    continuation.resume(
                        throwing: ExecPluginError(
                            command: config.command, file: config.file,
                            message: "The exec credential plugin \(executable) (user \"\(config.userName ?? "")\" in \(config.file ?? "the kubeconfig")) could not be started: \(error.localizedDescription)"))
                    return
                }
                // Drain stderr concurrently so a chatty plugin cannot block on a full pipe.
                let group = DispatchGroup()
                let errorBox = ByteBox()
                group.enter()
                DispatchQueue.global().async {
                    errorBox.set(Array(stderr.fileHandleForReading.readDataToEndOfFile()))
                    group.leave()
                }
                let output = Array(stdout.fileHandleForReading.readDataToEndOfFile())
                group.wait()
                process.waitUntilExit()
                continuation.resume(returning: ProcessResult(status: process.terminationStatus, stdout: output, stderr: errorBox.get()))
            }
        }
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
