import Evidence
import Foundation
import Testing

struct SocketParserTests {
    static let tcpTitle = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    static let tcp6Title = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

    static func evidence(_ files: [String: String]) -> GatheredEvidence {
        GatheredEvidence(records: files.sorted { $0.key < $1.key }.map { EvidenceRecord(kind: $0.key.contains("/fd/") ? .link : .file, key: $0.key, text: $0.value) })
    }

    @Test(arguments: [
        ("0100007F:1F90", false, "127.0.0.1", 8080, false),
        ("00000000:0016", false, "0.0.0.0", 22, false),
        ("0A01A8C0:D431", false, "192.168.1.10", 54321, false),
        ("00000000000000000000000000000000:1F90", true, "::", 8080, false),
        ("00000000000000000000000001000000:0035", true, "::1", 53, false),
        ("0000000000000000FFFF00000100007F:1F90", true, "127.0.0.1", 8080, true),
        ("B80D0120000000000000000001000000:01BB", true, "2001:db8::1", 443, false),
        ("000080FE00000000FF4D0E02F7A5C3FE:0222", true, "fe80::20e:4dff:fec3:a5f7", 546, false),
    ])
    func addressesInTheKernelsByteOrder(field: String, ipv6: Bool, address: String, port: Int, mapped: Bool) throws {
        let e = try InetAddress.endpoint(Array(field.utf8)[...], ipv6: ipv6).get()
        #expect(e.address == address && e.port == port && e.ipv4Mapped == mapped)
    }

    @Test(arguments: [
        ("0100007F1F90", false, InetAddress.Problem.noColon),
        ("0100007:1F90", false, .badAddress),
        ("ZZ00007F:1F90", false, .badAddress),
        ("0100007F:1F900", false, .badPort),
        ("0100007F:", false, .badPort),
        ("0100007F:1F90", true, .badAddress),
        ("0000000000000000FFFF00000100007G:1F90", true, .badAddress),
    ])
    func malformedAddressesAreRefused(field: String, ipv6: Bool, problem: InetAddress.Problem) {
        #expect(throws: problem) { _ = try InetAddress.endpoint(Array(field.utf8)[...], ipv6: ipv6).get() }
    }

    @Test func tcpStatesAndRoles() {
        #expect(InetAddress.tcpStateName(0x01) == "ESTABLISHED" && InetAddress.tcpStateName(0x0A) == "LISTEN")
        #expect(InetAddress.tcpStateName(0x0B) == "CLOSING" && InetAddress.tcpStateName(0x06) == "TIME_WAIT")
        #expect(InetAddress.tcpStateName(0xEE) == "UNKNOWN_EE")
        let e = Self.evidence([
            "proc/net/tcp": Self.tcpTitle
                + "   0: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 501 1 0 100 0 0 10 0\n"
                + "   1: 0100007F:9984 0100007F:1538 06 00000000:00000000 03:00001000 00000000     0        0 0 3 0\n"
                + "   2: ZZ00007F:9984 0100007F:1538 01 00000000:00000000 00:00000000 00000000     0        0 77 3 0\n"
                + "   3: 0100007F:9985 0100007F:1538 01 00000000:00000000 00:00000000 00000000     0\n",
            "proc/net/udp": Self.tcpTitle
                + "  10: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 502 2 0 0\n"
                + "  11: 0100007F:A000 0100007F:0035 01 00000000:00000000 00:00000000 00000000   101        0 503 2 0 0\n",
            "proc/1/fd/3": "socket:[501]",
            "proc/1/fd/4": "socket:[503]",
            "proc/1/stat": "1 (postgres) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 1 1",
        ])
        let table = SocketTable.build(from: e)
        #expect(table.listeners.map(\.localPort) == [5432, 53])
        #expect(table.listeners[0].owners == [SocketOwner(pid: 1, fd: 3, comm: "postgres")])
        #expect(table.listeners[0].uid == 999)
        #expect(table.connections.map(\.state) == ["TIME_WAIT", "ESTABLISHED"])
        #expect(table.connections[0].owners.isEmpty && table.connections[0].inode == 0)
        #expect(table.connections[1].owners.map(\.fd) == [4])
        #expect(table.unownedSockets == 1, "the UDP listener 502 is held by no fd of the evidence")
        #expect(table.problems.count == 2)
        #expect(table.problems.first?.message == "proc/net/tcp line 4: the local address \"ZZ00007F:9984\" does not start with 8 hex digits.")
        #expect(table.problems.last?.message.hasPrefix("proc/net/tcp line 5 has 8 fields, fewer than the 10 a socket line has") == true)
        #expect(table.tables.first { $0.name == "tcp6" }?.present == false)
    }

    @Test func unixSocketsKeepPathsWithSpacesAndAbstractNames() {
        let e = Self.evidence(["proc/net/unix": "Num       RefCount Protocol Flags    Type St Inode Path\n"
            + "0000000000000000: 00000002 00000000 00010000 0001 01 3001 /run/my app.sock\n"
            + "0000000000000000: 00000002 00000000 00000000 0002 01 3002 @evil\u{1B}[31m\n"
            + "0000000000000000: 00000003 00000000 00000000 0005 03 3003\n"
            + "zz: 00000003 00000000 00000000 0001 03 3004\n"])
        let table = SocketTable.build(from: e)
        #expect(table.unix.map(\.path) == ["/run/my app.sock", "@evil\\x1B[31m", nil])
        #expect(table.unix.map(\.listening) == [true, false, false])
        #expect(table.unix.map(\.type) == ["stream", "dgram", "seqpacket"])
        #expect(table.unix.map(\.state) == ["unconnected", "unconnected", "connected"])
        #expect(table.unix[1].abstract)
        #expect(table.problems.map(\.message) == ["proc/net/unix line 5: the first field \"zz:\" is not a hex address followed by ':'."])
    }

    @Test func theMachinesOwnSocketTablesParseWithoutProblems() throws {
        var files: [String: String] = [:]
        for name in ["tcp", "tcp6", "udp", "udp6", "raw", "raw6", "unix"] {
            files["proc/net/\(name)"] = try String(contentsOfFile: "/proc/net/\(name)", encoding: .utf8)
        }
        let table = SocketTable.build(from: Self.evidence(files))
        #expect(table.problems.isEmpty, "\(table.problems)")
        let lines = files.filter { $0.key != "proc/net/unix" }.values.reduce(0) { $0 + $1.split(separator: "\n").count - 1 }
        #expect(table.listeners.count + table.connections.count + table.other.count == lines)
        #expect(table.unix.count == files["proc/net/unix"]!.split(separator: "\n").count - 1)
    }

    @Test func tablesOverTheCapAreCutAndCounted() {
        var limits = EvidenceLimits()
        limits.maxSocketsPerTable = 100
        var text = Self.tcpTitle
        for i in 0..<250 { text += "   \(i): 0100007F:\(String(1000 + i, radix: 16)) 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 \(i + 1) 1 0\n" }
        let table = SocketTable.build(from: Self.evidence(["proc/net/tcp": text]), options: EvidenceOptions(limits: limits))
        #expect(table.listeners.count == 100)
        #expect(table.tables.first { $0.name == "tcp" }?.leftOut ?? 0 > 0)
    }
}
