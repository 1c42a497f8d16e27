import Evidence
/// The evidence container's termination message, as the in-pod script writes
/// it to /dev/termination-log and the kubelet reports it in
/// `status.ephemeralContainerStatuses[].state.terminated.message`.
///
/// The script writes `sha256:<64 lowercase hex> bytes:<n>` after a run, and
/// `error: <why>` when it could not work at all. The message comes from the pod,
/// so it is parsed strictly and anything else is kept only as sanitised text.
public enum TerminationMessage: Sendable, Equatable {
    /// The digest of what the script wrote to stdout.
    case digest(OutputDigest)
    /// The script could not work; its own words, sanitised.
    case scriptError(String)
    /// Anything else, sanitised and capped.
    case unrecognised(String)

    /// The kubelet keeps at most 4096 bytes of a termination message.
    public static let kubeletLimit = 4096

    public static func parse(_ message: String) -> TerminationMessage {
        let bytes = Array(message.utf8.prefix(kubeletLimit))
        var trimmed = bytes[...]
        while let last = trimmed.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\r") {
            trimmed = trimmed.dropLast()
        }
        if let digest = OutputDigest(message: trimmed) {
            return .digest(digest)
        }
        if trimmed.starts(with: "error: ".utf8) {
            return .scriptError(sanitisedExcerpt(trimmed.dropFirst(7), limit: 512))
        }
        return .unrecognised(sanitisedExcerpt(trimmed, limit: 256))
    }
}

/// SHA-256 and size of a byte stream.
public struct OutputDigest: Sendable, Equatable, CustomStringConvertible {
    /// Lowercase hex, 64 characters.
    public var sha256: String
    public var byteCount: Int

    public init(sha256: String, byteCount: Int) {
        self.sha256 = sha256
        self.byteCount = byteCount
    }

    /// `sha256:<64 lowercase hex> bytes:<decimal>`, nothing else.
    init?(message: ArraySlice<UInt8>) {
        let fields = message.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard fields.count == 2, fields[0].starts(with: "sha256:".utf8), fields[1].starts(with: "bytes:".utf8) else { return nil }
        let hex = fields[0].dropFirst(7)
        let count = fields[1].dropFirst(6)
        guard hex.count == 64, hex.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }),
              (1...15).contains(count.count), count.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              count.count == 1 || count.first != UInt8(ascii: "0") else { return nil }
        self.sha256 = String(decoding: hex, as: UTF8.self)
        self.byteCount = count.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// The termination message form.
    public var description: String { "sha256:\(sha256) bytes:\(byteCount)" }
}
