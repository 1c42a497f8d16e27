import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real HTTP CONNECT proxy on 127.0.0.1, as squid or a corporate egress
/// proxy answers: it reads `CONNECT host:port`, optionally demands
/// `Proxy-Authorization`, dials the target and relays bytes both ways.
/// On the same port it also speaks SOCKS5 without authentication (RFC 1928:
/// a connection that starts with the version byte 5), as `ssh -D` does.
/// It records each tunnel, so a test can prove the traffic went through it.
///
/// Plain POSIX sockets and one thread per tunnel: tests open a handful.
public final class ConnectProxy: @unchecked Sendable {
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }
    /// The same proxy as a SOCKS5 one.
    public var socksURL: String { "socks5://127.0.0.1:\(port)" }

    /// The `Proxy-Authorization` value required, e.g. "Basic dXNlcjpwYXNz"; nil for none.
    private let requiredAuthorization: String?
    private let listener: Int32
    private let lock = NSLock()
    private var targets: [String] = []
    private var refusals = 0
    private var open: Set<Int32> = []
    private var stopped = false

    /// Every `host:port` a tunnel was opened to, in order.
    public var tunnels: [String] { lock.withLock { targets } }
    /// Requests refused with 407 (missing or wrong credentials).
    public var authenticationRefusals: Int { lock.withLock { refusals } }

    public init(requiredAuthorization: String? = nil) throws {
        self.requiredAuthorization = requiredAuthorization
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProxyError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw ProxyError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.listener = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Closes the listener and every open tunnel.
    public func stop() {
        let fds: Set<Int32> = lock.withLock {
            stopped = true
            return open
        }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    deinit { stop() }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let admitted: Bool = lock.withLock {
                if stopped { return false }
                open.insert(client)
                return true
            }
            guard admitted else {
                close(client)
                return
            }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func forget(_ fd: Int32) {
        lock.withLock { _ = open.remove(fd) }
        close(fd)
    }

    private func serve(_ client: Int32) {
        defer { forget(client) }
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let first = read(client, &buffer, buffer.count)
        if first <= 0 { return }
        head.append(contentsOf: buffer[0..<first])
        if head[0] == 5 { return serveSOCKS5(client, head) }
        while !head.containsHeadEnd {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 || head.count > 16_384 { return }
            head.append(contentsOf: buffer[0..<n])
        }
        let split = head.headEnd!
        let text = String(decoding: head[..<split], as: UTF8.self)
        let leftover = Array(head[(split + 4)...])
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        guard requestLine.count == 3, requestLine[0] == "CONNECT" else {
            send(client, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        }
        if let required = requiredAuthorization {
            let given = lines.dropFirst().first { $0.lowercased().hasPrefix("proxy-authorization:") }
                .map { String($0.dropFirst("proxy-authorization:".count)).trimmingCharacters(in: .whitespaces) }
            guard given == required else {
                lock.withLock { refusals += 1 }
                send(client, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            }
        }
        let target = String(requestLine[1])
        guard let colon = target.lastIndex(of: ":"), let targetPort = Int(target[target.index(after: colon)...]) else {
            send(client, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        }
        let host = String(target[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard let upstream = dial(host: host, port: targetPort) else {
            send(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        }
        lock.withLock {
            targets.append(target)
            open.insert(upstream)
        }
        defer { forget(upstream) }
        send(client, "HTTP/1.1 200 Connection established\r\n\r\n")
        if !leftover.isEmpty { _ = writeAll(upstream, leftover) }
        relay(client, upstream)
    }

    /// SOCKS5, no authentication, CONNECT only: greeting, request, reply, relay.
    private func serveSOCKS5(_ client: Int32, _ start: [UInt8]) {
        var pending = start
        func take(_ count: Int) -> [UInt8]? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while pending.count < count {
                let n = read(client, &buffer, buffer.count)
                if n <= 0 { return nil }
                pending.append(contentsOf: buffer[0..<n])
            }
            defer { pending.removeFirst(count) }
            return Array(pending.prefix(count))
        }
        guard let greeting = take(2), let methods = take(Int(greeting[1])) else { return }
        guard methods.contains(0) else {
            _ = writeAll(client, [5, 0xFF])
            return
        }
        _ = writeAll(client, [5, 0])
        guard let request = take(4), request[0] == 5, request[1] == 1 else {
            _ = writeAll(client, [5, 7, 0, 1, 0, 0, 0, 0, 0, 0])
            return
        }
        let host: String
        switch request[3] {
        case 1:
            guard let a = take(4) else { return }
            host = a.map(String.init).joined(separator: ".")
        case 3:
            guard let length = take(1), let name = take(Int(length[0])) else { return }
            host = String(decoding: name, as: UTF8.self)
        default:
            _ = writeAll(client, [5, 8, 0, 1, 0, 0, 0, 0, 0, 0])
            return
        }
        guard let portBytes = take(2) else { return }
        let targetPort = Int(portBytes[0]) << 8 | Int(portBytes[1])
        guard let upstream = dial(host: host, port: targetPort) else {
            _ = writeAll(client, [5, 5, 0, 1, 0, 0, 0, 0, 0, 0])
            return
        }
        lock.withLock {
            targets.append("\(host):\(targetPort)")
            open.insert(upstream)
        }
        defer { forget(upstream) }
        _ = writeAll(client, [5, 0, 0, 1, 0, 0, 0, 0, 0, 0])
        if !pending.isEmpty { _ = writeAll(upstream, pending) }
        relay(client, upstream)
    }

    private func relay(_ a: Int32, _ b: Int32) {
        var fds = [pollfd(fd: a, events: Int16(POLLIN), revents: 0), pollfd(fd: b, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                return
            }
            for index in 0..<2 where fds[index].revents != 0 {
                let from = fds[index].fd
                let to = index == 0 ? b : a
                let n = read(from, &buffer, buffer.count)
                if n <= 0 { return }
                if !writeAll(to, Array(buffer[0..<n])) { return }
            }
        }
    }

    private func dial(host: String, port: Int) -> Int32? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
                close(fd)
            }
            entry = info.pointee.ai_next
        }
        return nil
    }

    private func send(_ fd: Int32, _ text: String) { _ = writeAll(fd, Array(text.utf8)) }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}

public struct ProxyError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension [UInt8] {
    fileprivate var headEnd: Int? {
        guard count >= 4 else { return nil }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 { return i }
        return nil
    }
    fileprivate var containsHeadEnd: Bool { headEnd != nil }
}
