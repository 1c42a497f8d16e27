import Collector
import Foundation

/// `-o -`: the bundle goes to standard output, to be piped to an upload
/// (`collect … -o - | aws s3 cp - s3://incidents/4211.tar.gz`).
///
/// The bundle is written as usual (to a temporary file, synced, renamed:
/// a crash never leaves half a bundle behind) and then copied to stdout in
/// one pass, so what the pipe receives is exactly the finished, hashed
/// bundle. If the reader goes away, the bundle is kept where it was written
/// and the error says where.
enum StandardOutputBundle {
    static let marker = "-"

    /// Where the bundle is written before it is copied to stdout.
    static func temporaryPath(runID: RunID) -> String {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return (directory as NSString).appendingPathComponent("kubectl-evidence-\(runID.value).tar.gz")
    }

    struct CopyFailure: Error, LocalizedError {
        var message: String
        var errorDescription: String? { message }
    }

    /// Copies the finished bundle at `path` to stdout and removes it. Returns its size.
    static func deliver(_ path: String) throws -> UInt64 {
        let input = open(path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            throw CopyFailure(message: "The bundle \(path) could not be opened to copy it to standard output: \(String(cString: strerror(errno))).")
        }
        defer { close(input) }
        // A reader that goes away must not kill the tool before it says where the bundle is.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var copied: UInt64 = 0
        while true {
            let count = read(input, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                throw CopyFailure(message: "Reading the bundle \(path) failed after \(copied) bytes: \(String(cString: strerror(errno))). The bundle is kept there.")
            }
            if count == 0 { break }
            var offset = 0
            while offset < count {
                let written = buffer[offset..<count].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else {
                    throw CopyFailure(message: "Standard output stopped taking the bundle after \(copied + UInt64(offset)) bytes (\(String(cString: strerror(errno)))): the reader went away. The whole bundle is kept at \(path).")
                }
                offset += written
            }
            copied += UInt64(count)
        }
        unlink(path)
        return copied
    }
}
