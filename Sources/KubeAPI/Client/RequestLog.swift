import Logging
import NIOHTTP1

/// What `-v` shows of the API traffic, through swift-log, in kubectl's words:
/// at `debug` (kubectl's `-v 6`) one line per request with method, URL, status
/// and duration; at `trace` (`-v 8`) also each request's and reply's headers.
/// A credential never reaches the log at any level: `Authorization` keeps only
/// its scheme (`Bearer <masked>`, as kubectl prints it), cookies are masked
/// whole, a client certificate or key is never a header, and a server URL
/// with a user or password in it is refused when the kubeconfig is read.
struct RequestLog: Sendable {
    let logger: Logger

    /// Header names whose values are secrets, lowercased.
    static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie"]

    var showsRequests: Bool { logger.logLevel <= .debug }
    var showsHeaders: Bool { logger.logLevel <= .trace }

    // The URL is an autoclosure: every request of a run passes here, and at the
    // default level nothing is logged, so nothing is built.
    func completed(_ method: String, _ url: @autoclosure () -> String, code: Int, milliseconds: Int64) {
        guard showsRequests else { return }
        let reason = HTTPResponseStatus(statusCode: code).reasonPhrase
        logger.debug("\(method) \(url()) \(code) \(reason) in \(milliseconds) milliseconds")
    }

    func failed(_ method: String, _ url: @autoclosure () -> String, error: any Error, milliseconds: Int64) {
        guard showsRequests else { return }
        logger.debug("\(method) \(url()) failed after \(milliseconds) milliseconds: \(String(describing: error))")
    }

    /// The request about to go out and its headers (`-v 8`), as kubectl shows them.
    /// One message of several lines: a handler writes it whole, so that the
    /// blocks of requests in flight at once do not interleave line by line.
    func sending(_ method: String, _ url: @autoclosure () -> String, headers: HTTPHeaders) {
        guard showsHeaders else { return }
        logger.trace("\(Self.oneLine(method)) \(Self.oneLine(url()))\n\(Self.block("Request Headers", headers))")
    }

    /// The headers sent (`Request Headers:`) or received (`Response Headers:`), one per line, as one message.
    func headers(_ title: String, _ headers: HTTPHeaders) {
        guard showsHeaders else { return }
        logger.trace("\(Self.block(title, headers))")
    }

    private static func block(_ title: String, _ headers: HTTPHeaders) -> String {
        ([title + ":"] + headers.map { "    \(oneLine($0.name)): \(oneLine(displayValue(name: $0.name, value: $0.value)))" })
            .joined(separator: "\n")
    }

    /// A line break inside a value would start a line of its own in a message of
    /// several lines; the handler escapes every other control byte.
    static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
    }

    /// The value as the log may show it.
    static func displayValue(name: String, value: String) -> String {
        let lowered = name.lowercased()
        guard credentialHeaders.contains(lowered) else { return value }
        if lowered.hasSuffix("authorization"), let scheme = value.split(separator: " ", maxSplits: 1).first, value.contains(" ") {
            return "\(scheme) <masked>"
        }
        return "<masked>"
    }

    /// Logs nothing: the default of a client nobody asked to be verbose.
    static let silent = Logger(label: "kubectl-evidence.api", factory: { _ in SwiftLogNoOpLogHandler() })
}
