import Foundation

/// A private directory under /tmp (mode 0700, made by mkdtemp) for one test's
/// files: kubeconfigs, certificates, plugin scripts, a sandbox's scenario.
/// Removed by ``remove()`` or when the last reference goes away; a test that
/// only keeps paths to it holds the directory with `defer { dir.remove() }`.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(prefix: String = "test") throws {
        var template = Array("/tmp/kubectl-evidence-\(prefix).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestFailure("Cannot create a temporary directory under /tmp: \(String(cString: strerror(errno))).")
        }
        path = String(cString: made)
    }

    /// Writes `text` at `relativePath` (directories made as needed) and returns the full path.
    @discardableResult
    public func write(_ relativePath: String, _ text: String, executable: Bool = false) throws -> String {
        let full = path + "/" + relativePath
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // O_CLOEXEC: a plugin script is executed right after it is written, while other tests
        // spawn processes (some of which leave children running); a child that inherited the
        // write descriptor would make every exec of the script fail with ETXTBSY.
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, executable ? 0o755 : 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Foundation.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        if executable { fchmod(fd, 0o755) }
        return full
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit {
        remove()
    }
}
