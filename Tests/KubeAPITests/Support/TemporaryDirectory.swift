import Foundation

/// A fresh directory per test, for kubeconfigs, certificates and plugin scripts.
struct TemporaryDirectory {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kubeapi-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    @discardableResult
    func write(_ relativePath: String, _ text: String, executable: Bool = false) throws -> String {
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

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

extension String {
    /// The base64 of this text's UTF-8, as kubeconfig `-data` fields hold it.
    var base64: String { Data(utf8).base64EncodedString() }
}
