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
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        if executable {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: full)
        }
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
