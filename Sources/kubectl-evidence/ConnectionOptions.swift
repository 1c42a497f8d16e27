import ArgumentParser
import Evidence
import Foundation
import KubeAPI
import Logging
import Presentation

/// The connection flags every command that talks to a cluster shares, spelled
/// as kubectl spells them so that muscle memory works.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("kubeconfig"), help: "Path to the kubeconfig file to use (default: $KUBECONFIG, else ~/.kube/config, else in-cluster).",
            completion: .file())
    var kubeconfig: String?

    @Option(name: .customLong("context"), help: "The kubeconfig context to use (collect takes several, --context a,b,c, into one bundle).",
            completion: .custom(ValueCompletion.contexts))
    var context: String?

    @Option(name: [.customShort("n"), .customLong("namespace")], help: "The namespace to select pods in (default: the context's namespace, else default).",
            completion: .custom(ValueCompletion.namespaces))
    var namespace: String?

    @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "Select pods in every namespace.")
    var allNamespaces = false

    @Flag(name: .customLong("allow-http-credentials"), help: "Send a token or password to an http:// server (refused by default: they would travel unencrypted).")
    var allowHTTPCredentials = false

    @Flag(name: .customLong("insecure-skip-tls-verify"), help: "Do not verify the server's certificate. Evidence gathered this way cannot prove which cluster it came from.")
    var insecureSkipTLSVerify = false

    @Option(name: [.customShort("s"), .customLong("server")], help: "The address and port of the Kubernetes API server, instead of the kubeconfig cluster's.")
    var server: String?

    @Option(name: .customLong("cluster"), help: "The kubeconfig cluster to use, instead of the context's.")
    var cluster: String?

    @Option(name: .customLong("user"), help: "The kubeconfig user to use, instead of the context's.")
    var user: String?

    @Option(name: .customLong("token"), help: "Bearer token for authentication to the API server, instead of the user's credentials.")
    var token: String?

    @Option(name: .customLong("certificate-authority"), help: "Path to a CA certificate file to trust, instead of the cluster's CA.")
    var certificateAuthority: String?

    @Option(name: .customLong("client-certificate"), help: "Path to a client certificate file for TLS (with --client-key).")
    var clientCertificate: String?

    @Option(name: .customLong("client-key"), help: "Path to the client certificate's private key file (with --client-certificate).")
    var clientKey: String?

    @Option(name: .customLong("tls-server-name"), help: "Server name to check the server's certificate against, instead of the server's host name.")
    var tlsServerName: String?

    @Option(name: .customLong("as"), help: "User to impersonate for every request (the Impersonate-User header).")
    var impersonateUser: String?

    @Option(name: .customLong("as-group"), help: "Group to impersonate; repeat for several groups (needs --as unless the kubeconfig user impersonates).")
    var impersonateGroups: [String] = []

    @Option(name: .customLong("as-uid"), help: "UID to impersonate (needs --as unless the kubeconfig user impersonates).")
    var impersonateUID: String?

    @Option(name: [.customShort("v"), .customLong("v")], help: "Log level, as kubectl's: 6 or more prints every API request with its status and duration on stderr, 8 or more its headers too (credentials masked).")
    var verbosity: Int = 0

    @Option(name: .customLong("request-timeout"), help: "How long to wait for one API request, e.g. 30s, 1m (0 = no limit).")
    var requestTimeout: String = "30s"

    @Option(name: .customLong("qps"), help: "Largest sustained rate of API requests per second, to protect the API server.")
    var qps: Double = 50

    @Option(name: .customLong("burst"), help: "Largest burst of API requests above --qps.")
    var burst: Int = 100

    func validate() throws {
        if allNamespaces && namespace != nil {
            throw ValidationError("--namespace and --all-namespaces cannot be used together: pick one namespace with -n, or every namespace with -A.")
        }
        if qps <= 0 { throw ValidationError("--qps must be greater than 0 (got \(qps)).") }
        if burst < 1 { throw ValidationError("--burst must be at least 1 (got \(burst)).") }
        if verbosity < 0 { throw ValidationError("-v must be 0 or more (got \(verbosity)).") }
        _ = try parsedRequestTimeout()
    }

    /// kubectl's duration syntax: a bare number is seconds; otherwise a number
    /// followed by ms, s, m or h. Zero means no limit.
    func parsedRequestTimeout() throws -> TimeInterval {
        if DurationParser.isTooLong(requestTimeout) {
            throw ValidationError("--request-timeout \"\(requestTimeout)\" is longer than a week, the most this tool waits for one request; use 0 for no limit.")
        }
        guard let seconds = DurationParser.seconds(requestTimeout) else {
            throw ValidationError("--request-timeout \"\(requestTimeout)\" is not a duration; use a number with a unit such as 30s, 2m or 500ms.")
        }
        return seconds
    }

    /// Loads the kubeconfig as kubectl would and applies the flags.
    /// Prints the loader's warnings (such as TLS verification being off) on
    /// stderr, where a person sees them and a script's stdout stays clean.
    func resolveConnection(output: OutputContext) throws -> ClusterConnection {
        var selection = KubeconfigSelection(
            explicitPath: kubeconfig,
            context: context,
            namespace: namespace,
            insecureSkipTLSVerify: insecureSkipTLSVerify ? true : nil,
            overrides: overrides)
        selection.allowHTTPCredentials = allowHTTPCredentials
        let connection = try KubeconfigLoader.load(selection)
        for warning in connection.warnings { output.printNotice(warning) }
        if verbosity >= Self.requestLogLevel {
            for line in Self.describe(connection) { Self.logLine(line, to: output) }
        }
        return connection
    }

    func clientOptions(output: OutputContext) throws -> ClientOptions {
        var options = ClientOptions()
        options.qps = qps
        options.burst = burst
        let timeout = try parsedRequestTimeout()
        options.requestTimeout = timeout == 0 ? 365 * 24 * 3600 : timeout
        options.userAgent = "kubectl-evidence/\(ToolVersion.current)"
        options.logger = Logger(label: "kubectl-evidence.api", factory: { _ in KlogHandler(output: output, verbosity: verbosity) })
        return options
    }

    var overrides: ConnectionOverrides {
        ConnectionOverrides(
            server: server, cluster: cluster, user: user, token: token, certificateAuthority: certificateAuthority,
            clientCertificate: clientCertificate, clientKey: clientKey, tlsServerName: tlsServerName,
            impersonateUser: impersonateUser, impersonateUID: impersonateUID, impersonateGroups: impersonateGroups)
    }

    /// kubectl logs each request from `-v=6` on.
    static let requestLogLevel = 6

    /// How the connection was put together, for `-v 6`: no secrets, only where each part came from.
    static func describe(_ connection: ClusterConnection) -> [String] {
        var lines = ["Config loaded from \(connection.sourceFiles.isEmpty ? (connection.isInCluster ? "the pod's service account" : "the command line") : connection.sourceFiles.joined(separator: ", "))"]
        lines.append("Server \(connection.server), trusting \(connection.trustDescription), authenticating with \(connection.authenticationSummary)")
        if let impersonation = connection.impersonation { lines.append("Impersonation: \(impersonation.summary)") }
        if let proxy = connection.proxy { lines.append("Proxy \(proxy.displayURL) from \(proxy.origin)") }
        return lines
    }

    /// One klog-style line on stderr (`I1130 13:40:00.123456 GET …`), escaped:
    /// URLs carry namespace and pod names from the API server.
    static func logLine(_ text: String, to output: OutputContext) {
        logLines([text], to: output)
    }

    /// Several lines with one stamp each, in one write: lines of requests in flight at once never mix.
    static func logLines(_ lines: [String], to output: OutputContext) {
        let now = Date().timeIntervalSince1970
        var seconds = time_t(now)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let stamp = String(format: "I%02d%02d %02d:%02d:%02d.%06d", parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                           Int((now - Double(seconds)) * 1_000_000))
        output.printToStandardError(lines.map { "\(stamp) \(DisplayText.line($0))\n" }.joined())
    }

    /// The namespace to list in: nil for all namespaces.
    func listNamespace(in connection: ClusterConnection) -> String? {
        allNamespaces ? nil : connection.namespace
    }
}

/// Parses kubectl-style durations ("30s", "1m30s", "500ms", "2h", "10").
///
/// Only plain decimal numbers are read ("inf", "1e400" and the like are not
/// durations), and the result is at most ``maximumSeconds``: a larger value
/// used to pass, and trapped when it became a deadline after every pod was
/// injected.
enum DurationParser {
    /// One week: longer than any wait this tool has a reason to make, and far
    /// inside what a deadline in nanoseconds can hold.
    static let maximumSeconds: TimeInterval = 7 * 24 * 3600

    /// The duration in seconds; nil when `text` is not a duration or is longer
    /// than ``maximumSeconds`` (``isTooLong(_:)`` tells the two apart).
    static func seconds(_ text: String) -> TimeInterval? {
        guard let value = parse(text), value <= maximumSeconds else { return nil }
        return value
    }

    /// True when `text` is a well-formed duration longer than ``maximumSeconds``.
    static func isTooLong(_ text: String) -> Bool {
        (parse(text) ?? 0) > maximumSeconds
    }

    private static func parse(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        guard trimmed.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || $0 == "." || "hms".unicodeScalars.contains($0) }) else { return nil }
        if let plain = Double(trimmed) { return plain.isFinite && plain >= 0 ? plain : nil }
        var total: TimeInterval = 0
        var number = ""
        var index = trimmed.startIndex
        while index < trimmed.endIndex {
            let character = trimmed[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = trimmed.index(after: index)
                continue
            }
            var unit = ""
            while index < trimmed.endIndex, trimmed[index].isLetter {
                unit.append(trimmed[index])
                index = trimmed.index(after: index)
            }
            guard let value = Double(number) else { return nil }
            switch unit {
            case "ms": total += value / 1000
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            default: return nil
            }
            number = ""
        }
        return number.isEmpty && total.isFinite ? total : nil
    }
}
