/// Line parsers of the `/proc/net` socket tables. A line that does not parse
/// is a problem naming the table, the line number and the field; the other
/// lines are kept. The first line (column titles) is skipped when it starts
/// with `sl` or `Num`.
enum ProcNetTable {
    struct Parsed<Socket> {
        var sockets: [Socket] = []
        var leftOut = 0
    }

    static func tableLines(_ bytes: [UInt8], key: String, limits: EvidenceLimits, log: inout ProblemLog) -> [ArraySlice<UInt8>] {
        if bytes.count > limits.maxTableBytes {
            log.add(key, "\(key): the table is \(bytes.count) bytes; only the first \(limits.maxTableBytes) were read.")
        }
        let body = bytes.prefix(limits.maxTableBytes)
        return Bytes.lines(body, maxLines: limits.maxSocketsPerTable + 2)
    }

    static func isTitle(_ line: ArraySlice<UInt8>) -> Bool {
        let f = Bytes.fields(line.prefix(16))
        guard let first = f.first else { return false }
        return first.elementsEqual("sl".utf8) || first.elementsEqual("Num".utf8)
    }

    static func parseInet(_ bytes: [UInt8], table: String, limits: EvidenceLimits, log: inout ProblemLog) -> Parsed<InetSocket> {
        let key = "proc/net/\(table)"
        let ipv6 = table.hasSuffix("6")
        let transport = String(table.prefix(while: { $0 != "6" }))
        var out = Parsed<InetSocket>()
        let lines = tableLines(bytes, key: key, limits: limits, log: &log)
        for (n, line) in lines.enumerated() {
            if n == 0 && isTitle(line) { continue }
            if line.allSatisfy({ $0 == Bytes.space || $0 == Bytes.tab }) { continue }
            if out.sockets.count >= limits.maxSocketsPerTable { out.leftOut += 1; continue }
            let where_ = "\(key) line \(n + 1)"
            guard line.count <= limits.maxTableLineBytes else {
                log.add(key, "\(where_) is \(line.count) bytes long, not a socket line; it was skipped.")
                continue
            }
            let f = Bytes.fields(line)
            guard f.count >= 10 else {
                log.add(key, "\(where_) has \(f.count) fields, fewer than the 10 a socket line has (sl, local and remote address, state, queues, timer, retransmits, uid, timeout, inode): \"\(Bytes.text(line, limit: 80))\".")
                continue
            }
            guard f[0].last == Bytes.colon, case .success = Bytes.unsigned(f[0].dropLast()) else {
                log.add(key, "\(where_): the slot \"\(Bytes.text(f[0], limit: 20))\" is not \"<number>:\".")
                continue
            }
            // The fields between the state and the uid are hex (queues,
            // timer, retransmits) and the timeout is decimal: a line with a
            // field missing or added would otherwise move the uid and inode.
            guard isHexPair(f[4]), isHexPair(f[5]), Bytes.hex(f[6]) != nil, case .success = Bytes.signed(f[8]) else {
                log.add(key, "\(where_): the queues \"\(Bytes.text(f[4], limit: 30))\", timer \"\(Bytes.text(f[5], limit: 30))\", retransmits \"\(Bytes.text(f[6], limit: 30))\" or timeout \"\(Bytes.text(f[8], limit: 30))\" are not where a socket line has them (hex:hex, hex:hex, hex, decimal); the line was skipped.")
                continue
            }
            let local: InetAddress.Endpoint, remote: InetAddress.Endpoint
            switch (InetAddress.endpoint(f[1], ipv6: ipv6), InetAddress.endpoint(f[2], ipv6: ipv6)) {
            case (.success(let l), .success(let r)):
                local = l; remote = r
            case (.failure(let p), _):
                log.add(key, "\(where_): the local address \"\(Bytes.text(f[1], limit: 60))\" \(phrase(p, ipv6: ipv6)).")
                continue
            case (_, .failure(let p)):
                log.add(key, "\(where_): the remote address \"\(Bytes.text(f[2], limit: 60))\" \(phrase(p, ipv6: ipv6)).")
                continue
            }
            guard let state = Bytes.hex(f[3], maxDigits: 2) else {
                log.add(key, "\(where_): the state \"\(Bytes.text(f[3], limit: 20))\" is not a two-digit hex number.")
                continue
            }
            guard case .success(let uid) = Bytes.unsigned(f[7]) else {
                log.add(key, "\(where_): the uid \"\(Bytes.text(f[7], limit: 30))\" is not a decimal number.")
                continue
            }
            guard case .success(let inode) = Bytes.unsigned(f[9]) else {
                log.add(key, "\(where_): the inode \"\(Bytes.text(f[9], limit: 30))\" is not a decimal number.")
                continue
            }
            let code = Int(state)
            let role: InetSocket.Role
            switch transport {
            case "tcp": role = code == 0x0A ? .listener : .connection
            case "udp":
                role = code == 0x01 ? .connection : (code == 0x07 && local.port != 0 && remote.port == 0 ? .listener : .other)
            default: role = .other
            }
            out.sockets.append(InetSocket(
                table: table, transport: transport, family: ipv6 ? "ipv6" : "ipv4",
                localAddress: local.address, localPort: local.port, remoteAddress: remote.address, remotePort: remote.port,
                ipv4Mapped: local.ipv4Mapped || remote.ipv4Mapped,
                state: InetAddress.tcpStateName(code), stateCode: code, role: role, uid: uid, inode: inode, owners: []))
        }
        return out
    }

    /// `<hex>:<hex>`, as the queue and timer fields are.
    static func isHexPair(_ field: ArraySlice<UInt8>) -> Bool {
        guard let colon = field.firstIndex(of: Bytes.colon) else { return false }
        return Bytes.hex(field[..<colon]) != nil && Bytes.hex(field[(colon + 1)...]) != nil
    }

    static func phrase(_ p: InetAddress.Problem, ipv6: Bool) -> String {
        switch p {
        case .noColon: "is not \"<hex address>:<hex port>\""
        case .badAddress: "does not start with \(ipv6 ? 32 : 8) hex digits"
        case .badPort: "does not end with a port of 1 to 4 hex digits"
        }
    }

    /// One line of `/proc/net/unix` read as a row: the socket, and the raw
    /// bytes of its path as the kernel printed them.
    struct UnixRow {
        var socket: UnixSocket
        var rawPath: [UInt8]?
    }

    /// `Num RefCount Protocol Flags Type St Inode [Path]`; the path is the
    /// rest of the line after the inode and one space, and may hold spaces.
    /// A line that is not a row gives the sentence that says why.
    static func unixRow(_ line: ArraySlice<UInt8>, where where_: String, limits: EvidenceLimits) -> Result<UnixRow, EvidenceProblem> {
        let key = "proc/net/unix"
        func problem(_ message: String) -> Result<UnixRow, EvidenceProblem> { .failure(EvidenceProblem(key: key, message: message)) }
        guard line.count <= limits.maxTableLineBytes else {
            return problem("\(where_) is \(line.count) bytes long, not a socket line; it was skipped.")
        }
        // Split the first seven fields by hand so the path keeps its spaces.
        var fields: [ArraySlice<UInt8>] = []
        var i = line.startIndex
        while fields.count < 7 && i < line.endIndex {
            while i < line.endIndex && line[i] == Bytes.space { i += 1 }
            let start = i
            while i < line.endIndex && line[i] != Bytes.space { i += 1 }
            if start < i { fields.append(line[start..<i]) }
        }
        guard fields.count == 7 else {
            return problem("\(where_) has \(fields.count) fields, fewer than the 7 a unix socket line has (Num, RefCount, Protocol, Flags, Type, St, Inode): \"\(Bytes.text(line, limit: 80))\".")
        }
        guard fields[0].last == Bytes.colon, Bytes.hex(fields[0].dropLast(), maxDigits: 16) != nil else {
            return problem("\(where_): the first field \"\(Bytes.text(fields[0], limit: 30))\" is not a hex address followed by ':'.")
        }
        guard Bytes.hex(fields[1], maxDigits: 8) != nil, Bytes.hex(fields[2], maxDigits: 8) != nil else {
            return problem("\(where_): the reference count \"\(Bytes.text(fields[1], limit: 20))\" or protocol \"\(Bytes.text(fields[2], limit: 20))\" is not hex.")
        }
        guard let flags = Bytes.hex(fields[3], maxDigits: 8) else {
            return problem("\(where_): the flags \"\(Bytes.text(fields[3], limit: 20))\" are not hex.")
        }
        guard let type = Bytes.hex(fields[4], maxDigits: 4), let st = Bytes.hex(fields[5], maxDigits: 2) else {
            return problem("\(where_): the type \"\(Bytes.text(fields[4], limit: 20))\" or state \"\(Bytes.text(fields[5], limit: 20))\" is not hex.")
        }
        guard case .success(let inode) = Bytes.unsigned(fields[6]) else {
            return problem("\(where_): the inode \"\(Bytes.text(fields[6], limit: 30))\" is not a decimal number.")
        }
        var rawPath: [UInt8]?
        if i < line.endIndex {
            let raw = line[(i + 1 < line.endIndex ? i + 1 : line.endIndex)...]
            if !raw.isEmpty { rawPath = Array(raw) }
        }
        let path = rawPath.map { DisplayText.escape($0, limit: limits.maxNameBytes) }
        let typeName = switch type { case 1: "stream"; case 2: "dgram"; case 5: "seqpacket"; default: "type-\(type)" }
        let stateName = switch st { case 1: "unconnected"; case 2: "connecting"; case 3: "connected"; case 4: "disconnecting"; default: "state-\(st)" }
        return .success(UnixRow(
            socket: UnixSocket(path: path, abstract: path?.hasPrefix("@") ?? false, type: typeName, state: stateName,
                               listening: flags & 0x10000 != 0, inode: inode, owners: []),
            rawPath: rawPath))
    }
}
