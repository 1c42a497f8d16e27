extension DecodedFrames {
    /// The records the evidence is built from: every record but the trailer,
    /// and none found only after the decoder resynchronised (a payload may
    /// hold a fake header there). `collect`, `inspect` and `diff` build a
    /// pod's evidence from a log through this one mapping.
    public var gatheredEvidence: GatheredEvidence {
        GatheredEvidence(records: records.filter { !$0.afterResync && $0.kind != .end }.map { frame in
            EvidenceRecord(kind: EvidenceRecord.Kind(rawValue: frame.kind.rawValue) ?? .other, key: frame.key, payload: frame.payload)
        })
    }
}

extension EvidenceReport {
    /// The report of a log exactly as a bundle keeps it (`evidence.raw`): base64
    /// or a bare stream, decoded, mapped and built.
    public static func build(fromLog log: [UInt8], decoder: FrameDecoder = FrameDecoder()) -> EvidenceReport {
        build(from: decoder.decode(log).gatheredEvidence)
    }
}
