/// Decodes the in-pod script's framed output (see ``FrameRecord`` for the
/// format) into records, with every framing problem as a ``FrameError`` at its
/// byte offset.
///
/// The output comes from a pod and is hostile input: the decoder is total.
/// Any bytes give a result; it never traps, and its work is linear in the
/// input (each step moves forward; resynchronising only looks for the next
/// line starting with `@`). Sizes are capped by ``Limits``. After a framing
/// error it resynchronises on the next line that starts with `@` and marks
/// what it finds there ``FrameRecord/afterResync``, because that may be a fake
/// header inside a payload.
public struct FrameDecoder: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Bytes decoded at most; the rest is reported, not read.
        public var maxInputBytes = 64 * 1024 * 1024
        /// The largest payload a header may declare.
        public var maxRecordBytes = 16 * 1024 * 1024
        /// Records decoded at most.
        public var maxRecords = 1_000_000
        /// Errors recorded at most; decoding stops at the limit.
        public var maxErrors = 1000
        /// The longest header line, `@` to newline.
        public var maxHeaderLine = 512

        public init() {}
    }

    /// The first line of every version-1 stream.
    public static let streamHeader = "#kubectl-evidence frame v1"
    static let streamHeaderPrefix = "#kubectl-evidence frame "

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Decodes a log as the evidence container wrote it: the stream in
    /// base64 (see ``LogTransport``), or the stream as it is (older bundles).
    /// Offsets in framing errors are in the stream; an encoding error, first,
    /// has its offset in the log.
    public func decode(_ log: [UInt8]) -> DecodedFrames {
        decode(unwrapped(log))
    }

    /// The stream of `log`, unwrapped as ``decode(_:)`` reads it.
    public func unwrapped(_ log: [UInt8]) -> LogTransport.Unwrapped {
        LogTransport.unwrap(log, maxStreamBytes: limits.maxInputBytes + 1)
    }

    /// Decodes a stream already unwrapped by ``unwrapped(_:)``.
    public func decode(_ unwrapped: LogTransport.Unwrapped) -> DecodedFrames {
        var state = DecodeState(bytes: unwrapped.stream, limits: limits)
        state.run()
        var result = state.result
        if let problem = unwrapped.problem {
            result.errors.insert(problem, at: 0)
        }
        return result
    }
}

/// What ``FrameDecoder`` made of a stream.
public struct DecodedFrames: Sendable, Equatable {
    /// Every record in stream order, the trailer excepted.
    public var records: [FrameRecord] = []
    /// The trailer's counts, when the stream has a trailer.
    public var trailer: FrameTrailer?
    public var errors: [FrameError] = []

    /// True when the stream is incomplete: no trailer, or a record runs past the end.
    public var isTruncated: Bool { trailer == nil || errors.contains(where: \.meansTruncated) }
    /// The script's cut record, when it reached its output cap.
    public var cut: FrameRecord? { records.first(where: { $0.kind == .cut }) }
    /// True when the stream framed without a single problem and ends with a
    /// trailer whose counts match. (A cut stream can be intact: it says so itself.)
    public var isIntact: Bool { errors.isEmpty && trailer != nil }

    public func records(_ kind: FrameRecord.Kind) -> [FrameRecord] {
        records.filter { $0.kind == kind }
    }

    /// The first record with this kind and key.
    public func record(_ kind: FrameRecord.Kind, _ key: String) -> FrameRecord? {
        records.first(where: { $0.kind == kind && $0.key == key })
    }
}

private struct DecodeState {
    let bytes: [UInt8]
    let limits: FrameDecoder.Limits
    let end: Int
    var position = 0
    var resynced = false
    var stopped = false
    var seen: Set<String> = []
    /// Where each file record's key is in `result.records`, for `same` records.
    var files: [String: Int] = [:]
    var result = DecodedFrames()

    static let newline = UInt8(ascii: "\n")
    static let at = UInt8(ascii: "@")

    init(bytes: [UInt8], limits: FrameDecoder.Limits) {
        self.bytes = bytes
        self.limits = limits
        self.end = min(bytes.count, max(0, limits.maxInputBytes))
    }

    mutating func fail(_ offset: Int, _ problem: FrameError.Problem) {
        guard !stopped else { return }
        if result.errors.count >= limits.maxErrors - 1 {
            result.errors.append(FrameError(offset: offset, .limitReached("more than \(limits.maxErrors) problems; the output is not framed evidence")))
            stopped = true
            return
        }
        result.errors.append(FrameError(offset: offset, problem))
    }

    mutating func run() {
        if bytes.isEmpty {
            fail(0, .empty)
            return
        }
        if bytes.count > end {
            fail(end, .limitReached("the output is larger than \(limits.maxInputBytes) bytes; only that much was decoded"))
        }
        readStreamHeader()
        while !stopped && position < end {
            if result.records.count >= limits.maxRecords {
                fail(position, .limitReached("more than \(limits.maxRecords) records"))
                break
            }
            if bytes[position] != Self.at {
                let next = nextLineStartingWithAt(from: position)
                fail(position, .garbage(length: (next ?? end) - position))
                resynced = true
                position = next ?? end
                continue
            }
            if readRecord() { break }
        }
        if result.trailer == nil && !stopped && !result.errors.contains(where: { $0.problem == .truncated }) {
            fail(end, .truncated)
        }
    }

    /// The first line must be the version-1 header; anything else is reported
    /// and skipped up to the first line starting with `@`.
    mutating func readStreamHeader() {
        let probe = min(end, 128)
        let newline = bytes[0..<probe].firstIndex(of: Self.newline)
        let line = bytes[0..<(newline ?? probe)]
        if newline != nil, line.elementsEqual(FrameDecoder.streamHeader.utf8) {
            position = newline! + 1
            return
        }
        if line.starts(with: FrameDecoder.streamHeaderPrefix.utf8), newline != nil {
            fail(0, .unsupportedVersion(sanitisedExcerpt(line)))
            stopped = true
            return
        }
        fail(0, .missingStreamHeader(found: sanitisedExcerpt(line)))
        resynced = true
        position = bytes[0] == Self.at ? 0 : (nextLineStartingWithAt(from: 0) ?? end)
    }

    /// The index of the next `@` that starts a line, after `index`.
    func nextLineStartingWithAt(from index: Int) -> Int? {
        var i = index
        while i < end {
            guard let newline = bytes[i..<end].firstIndex(of: Self.newline) else { return nil }
            if newline + 1 < end && bytes[newline + 1] == Self.at { return newline + 1 }
            i = newline + 1
        }
        return nil
    }

    /// Reads the record at `position`; returns true when decoding is over.
    mutating func readRecord() -> Bool {
        let start = position
        let lineLimit = min(end, start + limits.maxHeaderLine)
        guard let newline = bytes[start..<lineLimit].firstIndex(of: Self.newline) else {
            if lineLimit == end {
                fail(start, .truncated)
                return true
            }
            fail(start, .badHeader(line: sanitisedExcerpt(bytes[start..<lineLimit]), reason: "no newline within \(limits.maxHeaderLine) bytes"))
            resync(after: start)
            return false
        }
        let header: (kind: String, key: String, length: Int)
        switch parseHeader(bytes[(start + 1)..<newline]) {
        case .failure(let reason):
            fail(start, .badHeader(line: sanitisedExcerpt(bytes[start..<newline]), reason: reason.text))
            resync(after: start)
            return false
        case .success(let parsed):
            header = parsed
        }
        let payloadStart = newline + 1
        let available = end - payloadStart
        if header.length > available {
            fail(start, .lengthPastEnd(key: header.key, declared: header.length, available: available))
            resync(after: start)
            return false
        }
        let payloadEnd = payloadStart + header.length
        if payloadEnd == end {
            fail(payloadEnd, .truncated)
            return true
        }
        if bytes[payloadEnd] != Self.newline {
            fail(payloadEnd, .missingTerminator(key: header.key))
            resync(after: start)
            return false
        }
        var kind = FrameRecord.Kind(rawValue: header.kind)
        var record = FrameRecord(kind: kind, key: header.key, payload: Array(bytes[payloadStart..<payloadEnd]),
                                 offset: start, afterResync: resynced)
        if kind == .same {
            // Resolved against the files decoded so far; a reference to
            // anything else is kept as an error, never guessed at.
            let reference = String(decoding: record.payload, as: UTF8.self)
            if let earlier = files[reference] {
                kind = .file
                record = FrameRecord(kind: .file, key: header.key, payload: result.records[earlier].payload,
                                     offset: start, afterResync: resynced)
            } else {
                fail(start, .badSameReference(key: header.key, reference: sanitisedExcerpt(record.payload[...])))
                kind = .error
                record = FrameRecord(kind: .error, key: header.key,
                                     payload: Array("resolve \(header.key): the stream names no earlier file \(sanitisedExcerpt(record.payload[...]))".utf8),
                                     offset: start, afterResync: resynced)
            }
        }
        position = payloadEnd + 1
        if kind == .end {
            readTrailer(record)
            return true
        }
        if !kind.isKnown { fail(start, .unknownKind(header.kind)) }
        if !seen.insert(kind.rawValue + " " + header.key).inserted {
            fail(start, .duplicateRecord(kind: kind.rawValue, key: header.key))
        }
        if kind == .file && files[header.key] == nil { files[header.key] = result.records.count }
        result.records.append(record)
        return false
    }

    mutating func resync(after start: Int) {
        resynced = true
        position = nextLineStartingWithAt(from: start) ?? end
    }

    mutating func readTrailer(_ record: FrameRecord) {
        if record.key != "trailer" {
            fail(record.offset, .badTrailer("key \(record.key)"))
        }
        guard let counts = parseTrailer(record.payload) else {
            fail(record.offset, .badTrailer(sanitisedExcerpt(record.payload[...])))
            return
        }
        result.trailer = counts
        if counts.records != result.records.count {
            fail(record.offset, .wrongRecordCount(declared: counts.records, decoded: result.records.count))
        }
        if counts.bytes != record.offset {
            fail(record.offset, .wrongByteCount(declared: counts.bytes, actual: record.offset))
        }
        if position < bytes.count {
            fail(position, .dataAfterTrailer(length: bytes.count - position))
        }
    }

    struct HeaderProblem: Error { var text: String }

    /// `kind key length`, each field as the format allows it.
    func parseHeader(_ line: ArraySlice<UInt8>) -> Result<(kind: String, key: String, length: Int), HeaderProblem> {
        let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard fields.count == 3 else {
            return .failure(HeaderProblem(text: "it has \(fields.count) space-separated fields instead of 3 (kind, key, length)"))
        }
        let kind = fields[0], key = fields[1], length = fields[2]
        guard (1...16).contains(kind.count), kind.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) else {
            return .failure(HeaderProblem(text: "the kind must be 1 to 16 lowercase letters"))
        }
        guard (1...255).contains(key.count), key.allSatisfy(Self.isKeyByte),
              key.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).allSatisfy(Self.isPathComponent) else {
            return .failure(HeaderProblem(text: "the key must be a relative path of 1 to 255 characters of A-Z a-z 0-9 . _ : / -, without empty, \".\" or \"..\" parts"))
        }
        guard let value = Self.decimal(length), value <= limits.maxRecordBytes else {
            return .failure(HeaderProblem(text: "the length must be a decimal number of bytes up to \(limits.maxRecordBytes)"))
        }
        return .success((String(decoding: kind, as: UTF8.self), String(decoding: key, as: UTF8.self), value))
    }

    static func isPathComponent(_ part: ArraySlice<UInt8>) -> Bool {
        !part.isEmpty && !part.elementsEqual(".".utf8) && !part.elementsEqual("..".utf8)
    }

    static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    /// A decimal number of 1 to 12 digits without leading zeros.
    static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        guard (1...12).contains(digits.count), digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        if digits.count > 1 && digits.first == UInt8(ascii: "0") { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// `records=<n> bytes=<m>`.
    func parseTrailer(_ payload: [UInt8]) -> FrameTrailer? {
        let fields = payload.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard fields.count == 2,
              fields[0].starts(with: "records=".utf8), fields[1].starts(with: "bytes=".utf8),
              let records = Self.decimal(fields[0].dropFirst(8)),
              let bytes = Self.decimal(fields[1].dropFirst(6)) else { return nil }
        return FrameTrailer(records: records, bytes: bytes)
    }
}
