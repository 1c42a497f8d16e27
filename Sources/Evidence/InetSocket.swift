/// One line of `/proc/net/{tcp,tcp6,udp,udp6,raw,raw6}`, decoded, with the
/// processes whose fds hold it. Written to `sockets.json`.
public struct InetSocket: Sendable, Equatable, Codable {
    /// The table it came from: `tcp`, `tcp6`, `udp`, `udp6`, `raw`, `raw6`.
    public var table: String
    /// `tcp`, `udp` or `raw`.
    public var transport: String
    /// `ipv4` or `ipv6` (the table's family; see ``ipv4Mapped``).
    public var family: String
    /// Dotted IPv4, or RFC 5952 IPv6; an IPv4-mapped IPv6 address as IPv4.
    public var localAddress: String
    /// The port (for raw sockets: the IP protocol number).
    public var localPort: Int
    public var remoteAddress: String
    public var remotePort: Int
    /// True when the addresses were IPv4-mapped IPv6 (`::ffff:a.b.c.d`) shown as IPv4.
    public var ipv4Mapped: Bool
    /// The kernel's state name (``InetAddress/tcpStateName(_:)``) and number.
    public var state: String
    public var stateCode: Int
    /// `listener`, `connection` or `other` (see ``SocketTable``).
    public var role: Role
    public var uid: UInt64
    /// 0 for sockets no fd holds any more (TIME_WAIT and the like).
    public var inode: UInt64
    /// The processes and fds that hold this socket; empty when none was seen
    /// (inode 0, or fd links that could not be read: see the gaps).
    public var owners: [SocketOwner]

    public enum Role: String, Sendable, Equatable, Codable {
        case listener, connection, other
    }
}

/// A process fd that holds a socket.
public struct SocketOwner: Sendable, Equatable, Codable {
    public var pid: Int
    public var fd: Int
    /// The process's comm, escaped, for tables.
    public var comm: String?

    public init(pid: Int, fd: Int, comm: String?) {
        self.pid = pid
        self.fd = fd
        self.comm = comm
    }
}

/// One line of `/proc/net/unix`.
public struct UnixSocket: Sendable, Equatable, Codable {
    /// The bound path, escaped; abstract names start with `@` (the kernel
    /// prints their NULs as `@` too). nil for unbound sockets.
    public var path: String?
    public var abstract: Bool
    /// `stream`, `dgram`, `seqpacket`, or `type-<n>`.
    public var type: String
    /// `unconnected`, `connecting`, `connected`, `disconnecting`, or `state-<n>`.
    public var state: String
    /// True when the socket accepts connections (flag __SO_ACCEPTCON).
    public var listening: Bool
    public var inode: UInt64
    public var owners: [SocketOwner]
}
