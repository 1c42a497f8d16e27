/// How the kubelet turns a container's CRI log file into the body of `GET pods/{pod}/log`
/// (`ReadLogs` and its `logWriter` in pkg/kubelet/kuberuntime/logs), option by option:
///
/// - the content of each record, `F` records with their newline back, `P` pieces joined;
/// - `timestamps`: the record's time with nine fraction digits and a space before each line,
///   and only before the first piece of a line cut into `P` records;
/// - `sinceSeconds`/`sinceTime`: records older than that are left out;
/// - `limitBytes`: the response stops after that many bytes, timestamps included;
/// - `tailLines`: counts lines of the file, that is records, so a long line cut into pieces
///   is several lines, and the first piece served may be the middle of one.
struct ContainerLogWriter: Sendable {
    let timestamps: Bool
    let since: CRILogTime?
    /// Bytes `limitBytes` still allows; nil when there is no limit.
    private(set) var remaining: Int?
    /// Whether the next record starts a line of the container's (and gets a timestamp).
    private var atLineStart = true

    init(timestamps: Bool, since: CRILogTime?, limitBytes: Int?) {
        self.timestamps = timestamps
        self.since = since
        self.remaining = limitBytes
    }

    /// True once `limitBytes` is used up: the response is complete.
    var isDone: Bool { remaining.map { $0 <= 0 } ?? false }

    mutating func write(_ record: CRILogRecord, into out: inout [UInt8]) {
        let startsLine = atLineStart
        atLineStart = !record.partial || record.content.isEmpty
        guard !isDone else { return }
        if let since, record.time < since { return }
        var line: [UInt8] = []
        line.reserveCapacity(record.content.count + 32)
        if timestamps && startsLine {
            line.append(contentsOf: Array(record.time.rfc3339NanoFixed.utf8))
            line.append(0x20)
        }
        line.append(contentsOf: record.content)
        if !record.partial { line.append(0x0A) }
        if let room = remaining {
            if line.count > room { line.removeLast(line.count - room) }
            remaining = room - line.count
        }
        out.append(contentsOf: line)
    }

    /// Writes the records of a log file, from the first of its last `tailLines` lines (all when nil).
    mutating func write(file: [UInt8], tailLines: Int?, into out: inout [UInt8]) {
        var start = tailLines.map { ContainerLogWriter.tailStart(file, lines: $0) } ?? 0
        while start < file.count, !isDone {
            let end = file[start...].firstIndex(of: 0x0A).map { $0 + 1 } ?? file.count
            if let record = CRILogRecord.parse(file[start..<end]) { write(record, into: &out) }
            start = end
        }
    }

    /// The kubelet's `FindTailLineStartIndex`: where the last `n` lines of the file begin
    /// (the end of the file for 0; a last line without its newline does not count).
    static func tailStart(_ file: [UInt8], lines n: Int) -> Int {
        guard n > 0 else { return file.count }
        var count = 0
        var i = file.count
        // The file's own last newline ends the last line; it does not start one.
        if i > 0, file[i - 1] == 0x0A { i -= 1 }
        while i > 0 {
            if file[i - 1] == 0x0A {
                count += 1
                if count == n { return i }
            }
            i -= 1
        }
        return 0
    }
}
