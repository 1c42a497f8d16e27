/// Splits a byte stream into `\n`-terminated lines; a line may span chunks.
/// Watch streams are newline-delimited JSON, one event per line.
struct LineSplitter {
    private var pending: [UInt8] = []
    /// Refuse a line longer than this (a pod is at most a few MB); protects memory.
    let maxLineBytes: Int

    init(maxLineBytes: Int = 64 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    struct LineTooLong: Error, CustomStringConvertible {
        var limit: Int
        var description: String { "a watch event is longer than \(limit) bytes" }
    }

    /// The complete lines in `chunk` (plus what was pending), without their `\n`; empty lines are dropped.
    mutating func append(_ chunk: some Sequence<UInt8>) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                if !pending.isEmpty && !(pending.count == 1 && pending[0] == UInt8(ascii: "\r")) {
                    lines.append(pending)
                }
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count > maxLineBytes { throw LineTooLong(limit: maxLineBytes) }
            }
        }
        return lines
    }

    /// What is left after the stream ended (a last line without `\n`), if anything.
    mutating func finish() -> [UInt8]? {
        defer { pending.removeAll() }
        let trimmed = pending.drop(while: { $0 == 0x20 || $0 == 0x0D })
        return trimmed.isEmpty ? nil : pending
    }
}
