import Evidence

/// Masks the secret values in the command lines an evidence container read
/// (`file proc/<pid>/cmdline` records), in the log itself, so that
/// evidence.raw and everything parsed from it (processes.json, inspect,
/// `--explode`) show the same masked argv.
///
/// Masking keeps every length (``ArgvRedaction``), so the stream frames as the
/// script framed it and only the base64 groups holding masked bytes change
/// (``LogTransport/patch(_:stream:ranges:)``). The in-pod digest was checked on
/// the log as read, before this; the manifest lists each mask, and says the
/// digest covered the unmasked log.
public enum EvidenceLogRedaction {
    /// The masked log, what was masked, and the log's records (masked too), so
    /// that the caller does not decode the log a second time.
    public static func redact(_ log: [UInt8], decoder: FrameDecoder = FrameDecoder())
        -> (log: [UInt8], findings: [RedactionFinding], frames: DecodedFrames)
    {
        var unwrapped = decoder.unwrapped(log)
        var frames = decoder.decode(unwrapped)
        var findings: [RedactionFinding] = []
        var changed: [Range<Int>] = []
        for index in frames.records.indices where frames.records[index].kind == .file && isCmdline(frames.records[index].key) {
            let record = frames.records[index]
            guard let payloadStart = payloadStart(of: record, in: unwrapped.stream) else { continue }
            let payload = record.payload
            var arguments = payload.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
            let trailingNUL = payload.last == 0
            if trailingNUL { arguments.removeLast() }
            let (redacted, masked) = ArgvRedaction.redact(arguments)
            guard !masked.isEmpty else { continue }
            var rebuilt = Array(redacted.joined(separator: [0]))
            if trailingNUL { rebuilt.append(0) }
            guard rebuilt.count == payload.count else { continue }  // never reframe
            for i in rebuilt.indices where rebuilt[i] != payload[i] {
                unwrapped.stream[payloadStart + i] = rebuilt[i]
                changed.append((payloadStart + i)..<(payloadStart + i + 1))
            }
            frames.records[index].payload = rebuilt
            for mask in masked {
                findings.append(RedactionFinding(location: "\(record.key) argv[\(mask.index)]", rule: mask.rule.rawValue))
            }
        }
        guard !changed.isEmpty else { return (log, [], frames) }
        return (LogTransport.patch(log, masked: unwrapped, ranges: changed), findings, frames)
    }

    static func isCmdline(_ key: String) -> Bool {
        let parts = key.split(separator: "/")
        return parts.count == 3 && parts[0] == "proc" && parts[2] == "cmdline"
    }

    /// Where the record's payload starts in the stream: after its header line.
    /// nil unless the bytes there are exactly the decoded payload.
    static func payloadStart(of record: FrameRecord, in stream: [UInt8]) -> Int? {
        guard record.offset < stream.count, let newline = stream[record.offset...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let start = newline + 1
        guard start + record.payload.count <= stream.count, Array(stream[start..<(start + record.payload.count)]) == record.payload else { return nil }
        return start
    }
}
