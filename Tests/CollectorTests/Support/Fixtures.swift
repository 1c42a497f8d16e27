import Foundation
import KubeAPI

/// The responses recorded from a real v1.36 API server, in ../shared/k8s
/// beside the repository (CI lays a copy of shared/ there too).
enum Fixtures {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/k8s")

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(path)))
    }

    static func pod(_ path: String) throws -> Pod {
        try Pod.decode(json: try bytes(path))
    }

    /// A recorded pod with some fields changed, for cases the recording has
    /// no example of (a Windows pod, a pod being deleted, …).
    static func pod(_ path: String, editing edit: (inout [String: Any]) -> Void) throws -> Pod {
        var object = try JSONSerialization.jsonObject(with: Data(try bytes(path))) as! [String: Any]
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
