import Foundation

/// One file being written into a bundle in chunks (see
/// ``BundleWriter/openFile(path:modified:)``).
///
/// Owned by one producer at a time (not Sendable): write chunks, then
/// ``commit()`` or ``discard()``. A stream dropped without either is
/// discarded, and its path becomes free again.
public final class BundleFileStream {
    /// Where the file goes in the archive.
    public let path: BundlePath
    private let modified: Date
    private var spool: Int32
    private let writer: BundleWriter
    /// Bytes written so far.
    public private(set) var size: UInt64 = 0

    init(path: BundlePath, modified: Date, spool: Int32, writer: BundleWriter) {
        self.path = path
        self.modified = modified
        self.spool = spool
        self.writer = writer
    }

    deinit {
        if spool >= 0 { discard() }
    }

    /// Appends a chunk.
    public func write(_ chunk: some ContiguousBytes) throws {
        guard spool >= 0 else {
            throw BundleError(.writerClosed, "The file \(path) was already committed or discarded; no more data can be written to it.")
        }
        try chunk.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = writeDescriptor(spool, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    throw BundleError(.fileSystem, "Could not spool \(path) for bundle \(writer.path) beside it: \(BundleError.systemError()) (is the disk full?).")
                }
                offset += written
            }
            size += UInt64(buffer.count)
        }
    }

    /// Copies the file into the archive, records its size and SHA-256, and
    /// returns the record. Waits for the writer's lock.
    @discardableResult
    public func commit() throws -> Manifest.File {
        guard spool >= 0 else {
            throw BundleError(.writerClosed, "The file \(path) was already committed or discarded.")
        }
        defer { closeSpool() }
        return try writer.commitSpool(spool, size: size, path: path, modified: modified)
    }

    /// Drops what was written; the path can then be used again.
    public func discard() {
        guard spool >= 0 else { return }
        closeSpool()
        writer.release(path)
    }

    private func closeSpool() {
        closeDescriptor(spool)
        spool = -1
    }
}
