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

/// A small deterministic generator (SplitMix64), so a failing random case
/// can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
