import Foundation
import RecordedResponses
import Testing
import TestSupport

/// The responses recorded from a real v1.36 API server, in the repository at
/// Tests/Fixtures/k8s (found by the RecordedResponses target). A missing one is an
/// error that names the full path wanted.
enum Fixtures {
    static func bytes(_ relativePath: String) throws -> [UInt8] {
        try RecordedResponses.bytes(relativePath)
    }

    /// Every file under `folder` whose name ends in `suffix`, as paths relative to the
    /// fixture directory; none at all is an error.
    static func files(in folder: String, suffix: String) throws -> [String] {
        try RecordedResponses.files(in: folder, suffix: suffix)
    }

    /// A loopback server's reply with a recorded body. Responders cannot throw, so a
    /// recording that cannot be read is recorded as an issue and answered with a 500
    /// Status whose message names the path: the client's error names it too.
    static func reply(_ status: Int, _ relativePath: String) -> ScriptedAPIServer.Action {
        do {
            return .json(status, try bytes(relativePath))
        } catch {
            Issue.record(error)
            let body: [String: Any] = [
                "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "InternalError", "code": 500,
                "message": "test fixture missing: \(error)",
            ]
            // A dictionary of strings and a number always serializes.
            return .json(500, [UInt8](try! JSONSerialization.data(withJSONObject: body)))
        }
    }
}
