/// What containerd does with one output stream of a container (`redirectLogs` in its CRI
/// plugin): it cuts the bytes into lines and writes each as a record. Three of its habits
/// show in what `kubectl logs` gets back, and the lab keeps all three:
///
/// - A line waits until its newline arrives: a half-written line is in no record yet.
/// - A line longer than 16 KiB is written as 16 KiB `P` records, the rest as the last (`F`) one.
/// - Its line reader (Go's `bufio.Reader.ReadLine`) drops a `\r` before the newline, so
///   `a\r\n` comes back as `a\n`; a lone `\r` stays.
///
/// When the stream ends, the bytes after the last newline become one `P` record.
struct CRILogFramer: Sendable {
    /// containerd's `maxContainerLogLineSize` default: 16 KiB.
    static let maxLineSize = 16 * 1024

    let stream: CRILogRecord.Stream
    /// Bytes of the line being written, before its newline.
    private(set) var pending: [UInt8] = []

    init(stream: CRILogRecord.Stream) {
        self.stream = stream
    }

    /// The records that `bytes` complete, all stamped `time`.
    mutating func feed(_ bytes: some Collection<UInt8>, at time: CRILogTime) -> [CRILogRecord] {
        var records: [CRILogRecord] = []
        var lineStart = bytes.startIndex
        var i = bytes.startIndex
        while i != bytes.endIndex {
            if bytes[i] == 0x0A {
                pending.append(contentsOf: bytes[lineStart..<i])
                if pending.last == 0x0D { pending.removeLast() }
                cutLongLine(into: &records, at: time, keepingAtMost: CRILogFramer.maxLineSize)
                records.append(CRILogRecord(time: time, stream: stream, partial: false, content: pending))
                pending = []
                lineStart = bytes.index(after: i)
            }
            i = bytes.index(after: i)
        }
        pending.append(contentsOf: bytes[lineStart..<bytes.endIndex])
        // containerd writes a piece as soon as it holds more than 16 KiB of one line; a `\r`
        // at the end may still turn out to be half of a `\r\n`, so it waits for the next byte.
        let waiting = pending.last == 0x0D ? 1 : 0
        cutLongLine(into: &records, at: time, keepingAtMost: CRILogFramer.maxLineSize + waiting)
        return records
    }

    /// The stream ended: what is left of the last line, as a `P` record (containerd marks a
    /// line cut by the end of its stream partial); nothing when the stream ended on a newline.
    mutating func finish(at time: CRILogTime) -> [CRILogRecord] {
        defer { pending = [] }
        guard !pending.isEmpty else { return [] }
        var records: [CRILogRecord] = []
        cutLongLine(into: &records, at: time, keepingAtMost: CRILogFramer.maxLineSize)
        records.append(CRILogRecord(time: time, stream: stream, partial: true, content: pending))
        return records
    }

    private mutating func cutLongLine(into records: inout [CRILogRecord], at time: CRILogTime, keepingAtMost limit: Int) {
        var start = 0
        while pending.count - start > limit {
            let end = start + CRILogFramer.maxLineSize
            records.append(CRILogRecord(time: time, stream: stream, partial: true, content: Array(pending[start..<end])))
            start = end
        }
        // One shift for all the pieces: a line of megabytes must not cost a copy per piece.
        if start > 0 { pending.removeFirst(start) }
    }
}
