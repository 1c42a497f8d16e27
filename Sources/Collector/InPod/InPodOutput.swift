import Evidence
/// What came back from one evidence container: its log checked against the
/// digest in its termination message, and decoded into records. The collector
/// keeps the raw log in the bundle either way; this says how far to trust it.
public struct InPodOutput: Sendable {
    public var verdict: OutputIntegrity.Verdict
    public var frames: DecodedFrames

    public init(log: [UInt8], terminationMessage: String?, decoder: FrameDecoder = FrameDecoder()) {
        verdict = OutputIntegrity.verify(log: log, terminationMessage: terminationMessage)
        frames = decoder.decode(log)
    }

    /// True when the log is the script's whole output, byte for byte, and
    /// frames without a problem. (It may still have been cut at the script's
    /// output cap; ``cut`` says so.)
    public var isTrustworthy: Bool { verdict.isVerified && frames.isIntact }

    /// The script's own note that it reached the output cap, in its words.
    public var cut: String? { frames.cut.map { sanitisedExcerpt($0.payload[...], limit: 512) } }

    /// Everything that makes this output incomplete or untrustworthy, as
    /// sentences for the user and the manifest; empty when there is nothing
    /// to say. The first few framing problems are listed, then a count.
    public var problems: [String] {
        var problems: [String] = []
        if !verdict.isVerified { problems.append(verdict.summary) }
        let shown = 5
        problems += frames.errors.prefix(shown).map(\.description)
        if frames.errors.count > shown {
            problems.append("\(frames.errors.count - shown) more framing problems were found in the evidence output.")
        }
        if let cut { problems.append("The in-pod script stopped at its output cap: \(cut).") }
        return problems
    }
}
