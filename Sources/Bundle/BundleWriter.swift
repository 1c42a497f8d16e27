import Crypto
import Foundation

/// Writes an evidence bundle: a gzip-compressed tar, streamed entry by entry
/// as pods finish, with `manifest.json` as the last entry.
///
/// **One writer, many producers.** Pods finish on Dispatch queues in any
/// order; each calls ``add(path:data:modified:)`` (or streams with
/// ``openFile(path:modified:)``) from its own thread. Calls are serialised by
/// one lock, held while the entry is compressed into the archive: a producer
/// waits for its turn and its payload is written through before it returns,
/// so the writer keeps no payloads and memory does not grow with the number
/// of pods (the caller's blocking is the back-pressure; a queue would instead
/// hold every pod's bytes until the compressor caught up). Only the list of
/// written files (path, size, SHA-256) is kept, for the manifest.
///
/// **Never a half bundle under the final name.** The archive is written to a
/// temporary file beside the target (`<path>.partial-<random>`, mode 0600,
/// since evidence can hold secrets from command lines) and moved to `path`
/// only by ``finish(manifest:)`` or ``abort()``, after the archive is closed
/// and synced. A crash leaves at most that `.partial-…` file, never a
/// truncated file under the name the user asked for. A writer dropped without
/// finishing closes its temporary file into a valid tar.gz and leaves it
/// there (evidence is not deleted behind anyone's back).
///
/// Entries are regular files, mode 0644, uid/gid 0 named `root` (see
/// ``ArchiveWriteHandle``), with the modification time the producer gives.
///
/// **Never more than the reader takes.** The writer keeps to its
/// ``capacity``: a file that would take the bundle past it (too many files,
/// too many bytes, too large, too much for the manifest) is refused with a
/// ``BundleError`` naming it, before anything of it is written, and the
/// bundle stays writable for the files that fit. The reader's limits are
/// derived from the same capacity, so every bundle written can be read.
public final class BundleWriter: @unchecked Sendable {
    // @unchecked Sendable: every mutable field below is read and written only
    // while `lock` is held; the lets are immutable.

    /// The bundle's final path, where it appears when finished.
    public let path: String
    /// Where the archive is written until it is finished.
    public let temporaryPath: String
    private let overwrite: Bool
    /// What the bundle may hold (see ``BundleCapacity``).
    public let capacity: BundleCapacity

    private let lock = NSLock()
    private var handle: ArchiveWriteHandle?
    private var fileDescriptor: Int32
    private var records: [Manifest.File] = []
    private var claimedPaths: Set<String> = []
    private var state: State = .open
    private var spoolCounter = 0
    /// What the files written or claimed so far take of each room, and the
    /// exploded records reserved by ``reserveExplodedRecords(_:)``.
    private var usedEvidence = Usage()
    private var usedExploded = Usage()
    private var reservedExploded = Usage()
    /// The records reserved and not yet added: path → what each reserved.
    private var reservations: [String: Usage] = [:]

    /// Files, bytes and manifest bytes taken of a ``BundleCapacity/Room``.
    private struct Usage {
        var files = 0
        var bytes: UInt64 = 0
        var manifestBytes = 0

        static func + (lhs: Usage, rhs: Usage) -> Usage {
            Usage(files: lhs.files + rhs.files, bytes: lhs.bytes + rhs.bytes, manifestBytes: lhs.manifestBytes + rhs.manifestBytes)
        }

        func removing(_ other: Usage) -> Usage {
            Usage(files: files - Swift.min(files, other.files), bytes: bytes - Swift.min(bytes, other.bytes),
                  manifestBytes: manifestBytes - Swift.min(manifestBytes, other.manifestBytes))
        }

        func fits(in room: BundleCapacity.Room) -> Bool {
            files <= room.files && bytes <= room.bytes && manifestBytes <= room.manifestBytes
        }
    }

    private enum State {
        case open
        case finished
        case aborted
        /// A write failed in a way that may have left a partial entry; the
        /// archive cannot be trusted to accept more.
        case failed(BundleError)
    }

    /// Starts a bundle that will be published at `path`.
    ///
    /// - Parameter overwrite: replace an existing file at `path` when the
    ///   bundle is finished. Without it, an existing file is an error now,
    ///   and still at the end if one appeared meanwhile.
    /// - Parameter capacity: what the bundle may hold; the standard one is
    ///   what every command reads back (tests give a small one).
    public init(path: String, overwrite: Bool = false, capacity: BundleCapacity = .standard) throws {
        self.path = path
        self.overwrite = overwrite
        self.capacity = capacity
        if !overwrite, FileManager.default.fileExists(atPath: path) {
            throw BundleError(.outputExists, "The output file \(path) already exists; choose another name or remove it first, so that no earlier evidence is overwritten.")
        }
        let suffix = (0..<4).map { _ in UInt8.random(in: 0...255) }.hexString
        self.temporaryPath = "\(path).partial-\(suffix)"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw BundleError(.fileSystem, "Could not create the bundle's temporary file \(temporaryPath): \(BundleError.systemError()).")
        }
        self.fileDescriptor = descriptor
        do {
            self.handle = try ArchiveWriteHandle(fileDescriptor: descriptor, file: temporaryPath)
        } catch {
            closeDescriptor(descriptor)
            unlink(temporaryPath)
            throw error
        }
    }

    deinit {
        // Closing the handle writes the archive's end; the file stays, as a
        // valid but unpublished `.partial-…` bundle.
        handle = nil
        if fileDescriptor >= 0 { closeDescriptor(fileDescriptor) }
    }

    /// Adds one file whose bytes are all in memory, and returns its record.
    /// Thread-safe; returns once the bytes are in the archive.
    @discardableResult
    public func add(path: BundlePath, data: some ContiguousBytes, modified: Date) throws -> Manifest.File {
        try data.withUnsafeBytes { buffer in
            try locked {
                try claim(path, size: UInt64(buffer.count))
                return try writeEntry(path: path, size: UInt64(buffer.count), modified: modified) { try $0.write(buffer) }
            }
        }
    }

    /// Adds one file whose bytes arrive in chunks (a large log read as a
    /// stream). `produce` writes the chunks into the stream it is given; the
    /// file is committed when it returns and discarded if it throws.
    @discardableResult
    public func add(path: BundlePath, modified: Date,
                    chunks produce: (BundleFileStream) throws -> Void) throws -> Manifest.File {
        let stream = try openFile(path: path, modified: modified)
        do {
            try produce(stream)
        } catch {
            stream.discard()
            throw error
        }
        return try stream.commit()
    }

    /// Opens a file to be written in chunks, for payloads whose size is not
    /// known up front. The chunks go to an anonymous spool file beside the
    /// bundle (unlinked at once, so nothing is left behind), without holding
    /// the writer's lock, so a slow producer never stalls the others; `commit`
    /// then copies it into the archive under the lock. Memory stays at one
    /// 64 KiB buffer whatever the size.
    public func openFile(path: BundlePath, modified: Date) throws -> BundleFileStream {
        let spool: Int32 = try locked {
            try claim(path, size: nil)
            spoolCounter += 1
            let name = "\(temporaryPath).spool-\(spoolCounter)"
            let descriptor = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                unclaim(path)
                throw BundleError(.fileSystem, "Could not create a spool file \(name) for \(path) of bundle \(self.path): \(BundleError.systemError()).")
            }
            unlink(name)
            return descriptor
        }
        return BundleFileStream(path: path, modified: modified, spool: spool, writer: self)
    }

    /// The files written so far, in the order they were written.
    public var files: [Manifest.File] {
        locked { records }
    }

    /// Reserves room for the records of one exploded tree (`collect
    /// --explode`), given as (path, size) in the order they will be added,
    /// and returns how many of them, from the first, fit in what is left of
    /// ``BundleCapacity/exploded``: adding those (with at most the size
    /// given) cannot be refused for room, and no other file can take it.
    /// The rest do not fit and should not be added. A reservation not used
    /// stays taken (the room only gets smaller).
    public func reserveExplodedRecords(_ records: [(path: BundlePath, size: Int)]) -> Int {
        locked {
            var granted = 0
            for record in records {
                guard record.path.isExplodedRecord else { break }
                // A path already reserved or written: adding it again is refused as a duplicate, not for room.
                if reservations[record.path.string] == nil && !claimedPaths.contains(record.path.string) {
                    let one = Usage(files: 1, bytes: UInt64(record.size),
                                    manifestBytes: BundleCapacity.manifestBytes(forPathLength: record.path.string.utf8.count))
                    guard (usedExploded + reservedExploded + one).fits(in: capacity.exploded) else { break }
                    reservedExploded = reservedExploded + one
                    reservations[record.path.string] = one
                }
                granted += 1
            }
            return granted
        }
    }

    /// Writes `manifest.json` as the last entry, closes the archive, syncs it
    /// and moves it to ``path``.
    ///
    /// The manifest's `files` is replaced by what this writer wrote, sorted by
    /// path; `run.finishedAt` is set to now if it is `nil`. Call it early, with
    /// `run.interrupted` set, to close an interrupted run: the bundle is then
    /// valid and holds what was written. Streams not yet committed are not in
    /// the bundle. The manifest's own SHA-256 is returned: it cannot be inside
    /// itself, so the caller shows it to the user.
    ///
    /// With a `signer`, the exact bytes of `manifest.json` are signed and the
    /// signature is written as one more entry, `manifest.json.sig`, right
    /// after the manifest (readers accept that one entry there and nothing
    /// else). A signer that throws leaves the bundle unpublished, in
    /// ``temporaryPath``: an unsigned bundle under the name of a signed one
    /// would be worse than none.
    public func finish(manifest: Manifest, signer: ManifestSigner? = nil) throws -> FinishedBundle {
        try locked {
            let handle = try openHandle()
            var manifest = manifest
            manifest.files = records.sorted { $0.path < $1.path }
            if manifest.run.finishedAt == nil { manifest.run.finishedAt = Date() }
            let json = try manifest.jsonData()
            guard UInt64(json.count) <= capacity.maxManifestSize else {
                throw BundleError(.tooLarge, "The manifest of \(path) would be \(json.count) bytes, more than the \(capacity.maxManifestSize) bytes a reader accepts (\(capacity.manifestBytesPerPod) per pod for \(manifest.pods.count) pods and \(manifest.files.count) files): its pods' messages are unusually long. The bundle was not finished; its files are in \(temporaryPath).")
            }
            let modified = manifest.run.finishedAt ?? Date()
            let record = try json.withUnsafeBytes { buffer in
                try writeEntry(path: .manifest, size: UInt64(buffer.count), modified: modified) { try $0.write(buffer) }
            }
            records.removeLast()  // the manifest is not one of its own files
            var signature: ManifestSignature?
            if let signer {
                let signed: Data
                do {
                    let made = try signer(json)
                    signed = try made.jsonData()
                    signature = made
                } catch {
                    let failure = BundleError(.signature, "Could not sign the manifest of \(path): \(error) The unsigned bundle was left as \(temporaryPath).")
                    state = .failed(failure)
                    throw failure
                }
                try signed.withUnsafeBytes { buffer in
                    _ = try writeEntry(path: .manifestSignature, size: UInt64(buffer.count), modified: modified) { try $0.write(buffer) }
                }
                records.removeLast()  // nor is its signature
            }
            try closeAndPublish(handle)
            state = .finished
            return FinishedBundle(path: path, manifest: manifest, manifestSHA256: record.sha256, manifestSize: record.size,
                                  signature: signature)
        }
    }

    /// Closes the archive without a manifest and moves it to ``path``, for a
    /// run that cannot produce one. The bundle is a valid tar.gz with the
    /// files written so far; readers say it has no manifest. Returns ``path``.
    @discardableResult
    public func abort() throws -> String {
        try locked {
            let handle = try openHandle()
            try closeAndPublish(handle)
            state = .aborted
            return path
        }
    }

    // MARK: - Under the lock

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The archive handle while the writer can still write. Lock held.
    private func openHandle() throws -> ArchiveWriteHandle {
        switch state {
        case .open:
            guard let handle else { break }
            return handle
        case .finished:
            throw BundleError(.writerClosed, "The bundle \(path) is already finished; nothing more can be added.")
        case .aborted:
            throw BundleError(.writerClosed, "The bundle \(path) was closed early (aborted); nothing more can be added.")
        case .failed(let error):
            throw BundleError(.writerClosed, "The bundle \(path) cannot be written any more because an earlier write failed: \(error.message) What was written so far is in \(temporaryPath).")
        }
        throw BundleError(.writerClosed, "The bundle \(path) is closed.")
    }

    /// Reserves an archive path, refusing duplicates, the manifest, and a
    /// file past the bundle's capacity. `size` is the file's, when it is
    /// known (a streamed file's bytes are counted at its commit). Lock held.
    private func claim(_ path: BundlePath, size: UInt64?) throws {
        _ = try openHandle()
        guard path != .manifest, path != .manifestSignature else {
            throw BundleError(.duplicatePath, "\(path) is written by finish(manifest:signer:) only, at the end of \(self.path).")
        }
        guard !claimedPaths.contains(path.string) else {
            throw BundleError(.duplicatePath, "The bundle \(self.path) already has a file \(path); each archive path is written once.")
        }
        guard path.string.utf8.count <= BundleCapacity.maxPathLength else {
            throw BundleError(.tooLarge, "The path \(path) is longer than the \(BundleCapacity.maxPathLength) bytes a bundle's paths may have.")
        }
        if let size { try checkFileSize(size, path: path) }
        let one = Usage(files: 1, bytes: size ?? 0,
                        manifestBytes: BundleCapacity.manifestBytes(forPathLength: path.string.utf8.count))
        if path.isExplodedRecord {
            // A reserved record takes its reservation's place.
            if let reserved = reservations.removeValue(forKey: path.string) {
                reservedExploded = reservedExploded.removing(reserved)
            }
        }
        try charge(one, path: path)
        claimedPaths.insert(path.string)
    }

    /// Adds `one` to the room its kind of file uses, or refuses it. Lock held.
    private func charge(_ one: Usage, path: BundlePath) throws {
        if path.isExplodedRecord {
            guard (usedExploded + reservedExploded + one).fits(in: capacity.exploded) else {
                throw roomRefusal(path, kind: "exploded records", used: usedExploded + reservedExploded, adding: one, room: capacity.exploded)
            }
            usedExploded = usedExploded + one
        } else {
            guard (usedEvidence + one).fits(in: capacity.evidence) else {
                throw roomRefusal(path, kind: "evidence files", used: usedEvidence, adding: one, room: capacity.evidence)
            }
            usedEvidence = usedEvidence + one
        }
    }

    /// Gives back what a claimed file took, for a file that was not written. Lock held.
    private func unclaim(_ path: BundlePath) {
        guard claimedPaths.remove(path.string) != nil else { return }
        let one = Usage(files: 1, bytes: 0, manifestBytes: BundleCapacity.manifestBytes(forPathLength: path.string.utf8.count))
        if path.isExplodedRecord {
            usedExploded = usedExploded.removing(one)
        } else {
            usedEvidence = usedEvidence.removing(one)
        }
    }

    /// Counts a streamed file's bytes, once its size is known. Lock held.
    private func chargeBytes(_ size: UInt64, path: BundlePath) throws {
        try checkFileSize(size, path: path)
        try charge(Usage(files: 0, bytes: size, manifestBytes: 0), path: path)
    }

    private func checkFileSize(_ size: UInt64, path: BundlePath) throws {
        guard size <= capacity.maxFileSize else {
            throw BundleError(.tooLarge, "The file \(path) is \(size) bytes, more than the \(capacity.maxFileSize) bytes a file of a bundle may have; it was not added to \(self.path).")
        }
    }

    private func roomRefusal(_ path: BundlePath, kind: String, used: Usage, adding one: Usage,
                             room: BundleCapacity.Room) -> BundleError {
        let total = used + one
        let what: String
        let code: BundleError.Code
        if total.files > room.files {
            (what, code) = ("\(room.files) \(kind)", .tooManyEntries)
        } else if total.bytes > room.bytes {
            (what, code) = ("\(room.bytes) bytes of \(kind)", .tooLarge)
        } else {
            (what, code) = ("\(room.manifestBytes) bytes of manifest for its \(kind)", .tooLarge)
        }
        return BundleError(code, "The bundle \(self.path) is full: \(path) would take it past \(what) (\(capacity.explanation)); it was not added.")
    }

    /// Writes an entry of `size` bytes, hashing what `body` writes, and
    /// records it. `body` is given a function that writes a chunk. A failure
    /// inside libarchive leaves the archive unusable. Lock held.
    private func writeEntry(path: BundlePath, size: UInt64, modified: Date,
                            _ body: (EntrySink) throws -> Void) throws -> Manifest.File {
        let handle = try openHandle()
        let sink = EntrySink(handle: handle, path: path.string)
        var shortWrite: BundleError?
        do {
            try handle.beginEntry(path: path.string, size: size, modified: modified)
            try body(sink)
            if sink.count < size {
                // Keep the archive and the record in step: the entry is
                // padded to its declared size, and the hash covers the padding.
                shortWrite = BundleError(.shortWrite, "Only \(sink.count) of the \(size) bytes of \(path) could be read back from its spool file; the entry in \(self.path) is padded with zeros and its hash covers the padding.")
                let zeros = [UInt8](repeating: 0, count: 64 * 1024)
                try zeros.withUnsafeBytes { buffer in
                    while sink.count < size {
                        try sink.write(UnsafeRawBufferPointer(rebasing: buffer.prefix(Int(min(size - sink.count, UInt64(buffer.count))))))
                    }
                }
            }
            try handle.finishEntry(path: path.string)
        } catch let error as BundleError {
            state = .failed(error)
            throw error
        }
        let record = Manifest.File(path: path.string, size: size, sha256: sink.hasher.finalize().hexString)
        records.append(record)
        if let shortWrite { throw shortWrite }
        return record
    }

    /// Copies a committed spool file into the archive. Called by ``BundleFileStream``.
    func commitSpool(_ spool: Int32, size: UInt64, path: BundlePath, modified: Date) throws -> Manifest.File {
        try locked {
            do {
                try chargeBytes(size, path: path)
            } catch {
                unclaim(path)
                throw error
            }
            return try writeEntry(path: path, size: size, modified: modified) { sink in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
                defer { buffer.deallocate() }
                while sink.count < size {
                    let wanted = Int(min(UInt64(buffer.count), size - sink.count))
                    let got = pread(spool, buffer.baseAddress, wanted, off_t(sink.count))
                    if got < 0 && errno == EINTR { continue }
                    guard got > 0 else { break }
                    try sink.write(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
                }
            }
        }
    }

    /// Releases the path of a discarded stream. Called by ``BundleFileStream``.
    func release(_ path: BundlePath) {
        locked { unclaim(path) }
    }

    /// Ends the archive, syncs it, and moves it to its final name. Lock held.
    private func closeAndPublish(_ handle: ArchiveWriteHandle) throws {
        do {
            try handle.close()
            self.handle = nil
            guard fsync(fileDescriptor) == 0 else {
                throw BundleError(.fileSystem, "Could not sync the bundle \(temporaryPath) to disk: \(BundleError.systemError()).")
            }
            closeDescriptor(fileDescriptor)
            fileDescriptor = -1
            try publish()
        } catch let error as BundleError {
            self.handle = nil
            state = .failed(error)
            throw error
        }
    }

    /// Moves the temporary file to ``path``: `rename` when overwriting is
    /// allowed, else `link` + `unlink`, which fails atomically if a file
    /// appeared at `path` meanwhile.
    private func publish() throws {
        // Only a regular file is ever replaced: as root, rename() over /dev/full
        // replaced the device node. Checked again here, as the path may have
        // changed while the pods were collected.
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            throw BundleError(.outputExists, "The output path \(path) is not a regular file (a directory, a link or a device), so it was not replaced; the finished bundle was left as \(temporaryPath).")
        }
        if overwrite {
            guard rename(temporaryPath, path) == 0 else {
                throw BundleError(.fileSystem, "Could not move the finished bundle \(temporaryPath) to \(path): \(BundleError.systemError()). The bundle is complete under the temporary name.")
            }
        } else if link(temporaryPath, path) == 0 {
            unlink(temporaryPath)
        } else {
            let linkError = errno
            if linkError == EEXIST || FileManager.default.fileExists(atPath: path) {
                throw BundleError(.outputExists, "The output file \(path) appeared while the bundle was being written; the finished bundle was left as \(temporaryPath) instead of overwriting it.")
            }
            // A file system without hard links: fall back to rename.
            guard rename(temporaryPath, path) == 0 else {
                throw BundleError(.fileSystem, "Could not move the finished bundle \(temporaryPath) to \(path): \(BundleError.systemError()). The bundle is complete under the temporary name.")
            }
        }
        // Not NSString.deletingLastPathComponent: it trapped on a one-character name (`-o x`).
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            closeDescriptor(directoryDescriptor)
        }
    }
}

/// Where an entry's bytes go: into the archive, the hash and the count.
final class EntrySink {
    private let handle: ArchiveWriteHandle
    private let path: String
    fileprivate(set) var hasher = SHA256()
    private(set) var count: UInt64 = 0

    init(handle: ArchiveWriteHandle, path: String) {
        self.handle = handle
        self.path = path
    }

    func write(_ chunk: UnsafeRawBufferPointer) throws {
        hasher.update(bufferPointer: chunk)
        count += UInt64(chunk.count)
        try handle.writeData(chunk, path: path)
    }
}

/// A finished bundle: where it is, the manifest as written, and the
/// manifest's own digest (which `verify` can be given to check it).
public struct FinishedBundle: Sendable, Equatable {
    public let path: String
    /// The manifest as written, with the writer's `files` list.
    public let manifest: Manifest
    /// SHA-256 of `manifest.json`'s bytes, lower-case hex.
    public let manifestSHA256: String
    public let manifestSize: UInt64
    /// The signature written as `manifest.json.sig`, when a signer was given.
    public let signature: ManifestSignature?

    public init(path: String, manifest: Manifest, manifestSHA256: String, manifestSize: UInt64,
                signature: ManifestSignature? = nil) {
        self.path = path
        self.manifest = manifest
        self.manifestSHA256 = manifestSHA256
        self.manifestSize = manifestSize
        self.signature = signature
    }
}
