import Foundation
import KubeLab
import Testing
import TestSupport

/// A started lab in its own temporary state directory, stopped by `stop()`.
/// Every test starts its own, so tests can run in parallel and mutate freely.
/// Pods are API objects only unless `runtime` is true (then they are real processes, and
/// the test must `await lab.stop()` before it ends so that none is left behind).
struct LabFixture {
    let server: LabServer
    let directory: String

    static func start(_ topology: LabTopology? = nil, runtime: Bool = false) async throws -> LabFixture {
        let directory = NSTemporaryDirectory() + "kubelab-test-" + UUID().uuidString.prefix(8)
        let server = try await LabServer.start(topology: try topology ?? .demo(), stateDirectory: directory, runtime: runtime)
        return LabFixture(server: server, directory: directory)
    }

    /// Runs `body` against a lab and always stops the lab afterwards (also when `body` throws).
    static func with<R>(_ topology: LabTopology? = nil, runtime: Bool = false, _ body: (LabFixture) async throws -> R) async throws -> R {
        let lab = try await start(topology, runtime: runtime)
        do {
            let result = try await body(lab)
            try await lab.stop()
            return result
        } catch {
            try? await lab.stop()
            throw error
        }
    }

    func stop() async throws {
        try await server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var adminCertificate: String { directory + "/admin.crt" }
    var adminKey: String { directory + "/admin.key" }

    /// A recorded response of a real v1.36 API server, as a JSON object (see `Fixtures`).
    static func fixture(_ relative: String) throws -> [String: Any] {
        try Fixtures.jsonObject(relative)
    }
}

/// Runs a program to its end without blocking the test's thread (TestSupport's runner).
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: TimeInterval = 60) async throws
    -> ProcessResult
{
    try await ProcessRunner.run(executable, arguments, environment: environment, timeout: timeout)
}

/// An HTTP response as curl received it.
struct CurlResponse {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any], "not a JSON object: \(text.prefix(300))")
    }
}

/// A loopback client for the lab built on the real curl, so the lab is checked by a
/// client that shares no code with it (nor with KubeAPI).
struct Curl {
    enum Credential {
        case admin
        case token(String)
        case none
    }

    let lab: LabFixture
    var credential: Credential = .admin
    /// curl's own User-Agent gets pretty JSON from a real server; tests of the compact form set another one.
    var userAgent: String? = nil

    func request(_ path: String, accept: String? = nil, maxTime: Double = 30) async throws -> CurlResponse {
        try await request("GET", path, accept: accept, maxTime: maxTime)
    }

    func request(
        _ method: String, _ path: String, body: String? = nil, contentType: String = "application/json", accept: String? = nil,
        maxTime: Double = 30
    ) async throws -> CurlResponse {
        let headerFile = NSTemporaryDirectory() + "kubelab-h-" + UUID().uuidString
        let bodyFile = NSTemporaryDirectory() + "kubelab-b-" + UUID().uuidString
        defer {
            try? FileManager.default.removeItem(atPath: headerFile)
            try? FileManager.default.removeItem(atPath: bodyFile)
        }
        var args = ["-sS", "-N", "--max-time", String(maxTime), "--cacert", lab.server.caCertificatePath, "-X", method, "-D", headerFile, "-o", bodyFile, "-w", "%{http_code}"]
        switch credential {
        case .admin: args += ["--cert", lab.adminCertificate, "--key", lab.adminKey]
        case .token(let t): args += ["-H", "Authorization: Bearer \(t)"]
        case .none: break
        }
        if let userAgent { args += ["-A", userAgent] }
        if let accept { args += ["-H", "Accept: \(accept)"] }
        if let body { args += ["-H", "Content-Type: \(contentType)", "--data-binary", body] }
        args.append(lab.server.serverURL + path)
        let result = try await run("/usr/bin/curl", args)
        let status = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        var headers: [String: String] = [:]
        let headerText = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        for line in headerText.split(separator: "\r\n") {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        let body = (try? Data(contentsOf: URL(fileURLWithPath: bodyFile))) ?? Data()
        if status == 0 && !result.stderr.contains("(28)") && !result.stderr.contains("(18)") && !result.stderr.contains("(56)") {
            Issue.record("curl failed for \(path): \(result.stderr)")
        }
        return CurlResponse(status: status, headers: headers, body: body)
    }
}

/// Percent-encodes a query value (selectors contain spaces, parentheses, `!` and `=`).
func q(_ value: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
}

/// The JSON objects of a watch stream, one per line.
func watchEvents(_ body: Data) throws -> [[String: Any]] {
    try String(decoding: body, as: UTF8.self).split(separator: "\n").map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}
