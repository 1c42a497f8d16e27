import Foundation

/// A scratch file for encoded evidence while a bundle is read.
///
/// `inspect --json` of a bundle of 5,000 pods writes a few hundred megabytes of
/// JSON, and the manifest, which says what comes first, is the archive's last
/// entry: every pod's evidence is read before any of it can be written. Each
/// container's documents are encoded as soon as it is read and put here; only
/// their places are kept in memory. The file is unlinked as soon as it is
/// opened, so nothing is left behind, whatever way the process ends.
///
/// `@unchecked Sendable`: the file offset is guarded by `lock`.
public final class EvidenceSpill: @unchecked Sendable {
    /// Where one encoded document lies in the file.
    public struct Span: Sendable {
        var offset: UInt64
        var count: Int
    }

    private let lock = NSLock()
    private let handle: FileHandle
    private var end: UInt64 = 0

    public init() throws {
        var template = Array((NSTemporaryDirectory() + "/kubectl-evidence-inspect.XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw InspectError(message: "Cannot create a scratch file in \(NSTemporaryDirectory()) for inspect --json: \(String(cString: strerror(errno))). Set TMPDIR to a writable directory with room for the JSON.")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Appends `data` and returns where it went.
    public func append(_ data: Data) throws -> Span {
        try lock.withLock {
            try handle.seek(toOffset: end)
            try handle.write(contentsOf: data)
            defer { end += UInt64(data.count) }
            return Span(offset: end, count: data.count)
        }
    }

    /// The bytes at `span`.
    public func read(_ span: Span) throws -> Data {
        try lock.withLock {
            try handle.seek(toOffset: span.offset)
            let data = try handle.read(upToCount: span.count) ?? Data()
            // A short read would put a hole in the JSON: say so instead.
            guard data.count == span.count else {
                throw InspectError(message: "The scratch file of inspect --json gave back \(data.count) of \(span.count) bytes at offset \(span.offset); the output would be incomplete, so it stops here.")
            }
            return data
        }
    }
}
