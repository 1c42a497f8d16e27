import Foundation

/// Where `--html FILE` goes: checked as a bundle's path is (an empty name, a
/// missing directory, an existing file without --overwrite, anything that is
/// not a regular file are refused, a symbolic link included, so a report is
/// never written through a link), then written to a temporary file beside it
/// and renamed into place, so a reader never sees half a page.
enum ReportFile {
    static func write(_ text: String, to path: String, overwrite: Bool) throws {
        try BundleDestination.check(path, overwrite: overwrite, what: "report", flag: "--html")
        let temporary = path + ".partial-\(UUID().uuidString.prefix(8))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CommandFailure("The report \(path) could not be written: creating \(temporary) failed: \(String(cString: strerror(errno))).")
        }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                unlink(temporary)
                throw CommandFailure("The report \(path) could not be written: \(reason).")
            }
            offset += written
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CommandFailure("The report \(path) could not be put in place: \(reason).")
        }
    }
}
