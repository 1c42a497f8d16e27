/// One record of the in-pod script's framed output.
///
/// The stream (version 1), as `scripts/evidence-collect.sh` writes it:
///
///     #kubectl-evidence frame v1\n
///     @<kind> <key> <length>\n<length raw bytes>\n      (repeated)
///     @end trailer <length>\nrecords=<n> bytes=<m>\n    (last)
///
/// `kind` is one of ``Kind``; `key` is `[A-Za-z0-9._:/-]{1,255}` and built by
/// the script (pids are numbers, other parts come from the kernel or the
/// script), never free text from the pod; `length` is the exact decimal byte
/// count of the payload, which is raw and may hold NULs, newlines and fake
/// headers. No kind and key appear twice. The trailer counts the records
/// before it and the bytes before its header line, so a log cut anywhere is
/// detected.
public struct FrameRecord: Sendable, Equatable {
    public var kind: Kind
    public var key: String
    public var payload: [UInt8]
    /// Byte offset of the record's header line (its `@`) in the stream.
    public var offset: Int
    /// True when the record was found after a framing error, by looking for
    /// the next line starting with `@`: it may be a fake header inside a
    /// payload, so treat it as untrusted.
    public var afterResync: Bool

    public init(kind: Kind, key: String, payload: [UInt8], offset: Int, afterResync: Bool = false) {
        self.kind = kind
        self.key = key
        self.payload = payload
        self.offset = offset
        self.afterResync = afterResync
    }

    /// The payload as text, invalid UTF-8 replaced; for display, never for parsing.
    public var text: String { String(decoding: payload, as: UTF8.self) }

    /// The kind of a record. Unknown kinds decode (with an error) so that a
    /// newer script's stream still frames.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The bytes of a file as read; key = its path without the leading `/`.
        public static let file = Kind(rawValue: "file")
        /// A symlink's target; key = the link's path (`proc/<pid>/exe`, `…/ns/net`, `…/fd/3`).
        public static let link = Kind(rawValue: "link")
        /// A command's stdout; key = `cmd/<name>`.
        public static let cmd = Kind(rawValue: "cmd")
        /// A fact about the run: `script/*`, `self/pid`, `clock/*`, `proc/<pid>/fd`.
        public static let meta = Kind(rawValue: "meta")
        /// What could not be read and why; payload `<operation> <path>: <reason>`.
        public static let error = Kind(rawValue: "error")
        /// The output cap was reached; key = the first record left out.
        public static let cut = Kind(rawValue: "cut")
        /// The trailer, always last.
        public static let end = Kind(rawValue: "end")
        /// A file whose bytes are those of an earlier file record, named by
        /// its key in the payload (the script sends a process's cgroup file
        /// so when it is the same as the first one's: in a container it
        /// almost always is, and it is 1.4 KB on a cgroup v1 node). The
        /// decoder turns it into that ``file`` record's copy, so no reader
        /// ever sees this kind.
        public static let same = Kind(rawValue: "same")

        public static let known: Set<Kind> = [.file, .link, .cmd, .meta, .error, .cut, .end, .same]

        public var isKnown: Bool { Self.known.contains(self) }
        public var description: String { rawValue }
    }
}

/// The trailer's counts.
public struct FrameTrailer: Sendable, Equatable {
    /// Records before the trailer, as the script counted them.
    public var records: Int
    /// Bytes before the trailer's header line, as the script counted them.
    public var bytes: Int

    public init(records: Int, bytes: Int) {
        self.records = records
        self.bytes = bytes
    }
}
