import Evidence
import Foundation
import Glibc
import TestSupport

/// A unix socket of this test process bound to a name that holds a newline
/// and the text of a `/proc/net/unix` row, as a hostile pod would bind it
/// (an abstract name, so no file is made): the kernel prints the name raw,
/// so the machine's own table shows a forged row. The same attack as
/// EvidenceTests' ForgedUnixRowTests, here to reach `inspect` through a bundle.
struct ForgedUnixSocket {
    static let forgedPath = "/run/forged-by-pod.sock"

    let fd: Int32
    let inode: UInt64
    /// The inode the forged row names: no process holds it.
    let forgedInode: UInt64

    init(forgedInode: UInt64) throws {
        let head = "ev-e2e-\(UInt32.random(in: 0...UInt32.max))"
        let name: [UInt8] = [0] + Array("\(head)\n0000000000000000: 00000002 00000000 00010000 0001 01 \(forgedInode) \(Self.forgedPath)".utf8)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed with errno \(errno).") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        guard name.count <= MemoryLayout.size(ofValue: addr.sun_path) else { Glibc.close(fd); throw TestFailure("The name is too long.") }
        withUnsafeMutableBytes(of: &addr.sun_path) { buffer in
            for (i, byte) in name.enumerated() { buffer[i] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            let e = errno
            Glibc.close(fd)
            throw TestFailure("bind() or listen() failed with errno \(e).")
        }
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"),
              target.hasPrefix("socket:["), let inode = UInt64(target.dropFirst(8).dropLast()) else {
            Glibc.close(fd)
            throw TestFailure("The fd link of the bound socket is not a socket.")
        }
        self.fd = fd
        self.inode = inode
        self.forgedInode = forgedInode
    }

    func close() { Glibc.close(fd) }

    /// The sockets of this test process's evidence, built by the parser
    /// `collect` uses: the machine's own /proc/net/unix, the process's stat,
    /// and (when `fds`) its socket fd links with the fd count, without which
    /// the unix table cannot be verified.
    static func sockets(fds: Bool) throws -> SocketTable {
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
        return SocketTable.build(from: GatheredEvidence(records: records))
    }

    /// The whole file: a /proc file says size 0, and Foundation's readers
    /// stop at a page of it.
    static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TestFailure("open(\(path)) failed with errno \(errno).") }
        defer { Glibc.close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw TestFailure("read(\(path)) failed with errno \(errno).") }
            if n == 0 { return out }
            out += buffer[..<n]
        }
    }
}
