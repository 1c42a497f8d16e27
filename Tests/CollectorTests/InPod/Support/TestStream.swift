/// Builds framed streams for decoder tests: the format as the script writes
/// it (the real script's own output is tested in InPodScriptRunTests).
enum TestStream {
    static let header = Array("#kubectl-evidence frame v1\n".utf8)

    static func record(_ kind: String, _ key: String, _ payload: [UInt8]) -> [UInt8] {
        Array("@\(kind) \(key) \(payload.count)\n".utf8) + payload + [UInt8(ascii: "\n")]
    }

    static func trailer(records: Int, bytes: Int) -> [UInt8] {
        record("end", "trailer", Array("records=\(records) bytes=\(bytes)".utf8))
    }

    /// A whole, valid stream of these records.
    static func stream(_ records: [(kind: String, key: String, payload: [UInt8])]) -> [UInt8] {
        var out = header
        for item in records { out += record(item.kind, item.key, item.payload) }
        return out + trailer(records: records.count, bytes: out.count)
    }
}
