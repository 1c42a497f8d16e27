import CArchive
import Foundation

/// libarchive's writing side: one gzip-compressed pax tar ("restricted": plain
/// ustar headers, a pax extended header only for an entry that needs one, such
/// as a path over 100 bytes) on a file descriptor the caller owns.
///
/// Not thread-safe: only ``BundleWriter`` uses it, under its lock. The handle
/// is freed in `deinit`; `archive_write_free` closes an archive not yet
/// closed, which writes the end-of-archive blocks and the gzip trailer, so
/// even an abandoned writer leaves a valid tar.gz behind.
final class ArchiveWriteHandle {
    private var archive: OpaquePointer?
    /// The file being written, for messages.
    private let file: String

    /// Every entry is a regular file, mode 0644, owned by uid/gid 0 named
    /// `root`: bundles look the same whoever ran the tool (no local user
    /// names leak into the evidence), and unpacking as root gives the same
    /// ownership the names say.
    static let entryPermissions: mode_t = 0o644
    static let ownerName = "root"

    init(fileDescriptor: Int32, file: String) throws {
        guard let archive = archive_write_new() else {
            throw BundleError(.archive, "libarchive could not allocate a writer for \(file) (out of memory?).")
        }
        self.archive = archive
        self.file = file
        try check(archive_write_add_filter_gzip(archive), "set up gzip compression")
        try check(archive_write_set_format_pax_restricted(archive), "choose the pax tar format")
        try check(archive_write_open_fd(archive, fileDescriptor), "start the archive")
    }

    deinit {
        if let archive { archive_write_free(archive) }
    }

    /// Starts one regular file entry of exactly `size` bytes. The caller
    /// then writes `size` bytes with ``writeData(_:path:)`` and calls
    /// ``finishEntry(path:)`` (libarchive pads a short entry with zeros and
    /// cuts a long one, so the caller keeps count).
    func beginEntry(path: String, size: UInt64, modified: Date) throws {
        let archive = try open(for: path)
        guard let entry = archive_entry_new() else {
            throw BundleError(.archive, "libarchive could not allocate an entry for \(path) in \(file) (out of memory?).")
        }
        defer { archive_entry_free(entry) }
        archive_entry_copy_pathname(entry, path)
        archive_entry_set_filetype(entry, CARCHIVE_AE_IFREG)
        archive_entry_set_perm(entry, Self.entryPermissions)
        archive_entry_set_size(entry, Int64(size))
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        archive_entry_copy_uname(entry, Self.ownerName)
        archive_entry_copy_gname(entry, Self.ownerName)
        let seconds = modified.timeIntervalSince1970.rounded(.down)
        let nanoseconds = Int((modified.timeIntervalSince1970 - seconds) * 1_000_000_000)
        archive_entry_set_mtime(entry, time_t(seconds), max(0, min(999_999_999, nanoseconds)))
        try check(archive_write_header(archive, entry), "write the header of \(path)")
    }

    /// Writes bytes into the current entry.
    func writeData(_ buffer: UnsafeRawBufferPointer, path: String) throws {
        let archive = try open(for: path)
        var offset = 0
        while offset < buffer.count {
            let written = archive_write_data(archive, buffer.baseAddress! + offset, buffer.count - offset)
            guard written > 0 else {
                throw BundleError(.archive, "Could not write the data of \(path) into \(file): \(errorText()).")
            }
            offset += written
        }
    }

    /// Ends the current entry.
    func finishEntry(path: String) throws {
        try check(archive_write_finish_entry(try open(for: path)), "finish the entry \(path)")
    }

    private func open(for path: String) throws -> OpaquePointer {
        guard let archive else {
            throw BundleError(.writerClosed, "The archive \(file) is already closed; \(path) was not written.")
        }
        return archive
    }

    /// Writes the end of the archive and the gzip trailer, and frees the handle.
    func close() throws {
        guard let archive else { return }
        defer {
            archive_write_free(archive)
            self.archive = nil
        }
        try check(archive_write_close(archive), "close the archive")
    }

    private func check(_ status: Int32, _ action: String) throws {
        // ARCHIVE_WARN is a success with a note (for example a charset note);
        // our paths are ASCII, so it is not expected, and not fatal.
        if status >= CARCHIVE_ARCHIVE_WARN { return }
        throw BundleError(.archive, "libarchive could not \(action) in \(file): \(errorText()).")
    }

    private func errorText() -> String {
        guard let archive, let text = archive_error_string(archive) else { return "no reason given" }
        return String(cString: text)
    }
}
