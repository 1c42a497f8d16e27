import CArchive

/// libarchive's reading side, for one bundle read as a stream.
///
/// Only gzip and tar (ustar, pax, GNU) are enabled, not `support_*_all`: a
/// bundle is always a tar.gz, every other format is parser surface a hostile
/// file could aim at, and some of libarchive's "all" filters run external
/// programs (lrzip, lzop, grzip). An uncompressed tar is also accepted.
/// Freed in `deinit`. Not thread-safe; one pass of one reader owns it.
final class ArchiveReadHandle {
    private let archive: OpaquePointer
    /// The bundle's path, for messages.
    let file: String

    init(file: String) throws {
        guard let archive = archive_read_new() else {
            throw BundleError(.archive, "libarchive could not allocate a reader for \(file) (out of memory?).")
        }
        self.archive = archive
        self.file = file
        try check(archive_read_support_filter_gzip(archive), "enable gzip")
        try check(archive_read_support_format_tar(archive), "enable tar")
        try check(archive_read_open_filename(archive, file, 64 * 1024), "open it")
    }

    deinit {
        archive_read_free(archive)
    }

    /// The next entry's header, or `nil` at the end of the archive.
    /// `previous` names the entry before, for messages about a cut archive.
    func nextHeader(after previous: String?) throws -> OpaquePointer? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(archive, &entry)
        if status == CARCHIVE_ARCHIVE_EOF { return nil }
        if status < CARCHIVE_ARCHIVE_WARN {
            let place = previous.map { "after the entry \($0)" } ?? "at its first entry"
            throw BundleError(.archive, "Could not read the bundle \(file) \(place): \(errorText()). The file is damaged, cut short, or not a tar.gz.")
        }
        return entry
    }

    /// Reads the current entry's next bytes into `buffer`; 0 at its end.
    func readData(into buffer: UnsafeMutableRawBufferPointer, entry: String) throws -> Int {
        while true {
            let count = archive_read_data(archive, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if Int32(count) == CARCHIVE_ARCHIVE_RETRY { continue }
            throw BundleError(.archive, "Could not read the data of \(entry) in the bundle \(file): \(errorText()). The file is damaged or cut short.")
        }
    }

    private func check(_ status: Int32, _ action: String) throws {
        if status >= CARCHIVE_ARCHIVE_WARN { return }
        throw BundleError(.archive, "Reading the bundle \(BundleReader.display(file)) failed: could not \(action): \(errorText()).")
    }

    private func errorText() -> String {
        guard let text = archive_error_string(archive) else { return "no reason given" }
        return String(cString: text)
    }
}
