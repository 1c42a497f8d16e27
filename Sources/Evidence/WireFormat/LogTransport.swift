/// How the framed stream travels in the evidence container's log.
///
/// The in-pod script writes its stream in base64, one line ended by a newline
/// (see TRANSPORT in evidence-collect.sh): the container runtime adds a
/// 30–46-byte prefix to every line of a log, and /proc files are mostly short
/// lines, so a stream sent as text cost twice its size in the node's log file
/// and a pod of 2,000 processes passed the kubelet's 10 MiB rotation. Bundles
/// written before that carry the stream as it is: a log whose first byte is
/// not a base64 character (the stream header's `#`, a record's `@`) is read
/// that way.
///
/// The log comes from a pod: decoding is strict, total and linear. It stops at
/// the first byte that is not part of the encoding and keeps every whole
/// group before it, so a cut or altered log still yields what came before the
/// damage, and the damage is named with its byte offset in the log.
public enum LogTransport {
    /// The stream inside a log, and what was wrong with the log's encoding.
    public struct Unwrapped: Sendable, Equatable {
        public var stream: [UInt8]
        /// Set when the log is not exactly `base64(stream) + "\n"`.
        public var problem: FrameError?
        /// False for a log that carries the stream as it is (older bundles).
        public var wasEncoded: Bool
    }

    /// The stream in `log`. At most `maxStreamBytes` bytes are decoded; the
    /// frame decoder reports a stream that reaches the limit.
    public static func unwrap(_ log: [UInt8], maxStreamBytes: Int = Int.max) -> Unwrapped {
        if log.isEmpty || (value(of: log[0]) == nil && log != [UInt8(ascii: "\n")]) {
            return Unwrapped(stream: log, problem: nil, wasEncoded: false)
        }
        var body = log[...]
        let endsWithNewline = body.last == UInt8(ascii: "\n")
        if endsWithNewline { body = body.dropLast() }
        let groupLimit = maxStreamBytes / 3 + 1
        var stream: [UInt8] = []
        stream.reserveCapacity(min(body.count / 4 + 1, groupLimit) * 3)
        var index = body.startIndex
        var problem: FrameError?
        var groups = 0
        while index < body.endIndex {
            if groups >= groupLimit { break }
            guard body.endIndex - index >= 4 else {
                problem = FrameError(offset: index, .badEncoding(
                    "it ends inside a base64 group (\(body.endIndex - index) bytes left over), so it was cut short", cut: true))
                break
            }
            var values: (Int, Int, Int, Int) = (0, 0, 0, 0)
            var padding = 0
            var bad: Int?
            for k in 0..<4 {
                let byte = body[index + k]
                let value: Int
                if byte == UInt8(ascii: "=") && k >= 2 {
                    padding += 1
                    value = 0
                } else if padding == 0, let decoded = Self.value(of: byte) {
                    value = decoded
                } else {
                    bad = index + k
                    break
                }
                switch k {
                case 0: values.0 = value
                case 1: values.1 = value
                case 2: values.2 = value
                default: values.3 = value
                }
            }
            if let bad {
                problem = FrameError(offset: bad, .badEncoding(
                    "byte \(bad) (\(sanitisedExcerpt(log[bad...].prefix(1)))) is not base64 where the script's encoding has it", cut: false))
                break
            }
            if padding > 0 && index + 4 != body.endIndex {
                problem = FrameError(offset: index, .badEncoding(
                    "base64 padding at byte \(index) is followed by more data", cut: false))
                break
            }
            let bits = values.0 << 18 | values.1 << 12 | values.2 << 6 | values.3
            stream.append(UInt8(truncatingIfNeeded: bits >> 16))
            if padding < 2 { stream.append(UInt8(truncatingIfNeeded: bits >> 8)) }
            if padding < 1 { stream.append(UInt8(truncatingIfNeeded: bits)) }
            index += 4
            groups += 1
        }
        if problem == nil && !endsWithNewline && groups < groupLimit {
            problem = FrameError(offset: log.count, .badEncoding(
                "it does not end with the newline the script writes last, so it was cut short", cut: true))
        }
        return Unwrapped(stream: stream, problem: problem, wasEncoded: true)
    }

    /// `base64(stream) + "\n"`, exactly as the script's transport writes it;
    /// for tests and for tools that rebuild a log.
    public static func wrap(_ stream: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((stream.count + 2) / 3 * 4 + 1)
        var index = 0
        while index < stream.count {
            let remaining = stream.count - index
            let b0 = Int(stream[index])
            let b1 = remaining > 1 ? Int(stream[index + 1]) : 0
            let b2 = remaining > 2 ? Int(stream[index + 2]) : 0
            let bits = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[bits >> 18 & 63])
            out.append(alphabet[bits >> 12 & 63])
            out.append(remaining > 1 ? alphabet[bits >> 6 & 63] : UInt8(ascii: "="))
            out.append(remaining > 2 ? alphabet[bits & 63] : UInt8(ascii: "="))
            index += 3
        }
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// `log` with the stream bytes in `ranges` replaced by those of `masked`
    /// (the log's unwrapped stream, changed in place: same length), re-encoding
    /// only the base64 groups that hold them. Everything else of the log stays
    /// byte for byte, a damaged tail included; a log that carries the stream as
    /// it is (older bundles) is the stream. Used to mask secrets after the
    /// digest was checked on the log as read.
    public static func patch(_ log: [UInt8], masked unwrapped: Unwrapped, ranges: [Range<Int>]) -> [UInt8] {
        var out = log
        let stream = unwrapped.stream
        guard unwrapped.wasEncoded else {
            for range in ranges where range.upperBound <= min(out.count, stream.count) {
                out.replaceSubrange(range, with: stream[range])
            }
            return out
        }
        let decoded = unwrapped.stream.count
        var groups = Set<Int>()
        for range in ranges where range.upperBound <= decoded {
            for byte in range { groups.insert(byte / 3) }
        }
        for group in groups {
            let start = group * 3
            let remaining = decoded - start
            let b0 = Int(stream[start])
            let b1 = remaining > 1 ? Int(stream[start + 1]) : 0
            let b2 = remaining > 2 ? Int(stream[start + 2]) : 0
            let bits = b0 << 16 | b1 << 8 | b2
            let at = group * 4
            out[at] = alphabet[bits >> 18 & 63]
            out[at + 1] = alphabet[bits >> 12 & 63]
            if remaining > 1 { out[at + 2] = alphabet[bits >> 6 & 63] }
            if remaining > 2 { out[at + 3] = alphabet[bits & 63] }
        }
        return out
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static func value(of byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(byte - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
