/// Addresses of `/proc/net/{tcp,udp,raw}{,6}` as the kernel prints them: the
/// in-memory bytes of each 32-bit word printed as one hex number, so on a
/// little-endian machine each word's bytes come out reversed. IPv4 is one
/// word (`0100007F` = 127.0.0.1); IPv6 is four words, each in the same order
/// (`0000000000000000FFFF00000100007F` = ::ffff:127.0.0.1). Ports are 16 bits
/// in network order, printed as plain hex (`1F90` = 8080).
///
/// Kubernetes nodes are little-endian (amd64, arm64, ppc64le, s390x aside);
/// `littleEndian: false` reads a big-endian node's tables.
public enum InetAddress {
    /// A decoded `address:port`.
    public struct Endpoint: Sendable, Equatable {
        public var address: String
        public var port: Int
        /// True when an IPv6 address was IPv4-mapped (`::ffff:a.b.c.d`) and is shown as IPv4.
        public var ipv4Mapped: Bool
    }

    public enum Problem: Error, Equatable {
        case noColon, badAddress, badPort
    }

    /// `HEX:PORT` with 8 hex digits (IPv4) or 32 (IPv6).
    public static func endpoint(_ field: ArraySlice<UInt8>, ipv6: Bool, littleEndian: Bool = true) -> Result<Endpoint, Problem> {
        guard let colon = field.lastIndex(of: Bytes.colon) else { return .failure(.noColon) }
        let hex = field[..<colon], portHex = field[(colon + 1)...]
        guard let port = Bytes.hex(portHex, maxDigits: 4) else { return .failure(.badPort) }
        guard hex.count == (ipv6 ? 32 : 8) else { return .failure(.badAddress) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var i = hex.startIndex
        while i < hex.endIndex {
            guard let word = Bytes.hex(hex[i..<(i + 8)], maxDigits: 8) else { return .failure(.badAddress) }
            let w = UInt32(truncatingIfNeeded: word)
            let ordered = littleEndian ? w.byteSwapped : w
            bytes.append(UInt8(truncatingIfNeeded: ordered >> 24))
            bytes.append(UInt8(truncatingIfNeeded: ordered >> 16))
            bytes.append(UInt8(truncatingIfNeeded: ordered >> 8))
            bytes.append(UInt8(truncatingIfNeeded: ordered))
            i += 8
        }
        if !ipv6 { return .success(Endpoint(address: ipv4Text(bytes[...]), port: Int(port), ipv4Mapped: false)) }
        if bytes.prefix(10).allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return .success(Endpoint(address: ipv4Text(bytes[12...]), port: Int(port), ipv4Mapped: true))
        }
        return .success(Endpoint(address: ipv6Text(bytes), port: Int(port), ipv4Mapped: false))
    }

    static func ipv4Text(_ b: ArraySlice<UInt8>) -> String {
        b.map(String.init).joined(separator: ".")
    }

    /// RFC 5952: lowercase, no leading zeros, the longest run of two or more
    /// zero groups (the first, on a tie) as `::`.
    static func ipv6Text(_ b: [UInt8]) -> String {
        let groups = (0..<8).map { UInt16(b[2 * $0]) << 8 | UInt16(b[2 * $0 + 1]) }
        var bestStart = -1, bestLength = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLength && j - i >= 2 { bestStart = i; bestLength = j - i }
                i = j
            } else {
                i += 1
            }
        }
        func hex(_ range: Range<Int>) -> String { range.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    /// The kernel's TCP state names (include/net/tcp_states.h). UDP and raw
    /// sockets use the same numbers: 07 unconnected, 01 connected.
    public static func tcpStateName(_ code: Int) -> String {
        switch code {
        case 0x01: "ESTABLISHED"
        case 0x02: "SYN_SENT"
        case 0x03: "SYN_RECV"
        case 0x04: "FIN_WAIT1"
        case 0x05: "FIN_WAIT2"
        case 0x06: "TIME_WAIT"
        case 0x07: "CLOSE"
        case 0x08: "CLOSE_WAIT"
        case 0x09: "LAST_ACK"
        case 0x0A: "LISTEN"
        case 0x0B: "CLOSING"
        case 0x0C: "NEW_SYN_RECV"
        case 0x0D: "BOUND_INACTIVE"
        default: "UNKNOWN_\(String(code, radix: 16, uppercase: true))"
        }
    }
}
