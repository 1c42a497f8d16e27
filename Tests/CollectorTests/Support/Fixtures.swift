import Foundation
import KubeAPI
import RecordedResponses

/// The responses recorded from a real v1.36 API server, in the repository at
/// Tests/Fixtures/k8s (found by the RecordedResponses target). A missing one is an
/// error that names the full path wanted.
enum Fixtures {
    static func bytes(_ path: String) throws -> [UInt8] {
        try RecordedResponses.bytes(path)
    }

    static func jsonObject(_ path: String) throws -> [String: Any] {
        try RecordedResponses.jsonObject(path)
    }

    static func pod(_ path: String) throws -> Pod {
        try Pod.decode(json: try bytes(path))
    }

    /// A recorded pod with some fields changed, for cases the recording has
    /// no example of (a Windows pod, a pod being deleted, …).
    static func pod(_ path: String, editing edit: (inout [String: Any]) -> Void) throws -> Pod {
        var object = try jsonObject(path)
        edit(&object)
        return try Pod.decode(json: [UInt8](try JSONSerialization.data(withJSONObject: object)))
    }
}

extension Dictionary where Key == String, Value == Any {
    /// Sets a value at a dotted path of nested objects, creating them as needed.
    mutating func set(_ path: String, _ value: Any?) {
        let keys = path.split(separator: ".").map(String.init)
        func assign(_ object: inout [String: Any], _ keys: ArraySlice<String>) {
            guard let first = keys.first else { return }
            if keys.count == 1 {
                object[first] = value
                return
            }
            var child = object[first] as? [String: Any] ?? [:]
            assign(&child, keys.dropFirst())
            object[first] = child
        }
        assign(&self, keys[...])
    }
}
