/// Just enough of the Kubernetes protobuf encoding to read the two review requests
/// kubectl 1.32 sends as `application/vnd.kubernetes.protobuf` (`auth can-i`,
/// `auth whoami`): the `k8s\0` envelope (runtime.Unknown) and the ResourceAttributes /
/// NonResourceAttributes strings. The lab answers in JSON, which kubectl also accepts.
enum KubeProtobuf {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]  // "k8s\0"

    /// Fields of one message: number → values (varints as UInt64, length-delimited as bytes).
    struct Message {
        var varints: [Int: UInt64] = [:]
        var bytes: [Int: [[UInt8]]] = [:]

        func string(_ field: Int) -> String? { bytes[field]?.last.map { String(decoding: $0, as: UTF8.self) } }
        func message(_ field: Int) throws -> Message? { try bytes[field]?.last.map(KubeProtobuf.parse) }
    }

    static func parse(_ data: [UInt8]) throws -> Message {
        var m = Message()
        var i = 0
        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while i < data.count {
                let b = data[i]
                i += 1
                result |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
                if shift > 63 { break }
            }
            throw Malformed(description: "protobuf varint runs past the end of the body")
        }
        while i < data.count {
            let key = try varint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: m.varints[field] = try varint()
            case 1: i += 8
            case 5: i += 4
            case 2:
                let length = Int(try varint())
                guard length >= 0, i + length <= data.count else { throw Malformed(description: "protobuf field \(field) is longer than the body") }
                m.bytes[field, default: []].append(Array(data[i..<i + length]))
                i += length
            default:
                throw Malformed(description: "protobuf wire type \(key & 7) is not supported")
            }
        }
        guard i == data.count else { throw Malformed(description: "protobuf body ends inside a field") }
        return m
    }

    /// The object inside the `k8s\0` envelope, as protobuf fields.
    static func unwrap(_ body: [UInt8]) throws -> Message {
        guard body.starts(with: magic) else { throw Malformed(description: "the body does not start with the k8s protobuf magic") }
        let unknown = try parse(Array(body.dropFirst(magic.count)))
        return try parse(unknown.bytes[2]?.last ?? [])
    }

    /// A SelfSubjectAccessReview's spec as the JSON the lab's handler reads.
    static func selfSubjectAccessReviewJSON(_ body: [UInt8]) throws -> JSONValue {
        let review = try unwrap(body)
        guard let spec = try review.message(2) else { return .object([]) }
        var specJSON: [(key: String, value: JSONValue)] = []
        if let attrs = try spec.message(1) {
            let names = ["namespace", "verb", "group", "version", "resource", "subresource", "name"]
            var o: [(key: String, value: JSONValue)] = []
            for (n, name) in names.enumerated() {
                if let s = attrs.string(n + 1) { o.append((name, .string(s))) }
            }
            specJSON.append(("resourceAttributes", .object(o)))
        }
        if let attrs = try spec.message(2) {
            var o: [(key: String, value: JSONValue)] = []
            if let p = attrs.string(1) { o.append(("path", .string(p))) }
            if let v = attrs.string(2) { o.append(("verb", .string(v))) }
            specJSON.append(("nonResourceAttributes", .object(o)))
        }
        return .object([("spec", .object(specJSON))])
    }
}
