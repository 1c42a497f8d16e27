/// One line of a container log file in the CRI logging format that containerd writes and
/// the kubelet reads back (`/var/log/pods/<ns>_<pod>_<uid>/<container>/0.log`):
///
///     2026-11-30T07:49:04.238927654Z stdout F out1
///     2026-11-30T07:49:05.242689884Z stdout P aaaa…   (16 KiB, the line goes on)
///
/// `F` ends a line the container wrote (its newline is the record's own); `P` is a piece of a
/// longer line, or the last bytes of a stream that ended without a newline.
struct CRILogRecord: Sendable, Equatable {
    enum Stream: String, Sendable {
        case stdout, stderr
    }

    var time: CRILogTime
    var stream: Stream
    var partial: Bool
    /// The bytes the container wrote, without the line's newline.
    var content: [UInt8]

    /// The record as a line of the file: containerd's timestamp (RFC3339Nano), stream, tag, content, newline.
    func frame(into out: inout [UInt8]) {
        out.append(contentsOf: Array(time.rfc3339Nano.utf8))
        out.append(0x20)
        out.append(contentsOf: Array(stream.rawValue.utf8))
        out.append(0x20)
        out.append(partial ? UInt8(ascii: "P") : UInt8(ascii: "F"))
        out.append(0x20)
        out.append(contentsOf: content)
        out.append(0x0A)
    }

    var framed: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(content.count + 48)
        frame(into: &out)
        return out
    }

    /// The kubelet's `parseCRILog` for one line of the file (its newline included or not);
    /// nil for a line that is not in the format (the kubelet skips those).
    static func parse(_ line: ArraySlice<UInt8>) -> CRILogRecord? {
        var rest = line
        if rest.last == 0x0A { rest = rest.dropLast() }
        guard let s1 = rest.firstIndex(of: 0x20), let time = CRILogTime.parseRFC3339(rest[..<s1]) else { return nil }
        rest = rest[(s1 + 1)...]
        guard let s2 = rest.firstIndex(of: 0x20), let stream = Stream(rawValue: String(decoding: rest[..<s2], as: UTF8.self)) else { return nil }
        rest = rest[(s2 + 1)...]
        guard let s3 = rest.firstIndex(of: 0x20) else { return nil }
        // Tags are `:`-separated and only the first one counts (forward compatible, as the kubelet reads them).
        let tags = rest[..<s3]
        let first = tags.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).first ?? tags
        let partial = first.elementsEqual([UInt8(ascii: "P")])
        return CRILogRecord(time: time, stream: stream, partial: partial, content: Array(rest[(s3 + 1)...]))
    }
}
