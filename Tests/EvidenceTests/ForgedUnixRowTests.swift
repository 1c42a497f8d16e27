import Evidence
import Foundation
import Glibc
import Testing

/// A pod binds a unix socket whose name holds a newline and the text of a
/// row: the kernel prints it raw in /proc/net/unix, so the name reads as two
/// lines. These tests bind such sockets for real (abstract names, no file)
/// and read the machine's own /proc/net/unix and /proc/self/fd.
@Suite(.serialized)
struct ForgedUnixRowTests {
    static let forgedPath = "/run/forged-by-pod.sock"

    /// A listening abstract unix socket bound to `name` (without the leading
    /// NUL); closed by ``close()``.
    struct BoundSocket {
        var fd: Int32
        var inode: UInt64

        init(abstract name: [UInt8]) throws {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure("socket: errno \(errno)") }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let bytes: [UInt8] = [0] + name
            guard bytes.count <= MemoryLayout.size(ofValue: addr.sun_path) else { throw Failure("name too long") }
            withUnsafeMutableBytes(of: &addr.sun_path) { buf in
                for (i, b) in bytes.enumerated() { buf[i] = b }
            }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard rc == 0, listen(fd, 1) == 0 else { let e = errno; Glibc.close(fd); throw Failure("bind/listen: errno \(e)") }
            self.fd = fd
            do { inode = try Self.inode(of: fd) } catch { Glibc.close(fd); throw error }
        }

        static func inode(of fd: Int32) throws -> UInt64 {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
            guard target.hasPrefix("socket:["), let n = UInt64(target.dropFirst(8).dropLast()) else { throw Failure("fd \(fd) is \(target)") }
            return n
        }

        func close() { Glibc.close(fd) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// A name whose second line is a listening row of `inode` bound to
    /// ``forgedPath``, as the kernel would print it.
    static func hostileName(forgedInode inode: UInt64) -> (name: [UInt8], shown: String) {
        let head = "ev-\(UInt32.random(in: 0...UInt32.max))"
        let forged = "0000000000000000: 00000002 00000000 00010000 0001 01 \(inode) \(forgedPath)"
        return (Array("\(head)\n\(forged)".utf8), "@\(head)\\n\(forged)")
    }

    /// The evidence of this test process: the machine's /proc/net/unix, its
    /// stat, and (when `fds`) its socket fd links with the fd count.
    static func evidence(fds: Bool) throws -> GatheredEvidence {
        let pid = Int(getpid())
        var records = [
            EvidenceRecord(kind: .file, key: "proc/net/unix", payload: try readAll("/proc/net/unix")),
            EvidenceRecord(kind: .file, key: "proc/\(pid)/stat", payload: try readAll("/proc/self/stat")),
        ]
        if fds {
            let names = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
            var sockets = 0
            for name in names {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)"),
                      target.hasPrefix("socket:[") else { continue }
                sockets += 1
                records.append(EvidenceRecord(kind: .link, key: "proc/\(pid)/fd/\(name)", text: target))
            }
            records.append(EvidenceRecord(kind: .meta, key: "proc/\(pid)/fd", text: "fds=\(names.count) sockets=\(sockets) unreadable=0"))
        }
        return GatheredEvidence(records: records)
    }

    /// The whole file: a /proc file says size 0, and Foundation's readers
    /// stop at a page of it.
    static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure("open \(path): errno \(errno)") }
        defer { Glibc.close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw Failure("read \(path): errno \(errno)") }
            if n == 0 { return out }
            out += buf[..<n]
        }
    }

    @Test func aForgedRowIsReadAsTheRestOfTheRealSocketsPath() throws {
        let forgedInode: UInt64 = 3_999_999_999
        let (name, shown) = Self.hostileName(forgedInode: forgedInode)
        let real = try BoundSocket(abstract: name)
        defer { real.close() }
        let table = SocketTable.build(from: try Self.evidence(fds: true))
        #expect(table.unixVerification == .verified)
        #expect(!table.unix.contains { $0.inode == forgedInode }, "the forged row is not a socket")
        #expect(!table.unix.contains { $0.path == Self.forgedPath })
        let mine = try #require(table.unix.first { $0.inode == real.inode })
        #expect(mine.path == shown, "the real socket's path is whole, its newline escaped")
        #expect(mine.abstract && mine.listening)
        #expect(mine.owners.map(\.pid) == [Int(getpid())] && mine.owners.map(\.fd) == [Int(real.fd)])
        let anomaly = try #require(table.anomalies.first { $0.kind == .unixPathWithNewline && $0.inodes.first == real.inode })
        #expect(anomaly.inodes == [real.inode, forgedInode])
        #expect(anomaly.lines.count == 2 && anomaly.lines[1] == anomaly.lines[0] + 1)
        #expect(!table.anomalies.contains { $0.kind == .ambiguousUnixTable }, "\(table.anomalies)")
    }

    @Test func aForgedRowWithTheInodeOfARealSocketIsAnAmbiguousTable() throws {
        let target = try BoundSocket(abstract: Array("ev-target-\(getpid())-\(UInt16.random(in: 0...9999))".utf8))
        defer { target.close() }
        let (name, _) = Self.hostileName(forgedInode: target.inode)
        let real = try BoundSocket(abstract: name)
        defer { real.close() }
        let table = SocketTable.build(from: try Self.evidence(fds: true))
        let rows = table.unix.filter { $0.inode == target.inode }
        #expect(rows.count == 2, "a row whose inode a process holds is kept, forged or not")
        let anomaly = try #require(table.anomalies.first { $0.kind == .ambiguousUnixTable && $0.inodes == [target.inode] })
        #expect(anomaly.lines.count == 2 && anomaly.lines[0] != anomaly.lines[1])
        #expect(anomaly.message.contains("lines \(anomaly.lines[0]) and \(anomaly.lines[1]) both name inode \(target.inode)"))
    }

    @Test func withoutFdLinksTheTableIsUnverifiableAndTheSuspectRowIsNamed() throws {
        let forgedInode: UInt64 = 3_999_999_998
        let (name, _) = Self.hostileName(forgedInode: forgedInode)
        let real = try BoundSocket(abstract: name)
        defer { real.close() }
        let table = SocketTable.build(from: try Self.evidence(fds: false))
        #expect(table.unixVerification == .unverifiable)
        let mine = try #require(table.unix.first { $0.inode == real.inode })
        let forged = try #require(table.unix.first { $0.inode == forgedInode }, "without fd links the row cannot be told from a socket")
        #expect(forged.path == Self.forgedPath)
        #expect(mine.path?.hasSuffix("\\n") == false)
        let anomaly = try #require(table.anomalies.first { $0.kind == .unverifiableUnixRows })
        #expect(anomaly.inodes.contains(forgedInode))
        #expect(anomaly.message.contains("the fd links of process \(getpid()) were not gathered"))
    }

    // The summary in the manifest is where a user sees a pod's anomalies at a
    // glance: a forged row must count there as a namespace warning does.

    @Test func aForgedRowIsAWarningTheManifestSummaryCountsAndSays() throws {
        let forgedInode: UInt64 = 3_999_999_997
        let (name, _) = Self.hostileName(forgedInode: forgedInode)
        let real = try BoundSocket(abstract: name)
        defer { real.close() }
        let report = EvidenceReport.build(from: try Self.evidence(fds: true))
        let anomaly = try #require(report.sockets.anomalies.first { $0.kind == .unixPathWithNewline && $0.inodes.first == real.inode })
        #expect(anomaly.severity == .warning)
        #expect(report.summary.anomalyMessages.contains(anomaly.message), "\(report.summary.anomalyMessages)")
        // Other sockets of the machine may be read the same way; each counts.
        let warnings = report.sockets.anomalies.filter { $0.kind == .unixPathWithNewline || $0.kind == .ambiguousUnixTable }.count
        let namespaceAnomalies = report.namespaces.anomalies.filter { $0.severity != .hint }.count
        #expect(report.summary.anomalies == namespaceAnomalies + warnings)
        #expect(report.summary.anomalies >= 1)
        // sockets.json says the severity the summary counted it with.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(EvidenceJSON.encode(report.sockets))) as? [String: Any])
        let encoded = try #require((json["anomalies"] as? [[String: Any]])?.first { ($0["inodes"] as? [Int])?.first == Int(real.inode) })
        #expect(encoded["severity"] as? String == "warning")
        #expect(try JSONDecoder().decode(SocketTable.self, from: Data(EvidenceJSON.encode(report.sockets))) == report.sockets)
    }

    @Test func aDuplicateInodeIsAWarningTheManifestSummaryCountsAndSays() throws {
        let target = try BoundSocket(abstract: Array("ev-target-\(getpid())-\(UInt16.random(in: 0...9999))".utf8))
        defer { target.close() }
        let (name, _) = Self.hostileName(forgedInode: target.inode)
        let real = try BoundSocket(abstract: name)
        defer { real.close() }
        let report = EvidenceReport.build(from: try Self.evidence(fds: true))
        let anomaly = try #require(report.sockets.anomalies.first { $0.kind == .ambiguousUnixTable && $0.inodes == [target.inode] })
        #expect(anomaly.severity == .warning)
        #expect(report.summary.anomalyMessages.contains(anomaly.message))
        #expect(report.summary.anomalies >= report.namespaces.anomalies.filter { $0.severity != .hint }.count + 1)
    }

    @Test func unverifiableRowsAreAHintTheSummarySaysButDoesNotCount() throws {
        let forgedInode: UInt64 = 3_999_999_996
        let (name, _) = Self.hostileName(forgedInode: forgedInode)
        let real = try BoundSocket(abstract: name)
        defer { real.close() }
        let report = EvidenceReport.build(from: try Self.evidence(fds: false))
        #expect(report.sockets.unixVerification == .unverifiable)
        let anomaly = try #require(report.sockets.anomalies.first { $0.kind == .unverifiableUnixRows })
        #expect(anomaly.inodes.contains(forgedInode))
        #expect(anomaly.severity == .hint)
        #expect(report.summary.anomalyMessages.contains(anomaly.message), "a hint is said, as a namespace hint is")
        let warnings = report.sockets.anomalies.filter { $0.kind != .unverifiableUnixRows }.count
        #expect(report.summary.anomalies == report.namespaces.anomalies.filter { $0.severity != .hint }.count + warnings,
                "a hint is not counted")
    }

    static let unixTitle = "Num       RefCount Protocol Flags    Type St Inode Path\n"
    static func fdEvidence(_ unix: String, fds: [Int: UInt64], meta: Bool = true) -> GatheredEvidence {
        var records = [EvidenceRecord(kind: .file, key: "proc/net/unix", text: unix),
                       EvidenceRecord(kind: .file, key: "proc/7/stat", text: "7 (app) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 1 1")]
        for (fd, inode) in fds { records.append(EvidenceRecord(kind: .link, key: "proc/7/fd/\(fd)", text: "socket:[\(inode)]")) }
        if meta { records.append(EvidenceRecord(kind: .meta, key: "proc/7/fd", text: "fds=\(fds.count) sockets=\(fds.count) unreadable=0")) }
        return GatheredEvidence(records: records)
    }

    @Test func theKernelsPathLimitBoundsAContinuation() {
        // 1: title; 2: a bound socket with a long path; 3: an unowned row that
        // would not fit in 108 bytes with it, so a socket of another container.
        let long = "/run/" + String(repeating: "a", count: 60)
        let e = Self.fdEvidence(Self.unixTitle
            + "0000000000000000: 00000002 00000000 00010000 0001 01 100 \(long)\n"
            + "0000000000000000: 00000002 00000000 00010000 0001 01 200 /run/sidecar.sock\n"
            + "0000000000000000: 00000002 00000000 00010000 0001 01 300 @a\n"
            + "tail text\n"
            + "0000000000000000: 00000003 00000000 00000000 0001 03 400\n", fds: [3: 100, 4: 300])
        let table = SocketTable.build(from: e)
        #expect(table.unixVerification == .verified)
        #expect(table.unix.map(\.inode) == [100, 200, 300])
        #expect(table.unix.map(\.path) == [long, "/run/sidecar.sock", "@a\\ntail text\\n0000000000000000: 00000003 00000000 00000000 0001 03 400"])
        #expect(table.problems.isEmpty, "\(table.problems)")
        #expect(table.unownedSockets == 1)
    }

    @Test func aLineThatIsNoRowAndFitsNowhereIsStillAProblem() {
        let e = Self.fdEvidence(Self.unixTitle
            + "0000000000000000: 00000003 00000000 00000000 0001 03 400\n"
            + "garbage\n", fds: [3: 400])
        let table = SocketTable.build(from: e)
        #expect(table.unix.map(\.inode) == [400])
        #expect(table.problems.map(\.message) == ["proc/net/unix line 3 has 1 fields, fewer than the 7 a unix socket line has (Num, RefCount, Protocol, Flags, Type, St, Inode): \"garbage\"."])
    }

    @Test func aMalformedInetLineCannotShiftTheUidAndInode() {
        let e = SocketParserTests.evidence([
            "proc/net/tcp": SocketParserTests.tcpTitle
                // tx_queue:rx_queue left out: uid would read 0 and inode 0 (the ref count) without the check.
                + "   0: 00000000:1538 00000000:0000 0A 00:00000000 00000000   999        0 501 1 0 100 0 0 10 0\n"
                // an extra field after the state.
                + "   1: 00000000:1539 00000000:0000 0A 7 00000000:00000000 00:00000000 00000000   999        0 502 1 0 100 0 0 10 0\n"
                + "   2: 00000000:153A 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 503 1 0 100 0 0 10 0\n",
        ])
        let table = SocketTable.build(from: e)
        #expect(table.listeners.map(\.inode) == [503])
        #expect(table.listeners.map(\.uid) == [999])
        #expect(table.problems.count == 2, "\(table.problems)")
        #expect(table.problems.allSatisfy { $0.message.contains("are not where a socket line has them") })
    }
}
