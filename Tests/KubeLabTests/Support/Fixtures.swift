import Foundation
import RecordedResponses

/// The responses recorded from a real v1.36 API server, in the repository at
/// Tests/Fixtures/k8s (found by the RecordedResponses target), that the lab's
/// replies are compared with. A missing one is an error that names the full path wanted.
enum Fixtures {
    static func data(_ relativePath: String) throws -> Data {
        try RecordedResponses.data(relativePath)
    }

    static func text(_ relativePath: String) throws -> String {
        try RecordedResponses.text(relativePath)
    }

    static func jsonObject(_ relativePath: String) throws -> [String: Any] {
        try RecordedResponses.jsonObject(relativePath)
    }
}
