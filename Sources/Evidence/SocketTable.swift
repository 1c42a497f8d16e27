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
    public var problems: [EvidenceProblem]
    /// Gaps of area `sockets`: unreadable tables and fd links.
    public var gaps: [EvidenceGap]

    public struct TableInfo: Sendable, Equatable, Codable {
        public var name: String
        public var present: Bool
        public var entries: Int
        public var leftOut: Int
    }

    public static let currentFormatVersion = 1
    public static let inetTables = ["tcp", "tcp6", "udp", "udp6", "raw", "raw6"]
}
