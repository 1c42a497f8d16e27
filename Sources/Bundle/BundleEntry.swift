import Foundation

/// One entry of a bundle being read, handed to a visitor.
///
/// Valid only during the visit: the reader is a stream, and once the visitor
/// returns the archive moves on. Its data can be read once, in chunks or into
/// a buffer of capped size; data not read is skipped.
public final class BundleEntry {
    /// What an entry may be. Everything else is refused before a visitor sees it.
    public enum Kind: String, Sendable {
        case file
        case directory
    }

    /// The path as stored in the archive (checked: relative, no `..`, no
    /// control characters).
    public let path: String
    /// The size the header declares (at most the reader's `maxEntrySize`).
    public let size: UInt64
    public let kind: Kind
    public let modified: Date
    /// The entry's position in the archive, from 0.
    public let index: Int

    private let handle: ArchiveReadHandle
    private let defaultLimit: UInt64
    private var state: State = .unread

    private enum State { case unread, read, expired }

    init(path: String, size: UInt64, kind: Kind, modified: Date, index: Int,
         handle: ArchiveReadHandle, defaultLimit: UInt64) {
        self.path = path
        self.size = size
        self.kind = kind
        self.modified = modified
        self.index = index
        self.handle = handle
        self.defaultLimit = defaultLimit
    }

    /// Ends the visit; later reads fail instead of reading another entry's data.
    func expire() { state = .expired }

    /// Streams the entry's data to `body`, 64 KiB at a time, and checks that
    /// exactly the declared size arrived.
    public func readChunks(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        switch state {
        case .unread: state = .read
        case .read:
            throw BundleError(.archive, "The data of \(BundleReader.display(path)) in \(handle.file) was already read; a bundle is read as a stream, once.")
        case .expired:
            throw BundleError(.archive, "The entry \(BundleReader.display(path)) of \(handle.file) can only be read while it is being visited.")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var total: UInt64 = 0
        while true {
            let count = try handle.readData(into: buffer, entry: BundleReader.display(path))
            if count == 0 { break }
            total += UInt64(count)
            guard total <= size else {
                throw BundleError(.tooLarge, "The entry \(BundleReader.display(path)) of \(handle.file) holds more data than the \(size) bytes its header declares.")
            }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        guard total == size else {
            throw BundleError(.archive, "The entry \(BundleReader.display(path)) of \(handle.file) is cut short: \(total) of its \(size) bytes.")
        }
    }

    /// The entry's data in memory, refusing more than `limit` bytes (by
    /// default the reader's `maxEntrySize`).
    public func readBytes(limit: UInt64? = nil) throws -> [UInt8] {
        let limit = limit ?? defaultLimit
        guard size <= limit else {
            throw BundleError(.tooLarge, "The entry \(BundleReader.display(path)) of \(handle.file) is \(size) bytes, more than the \(limit) bytes allowed for it.")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(size))
        try readChunks { chunk in
            guard UInt64(bytes.count + chunk.count) <= limit else {
                throw BundleError(.tooLarge, "The entry \(BundleReader.display(path)) of \(handle.file) holds more than the \(limit) bytes allowed for it.")
            }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    /// ``readBytes(limit:)`` as `Data`, for decoders.
    public func readData(limit: UInt64? = nil) throws -> Data {
        Data(try readBytes(limit: limit))
    }
}
