import Foundation

/// Why a request to the API server failed, in words for the person on call.
///
/// `.status` carries the server's own `Status` (code, reason, message, causes);
/// the transport cases name the server and what went wrong on the way there.
public enum KubeAPIError: Error, Sendable {
    /// A non-2xx reply whose body is a `Status`.
    case status(Status, method: String, path: String)
    /// A non-2xx reply whose body is not a `Status`: the HTTP code and the body's first ~200 bytes.
    case unexpectedResponse(code: Int, method: String, path: String, bodyPrefix: String)
    /// The resourceVersion a watch or a continue token referred to is gone (HTTP 410 or an
    /// ERROR event with code 410): list again and watch from the new list's resourceVersion.
    case gone(resourceVersion: String?, message: String, path: String)
    case connectionRefused(server: String, method: String, path: String)
    case hostNotFound(host: String, server: String)
    /// The server's certificate was not accepted; `trust` says which CA was used.
    case tlsVerificationFailed(server: String, trust: String, detail: String)
    /// `phase` is "connecting" or "waiting for the response".
    case timedOut(method: String, path: String, server: String, after: TimeInterval, phase: String)
    case connectionLost(method: String, path: String, server: String, detail: String)
    case transport(method: String, path: String, server: String, detail: String)
    /// The URL says http:// but the port speaks HTTPS (Go's server answered its 400 for that).
    case httpToHTTPSPort(server: String)
    /// A 2xx reply that could not be decoded.
    case invalidResponse(method: String, path: String, detail: String)

    /// The HTTP status code, when the server answered.
    public var statusCode: Int? {
        switch self {
        case .status(let status, _, _): return status.code
        case .unexpectedResponse(let code, _, _, _): return code
        case .gone: return 410
        default: return nil
        }
    }

    /// The server's Status, when it sent one.
    public var serverStatus: Status? {
        if case .status(let status, _, _) = self { return status }
        return nil
    }

    public var isNotFound: Bool { statusCode == 404 }
    /// A failure that another attempt may mend: the server unreachable or
    /// restarting (refused, cut, timed out), overloaded (429) or failing (5xx).
    public var isTransient: Bool {
        switch self {
        case .connectionRefused, .connectionLost, .timedOut, .transport: return true
        default: return (statusCode ?? 0) >= 500 || statusCode == 429
        }
    }

    public var isForbidden: Bool { statusCode == 403 }
    public var isGone: Bool {
        if case .gone = self { return true }
        return false
    }
}

extension KubeAPIError: LocalizedError, CustomStringConvertible {
    public var description: String {
        switch self {
        case .status(let status, let method, let path):
            let code = status.code.map(String.init) ?? "an error"
            let reason = status.reason.map { " \($0)" } ?? ""
            var text = "The API server rejected \(method) \(path) with \(code)\(reason)"
            if let message = status.message, !message.isEmpty {
                text += ": \(message.trimmingCharacters(in: .whitespacesAndNewlines))"
            }
            if !text.hasSuffix(".") { text += "." }
            let causes = status.details?.causes ?? []
            if !causes.isEmpty {
                let listed = causes.map { cause -> String in
                    let field = cause.field.map { "\($0): " } ?? ""
                    let message = (cause.message ?? cause.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                    return field + message
                }
                text += " Causes: " + listed.joined(separator: "; ") + "."
            }
            return text
        case .unexpectedResponse(let code, let method, let path, let bodyPrefix):
            let body = bodyPrefix.isEmpty ? "an empty body" : "this body: \(bodyPrefix)"
            return "The API server answered \(method) \(path) with HTTP \(code) and \(body)"
        case .gone(let resourceVersion, let message, let path):
            let version = resourceVersion.map { " \($0)" } ?? ""
            return "The resourceVersion\(version) of \(path) has expired on the API server (410 Gone: \(message)); "
                + "the pods must be listed again before watching."
        case .connectionRefused(let server, let method, let path):
            return "The connection to the API server \(server) was refused (\(method) \(path)). "
                + "Is the server running, and is this the right address and port?"
        case .hostNotFound(let host, let server):
            return "The host name \(host) of the API server \(server) could not be resolved (DNS lookup failed). "
                + "Check the server URL in the kubeconfig."
        case .tlsVerificationFailed(let server, let trust, let detail):
            return "The TLS certificate of the API server \(server) could not be verified against \(trust): \(detail). "
                + "The kubeconfig's CA does not match this server, or the server is not who it claims to be."
        case .timedOut(let method, let path, let server, let after, let phase):
            return "\(method) \(path) on \(server) timed out after \(Self.seconds(after)) while \(phase)."
        case .connectionLost(let method, let path, let server, let detail):
            return Self.sentence("The connection to \(server) was lost during \(method) \(path): \(detail)")
        case .httpToHTTPSPort(let server):
            let https = server.lowercased().hasPrefix("http://") ? "https://" + server.dropFirst("http://".count) : server
            return "The API server \(server) speaks HTTPS on that port (it answered \"Client sent an HTTP request to an HTTPS server\"): use \(https) as the server URL."
        case .transport(let method, let path, let server, let detail):
            return Self.sentence("\(method) \(path) on \(server) failed before the server answered: \(detail)")
        case .invalidResponse(let method, let path, let detail):
            return Self.sentence("The API server's reply to \(method) \(path) could not be understood: \(detail)")
        }
    }

    public var errorDescription: String? { description }

    private static func sentence(_ text: String) -> String {
        text.hasSuffix(".") ? text : text + "."
    }

    private static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}
