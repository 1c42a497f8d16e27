/// What the in-pod script gathered, in a form that owes nothing to how it was
/// carried: the Collector maps its decoded frames into this, tests build it
/// from /proc directly. Everything in it came out of a pod and is hostile.
public struct GatheredEvidence: Sendable, Equatable {
    public var records: [EvidenceRecord]

    public init(records: [EvidenceRecord]) {
        self.records = records
    }
}

/// One record: a file's bytes, a link's target, a command's output, a fact
/// about the run, an error, or the note that the output cap was reached.
public struct EvidenceRecord: Sendable, Equatable {
    public var kind: Kind
    /// The script's key, e.g. `proc/42/stat`, `proc/42/ns/net`, `proc/net/tcp6`.
    public var key: String
    public var payload: [UInt8]

    public init(kind: Kind, key: String, payload: [UInt8]) {
        self.kind = kind
        self.key = key
        self.payload = payload
    }

    public init(kind: Kind, key: String, text: String) {
        self.init(kind: kind, key: key, payload: Array(text.utf8))
    }

    /// The record kinds of the frame format (see scripts/evidence-collect.sh).
    /// Kinds a newer script may add arrive as ``other`` and are ignored.
    public enum Kind: String, Sendable, Equatable, Codable {
        case file, link, cmd, meta, error, cut, other
    }
}
