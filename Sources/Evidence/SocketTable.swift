/// The sockets of one pod's network namespace, as written to `sockets.json`.
///
/// Roles: a TCP socket in LISTEN is a listener; other TCP sockets are
/// connections. A UDP socket bound to a port and not connected (state 07,
/// remote port 0) is a listener; a connected one (01) is a connection. Raw
/// sockets and unbound UDP sockets are `other`.
public struct SocketTable: Sendable, Equatable, Codable {
    public var formatVersion: Int
    public var listeners: [InetSocket]
    public var connections: [InetSocket]
    public var other: [InetSocket]
    public var unix: [UnixSocket]
    /// Each `/proc/net` table: whether it was in the evidence, its entries,
    /// and those left out at the cap.
    public var tables: [TableInfo]
    /// Sockets with an inode that no gathered fd link holds: their owners are
    /// unknown (see ``gaps`` for fd links that could not be read).
    public var unownedSockets: Int
    /// How the rows of `/proc/net/unix` were told from text of a socket path
    /// (see ``UnixVerification``).
    public var unixVerification: UnixVerification
    /// What the tables say about the pod's own hand in them: forged rows,
    /// duplicate inodes, paths that may hide a newline.
    public var anomalies: [SocketAnomaly]
    public var problems: [EvidenceProblem]
    /// Gaps of area `sockets`: unreadable tables and fd links.
    public var gaps: [EvidenceGap]

    public struct TableInfo: Sendable, Equatable, Codable {
        public var name: String
        public var present: Bool
        public var entries: Int
        public var leftOut: Int
    }

    /// The kernel prints unix socket paths raw: a path holding a newline
    /// makes a line of its own, which can read like a socket row. A pod
    /// cannot forge which socket inodes its processes hold, so a row is
    /// checked against the fd links of every gathered process.
    public enum UnixVerification: String, Sendable, Equatable, Codable {
        /// Every process's fd links were read: a line whose inode no process
        /// holds, right after a bound socket whose path has room for it
        /// (108 bytes, the kernel's sun_path), was read as part of that path.
        case verified
        /// Some fd links were not read (no ptrace rights, a section left out,
        /// a process left out): rows are kept as the kernel printed them,
        /// and a path may hide a newline (see ``anomalies``).
        case unverifiable
        /// The evidence has no `/proc/net/unix`.
        case notGathered
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion, listeners, connections, other, unix, tables, unownedSockets, unixVerification, anomalies, problems, gaps
    }

    public init(formatVersion: Int, listeners: [InetSocket], connections: [InetSocket], other: [InetSocket], unix: [UnixSocket],
                tables: [TableInfo], unownedSockets: Int, unixVerification: UnixVerification = .notGathered,
                anomalies: [SocketAnomaly] = [], problems: [EvidenceProblem], gaps: [EvidenceGap]) {
        self.formatVersion = formatVersion
        self.listeners = listeners
        self.connections = connections
        self.other = other
        self.unix = unix
        self.tables = tables
        self.unownedSockets = unownedSockets
        self.unixVerification = unixVerification
        self.anomalies = anomalies
        self.problems = problems
        self.gaps = gaps
    }

    /// Bundles written before ``unixVerification`` and ``anomalies`` read as
    /// unverifiable with no anomalies.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            formatVersion: try c.decode(Int.self, forKey: .formatVersion),
            listeners: try c.decode([InetSocket].self, forKey: .listeners),
            connections: try c.decode([InetSocket].self, forKey: .connections),
            other: try c.decode([InetSocket].self, forKey: .other),
            unix: try c.decode([UnixSocket].self, forKey: .unix),
            tables: try c.decode([TableInfo].self, forKey: .tables),
            unownedSockets: try c.decode(Int.self, forKey: .unownedSockets),
            unixVerification: try c.decodeIfPresent(UnixVerification.self, forKey: .unixVerification) ?? .unverifiable,
            anomalies: try c.decodeIfPresent([SocketAnomaly].self, forKey: .anomalies) ?? [],
            problems: try c.decode([EvidenceProblem].self, forKey: .problems),
            gaps: try c.decode([EvidenceGap].self, forKey: .gaps))
    }

    public static let currentFormatVersion = 1
    public static let inetTables = ["tcp", "tcp6", "udp", "udp6", "raw", "raw6"]
}

/// Something in the socket tables that the pod under investigation may have
/// put there, said with the lines of the table it concerns.
public struct SocketAnomaly: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable {
        /// Two rows of `/proc/net/unix` name the same inode: one of them is
        /// text of a socket path made to look like a row.
        case ambiguousUnixTable = "ambiguous unix socket table"
        /// A line was read as part of the path of the socket before it: the
        /// path holds a newline.
        case unixPathWithNewline = "unix path with a newline"
        /// Fd links were missing, and rows follow a bound socket whose path
        /// could hold a newline: they may be text of that path, not sockets.
        case unverifiableUnixRows = "unverifiable unix rows"
    }

    public var kind: Kind
    /// A full sentence naming the lines and inodes, and what it means.
    public var message: String
    /// Line numbers in `proc/net/unix` (1 is the title line).
    public var lines: [Int]
    public var inodes: [UInt64]

    public init(kind: Kind, message: String, lines: [Int], inodes: [UInt64]) {
        self.kind = kind
        self.message = message
        self.lines = lines
        self.inodes = inodes
    }

    /// How much it says, on the scale namespace anomalies use, so that the
    /// manifest's summary, `inspect` and `diff` weigh a socket anomaly as they
    /// weigh a namespace anomaly of the same severity. A duplicate inode proves
    /// a forged row, and a line read as the rest of a socket's name means a
    /// process bound a name holding a newline (a row made to look like one):
    /// both are warnings. Rows that only may be text of a name, because the
    /// fd links that would tell were not read, are a hint: a pod gathered
    /// without ptrace rights has them with nothing wrong, and hints are shown
    /// but not counted.
    ///
    /// It follows from ``kind`` alone, so it is not stored: `sockets.json`
    /// carries it for readers, and a bundle that says otherwise is not believed.
    public var severity: NamespaceAnomaly.Severity {
        switch kind {
        case .ambiguousUnixTable, .unixPathWithNewline: .warning
        case .unverifiableUnixRows: .hint
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, severity, message, lines, inodes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try c.decode(Kind.self, forKey: .kind), message: try c.decode(String.self, forKey: .message),
                  lines: try c.decode([Int].self, forKey: .lines), inodes: try c.decode([UInt64].self, forKey: .inodes))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(severity, forKey: .severity)
        try c.encode(message, forKey: .message)
        try c.encode(lines, forKey: .lines)
        try c.encode(inodes, forKey: .inodes)
    }
}
