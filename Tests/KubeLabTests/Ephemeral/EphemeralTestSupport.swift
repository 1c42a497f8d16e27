import Foundation
import KubeLab
import Testing

/// Helpers for the ephemeral container tests: fixture requests and responses of the real
/// server, rewritten for the lab's pod names, and polling with short bounded sleeps.
enum Ephemeral {
    static let fixturePod = "checkout-78b65f974c-7mtxn"

    /// A recorded request body, as the fixture file holds it.
    static func request(_ relative: String) throws -> String {
        try Fixtures.text(relative)
    }

    /// A recorded response with the fixture's pod (and other names) replaced by the lab's.
    static func expected(_ relative: String, replacing pairs: [(String, String)]) throws -> [String: Any] {
        var text = try Fixtures.text(relative)
        for (from, to) in pairs { text = text.replacingOccurrences(of: from, with: to) }
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The fields a client reads of a Status: kind, status, reason, code, message, details.
    static func expectSameStatus(_ got: [String: Any], _ want: [String: Any], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for key in ["kind", "apiVersion", "status", "reason", "code", "message"] {
            #expect(
                "\(got[key] ?? "nil")" == "\(want[key] ?? "nil")", "\(what): \(key) differs:\n got \(got[key] ?? "nil")\nwant \(want[key] ?? "nil")",
                sourceLocation: sourceLocation)
        }
        let gotDetails = (got["details"] as? NSDictionary) ?? NSDictionary()
        let wantDetails = (want["details"] as? NSDictionary) ?? NSDictionary()
        #expect(gotDetails == wantDetails, "\(what): details differ:\n got \(gotDetails)\nwant \(wantDetails)", sourceLocation: sourceLocation)
        #expect(Set(got.keys) == Set(want.keys), "\(what): keys differ", sourceLocation: sourceLocation)
    }

    /// Polls until `condition` holds for the pod (every 20 ms, at most `timeout` seconds); returns the last pod seen.
    @discardableResult
    static func waitForPod(
        _ lab: LabFixture, namespace: String = "shop", name: String, timeout: Double = 15, until condition: (LabPod) -> Bool
    ) async throws -> LabPod {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let pod = try #require(lab.server.pod(namespace: namespace, name: name), "pod \(namespace)/\(name) is gone")
            if condition(pod) || Date() > deadline { return pod }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func ephemeralState(_ pod: LabPod, _ name: String) -> LabContainerStatus.State? {
        pod.ephemeralContainerStatuses.first { $0.name == name }?.state
    }

    static func isTerminated(_ state: LabContainerStatus.State?) -> Bool {
        if case .terminated = state { return true }
        return false
    }

    /// An SMP body adding one ephemeral container.
    static func smp(name: String, command: [String], target: String = "app", image: String = "busybox:1.36", securityContext: String? = nil)
        -> String
    {
        let cmd = String(decoding: try! JSONSerialization.data(withJSONObject: command), as: UTF8.self)
        var c = "{\"name\":\"\(name)\",\"image\":\"\(image)\",\"targetContainerName\":\"\(target)\",\"command\":\(cmd)"
        if let securityContext { c += ",\"securityContext\":\(securityContext)" }
        return "{\"spec\":{\"ephemeralContainers\":[\(c)}]}}"
    }

    static let smpType = "application/strategic-merge-patch+json"

    /// Mount points at or below `directory` in this mount namespace.
    static func mounts(under directory: String) -> [String] {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4])
            return point.hasPrefix(directory) ? point : nil
        }
    }
}
