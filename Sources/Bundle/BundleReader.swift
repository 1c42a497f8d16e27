import CArchive
import Crypto
import Foundation

/// Reads an evidence bundle as a stream, never unpacking it to disk.
///
/// A bundle handed over in a ticket is untrusted input. Before a visitor
/// sees an entry, the reader refuses, with an error naming the entry:
/// absolute paths, `..` components, control characters in names, symbolic
/// and hard links, devices, FIFOs and sockets, a path that appears twice,
/// an entry declaring more than ``Limits/maxEntrySize`` bytes, more than
/// ``Limits/maxTotalSize`` bytes in all, and more than ``Limits/maxEntries``
/// entries. The limits are by default what ``BundleWriter`` can write (see
/// ``BundleCapacity``): every bundle the tool wrote is read, and one beyond
/// them was not written by it. Every operation is one pass over the file
/// (a tar.gz cannot be read out of order); each opens the file anew.
public struct BundleReader: Sendable {
    /// How much a bundle may hold before the reader refuses it.
    public struct Limits: Sendable, Equatable {
        /// The largest entry, by its declared size.
        public var maxEntrySize: UInt64
        /// The most entries.
        public var maxEntries: Int
        /// The sum of all declared sizes: the decompressed size, against gzip bombs.
        public var maxTotalSize: UInt64
        /// The largest `manifest.json` that is decoded.
        public var maxManifestSize: UInt64
        /// The longest entry path.
        public var maxPathLength: Int

        /// Exactly what a ``BundleWriter`` with `capacity` can write: its
        /// files, the manifest and its signature.
        public init(capacity: BundleCapacity) {
            self.init(maxEntrySize: capacity.maxEntrySize, maxEntries: capacity.maxEntries, maxTotalSize: capacity.maxTotalSize,
                      maxManifestSize: capacity.maxManifestSize, maxPathLength: BundleCapacity.maxPathLength)
        }

        /// Each limit defaults to what the standard capacity allows
        /// (``BundleCapacity/standard``); tests set smaller ones.
        public init(maxEntrySize: UInt64 = BundleCapacity.standard.maxEntrySize,
                    maxEntries: Int = BundleCapacity.standard.maxEntries,
                    maxTotalSize: UInt64 = BundleCapacity.standard.maxTotalSize,
                    maxManifestSize: UInt64 = BundleCapacity.standard.maxManifestSize,
                    maxPathLength: Int = BundleCapacity.maxPathLength) {
            self.maxEntrySize = maxEntrySize
            self.maxEntries = maxEntries
            self.maxTotalSize = maxTotalSize
            self.maxManifestSize = maxManifestSize
            self.maxPathLength = maxPathLength
        }
    }

    /// The manifest of a bundle, with its own digest.
    public struct ManifestEntry: Sendable, Equatable {
        public let manifest: Manifest
        /// SHA-256 of `manifest.json`'s bytes, lower-case hex.
        public let sha256: String
        public let size: UInt64
        /// `manifest.json`'s exact bytes (what a signature covers), when the
        /// bundle is signed; empty otherwise.
        public let bytes: [UInt8]
        /// The bytes of `manifest.json.sig`, when the bundle is signed.
        public let signatureBytes: [UInt8]?

        /// Whether the signature holds for `key` (or what is known without one).
        public func signatureStatus(key: VerifyingKey?) -> SignatureStatus {
            SignatureStatus.check(signatureBytes: signatureBytes, manifestBytes: bytes, manifestSHA256: sha256, key: key)
        }
    }

    /// The bundle file.
    public let path: String
    public let limits: Limits

    public init(path: String, limits: Limits = Limits()) {
        self.path = path
        self.limits = limits
    }

    /// Visits every entry in archive order, `manifest.json` included.
    public func forEachEntry(_ visit: (BundleEntry) throws -> Void) throws {
        let handle = try ArchiveReadHandle(file: path)
        var seen: Set<String> = []
        var total: UInt64 = 0
        var index = 0
        var previous: String?
        while let header = try handle.nextHeader(after: previous.map(Self.display)) {
            let entry = try check(header, index: index, seen: &seen, total: &total, handle: handle)
            previous = entry.path
            defer { entry.expire() }
            try visit(entry)
            index += 1
        }
    }

    /// Visits every entry except the manifest, then returns the manifest,
    /// which must be the last entry, or be followed by exactly one entry,
    /// its signature `manifest.json.sig`: one pass for `inspect` and `verify`.
    public func forEachFile(_ visit: (BundleEntry) throws -> Void) throws -> ManifestEntry {
        var manifestBytes: [UInt8]?
        var signatureBytes: [UInt8]?
        try forEachEntry { entry in
            if signatureBytes != nil {
                throw BundleError(.manifest, "The bundle \(path) has the entry \(Self.display(entry.path)) after manifest.json.sig; the manifest and its signature must be the last entries, so the bundle was altered or appended to.")
            }
            if manifestBytes != nil {
                guard entry.path == BundlePath.manifestSignature.string else {
                    throw BundleError(.manifest, "The bundle \(path) has the entry \(Self.display(entry.path)) after manifest.json; the manifest must be the last entry (followed only by its signature, manifest.json.sig), so the bundle was altered or appended to.")
                }
                guard entry.kind == .file else {
                    throw BundleError(.manifest, "The bundle \(path) has a directory named manifest.json.sig instead of a signature.")
                }
                signatureBytes = try entry.readBytes(limit: ManifestSignature.maxSize)
                return
            }
            if entry.path == BundlePath.manifestSignature.string {
                throw BundleError(.manifest, "The bundle \(path) has manifest.json.sig before manifest.json; the signature must come right after the manifest, so the bundle was altered.")
            }
            if entry.path == BundlePath.manifest.string {
                guard entry.kind == .file else {
                    throw BundleError(.manifest, "The bundle \(path) has a directory named manifest.json instead of a manifest.")
                }
                manifestBytes = try entry.readBytes(limit: limits.maxManifestSize)
            } else {
                try visit(entry)
            }
        }
        guard let manifestBytes else {
            throw BundleError(.manifest, "The bundle \(path) has no manifest.json: the run that wrote it was aborted before it finished, or the file is not an evidence bundle.")
        }
        // Decoded in place and pod by pod: a manifest of 5,000 pods is 20 MB, and
        // neither a copy of it nor the decoder's map of all of it is held at once.
        var manifest = try manifestBytes.withUnsafeBytes { raw in
            try Manifest.decode(from: raw, source: "manifest.json of \(path)")
        }
        manifest.shareRepeatedText()
        // The bytes are kept only for a signature to check.
        return ManifestEntry(manifest: manifest, sha256: SHA256.hash(data: manifestBytes).hexString,
                             size: UInt64(manifestBytes.count), bytes: signatureBytes == nil ? [] : manifestBytes, signatureBytes: signatureBytes)
    }

    /// The bundle's manifest (the last entry), decoded.
    public func manifest() throws -> Manifest {
        try forEachFile { _ in }.manifest
    }

    /// The entries' paths, sizes and kinds, without their data.
    public func list() throws -> [(path: String, size: UInt64, kind: BundleEntry.Kind)] {
        var entries: [(path: String, size: UInt64, kind: BundleEntry.Kind)] = []
        try forEachEntry { entries.append(($0.path, $0.size, $0.kind)) }
        return entries
    }

    // MARK: - Checks

    /// Turns a header into an entry, or refuses it. Every refusal names the entry.
    private func check(_ header: OpaquePointer, index: Int, seen: inout Set<String>, total: inout UInt64,
                       handle: ArchiveReadHandle) throws -> BundleEntry {
        let rawPath = archive_entry_pathname_utf8(header) ?? archive_entry_pathname(header)
        guard let rawPath else {
            throw refusal(.unsafeEntry, "entry #\(index + 1)", "has no name")
        }
        let path = String(cString: rawPath)
        let shown = Self.display(path)

        guard index < limits.maxEntries else {
            let standard = BundleCapacity.standard
            let why = limits.maxEntries == standard.maxEntries
                ? " (the most kubectl-evidence writes: \(standard.maxPods) pods of \(standard.filesPerPod) files, \(standard.runFiles) run files and \(standard.explodedFiles) exploded records)" : ""
            throw refusal(.tooManyEntries, shown, "is beyond the limit of \(limits.maxEntries) entries\(why)")
        }
        if let reason = Self.unsafePathReason(path, maxLength: limits.maxPathLength) {
            throw refusal(.unsafeEntry, shown, reason)
        }
        if let target = archive_entry_hardlink(header) {
            throw refusal(.unsafeEntry, shown, "is a hard link to \(Self.display(String(cString: target)))")
        }
        let kind: BundleEntry.Kind
        switch archive_entry_filetype(header) & CARCHIVE_AE_IFMT {
        case CARCHIVE_AE_IFREG:
            kind = .file
        case CARCHIVE_AE_IFDIR:
            kind = .directory
        case CARCHIVE_AE_IFLNK:
            let target = archive_entry_symlink(header).map { Self.display(String(cString: $0)) } ?? "nothing"
            throw refusal(.unsafeEntry, shown, "is a symbolic link to \(target)")
        case CARCHIVE_AE_IFCHR:
            throw refusal(.unsafeEntry, shown, "is a character device")
        case CARCHIVE_AE_IFBLK:
            throw refusal(.unsafeEntry, shown, "is a block device")
        case CARCHIVE_AE_IFIFO:
            throw refusal(.unsafeEntry, shown, "is a FIFO")
        case CARCHIVE_AE_IFSOCK:
            throw refusal(.unsafeEntry, shown, "is a socket")
        case let other:
            throw refusal(.unsafeEntry, shown, "has an unknown file type (mode \(String(other, radix: 8)))")
        }
        let declared = archive_entry_size_is_set(header) != 0 ? archive_entry_size(header) : 0
        guard declared >= 0 else {
            throw refusal(.unsafeEntry, shown, "declares a negative size")
        }
        let size = UInt64(declared)
        guard size <= limits.maxEntrySize else {
            throw refusal(.tooLarge, shown, "declares \(size) bytes, more than the limit of \(limits.maxEntrySize) bytes for one entry")
        }
        total += size
        guard total <= limits.maxTotalSize else {
            throw refusal(.tooLarge, shown, "brings the bundle past the limit of \(limits.maxTotalSize) bytes in all")
        }
        guard seen.insert(path).inserted else {
            throw refusal(.unsafeEntry, shown, "appears a second time; each path is written once, so the bundle was altered")
        }
        let modified = Date(timeIntervalSince1970: TimeInterval(archive_entry_mtime(header))
            + TimeInterval(archive_entry_mtime_nsec(header)) / 1_000_000_000)
        return BundleEntry(path: path, size: kind == .file ? size : 0, kind: kind, modified: modified, index: index,
                           handle: handle, defaultLimit: limits.maxEntrySize)
    }

    private func refusal(_ code: BundleError.Code, _ entry: String, _ reason: String) -> BundleError {
        BundleError(code, "Refusing the bundle \(path): its entry \(entry) \(reason). A bundle written by kubectl-evidence holds only regular files under relative paths; do not unpack this file.")
    }

    /// Why a path may not be in a bundle, or `nil` when it may.
    static func unsafePathReason(_ path: String, maxLength: Int) -> String? {
        if path.isEmpty { return "has an empty name" }
        if path.utf8.count > maxLength { return "has a name longer than \(maxLength) bytes" }
        if path.hasPrefix("/") || path.hasPrefix("\\") { return "is an absolute path" }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || (0x80..<0xa0).contains($0.value) }) {
            return "has control characters in its name"
        }
        // Backslashes count as separators too: the bundle may be unpacked on Windows.
        let components = path.split(omittingEmptySubsequences: false) { $0 == "/" || $0 == "\\" }
        if components.contains("..") { return "has a \"..\" component, which would escape the directory it is unpacked in" }
        return nil
    }

    /// A name from a bundle made safe to print: quoted, control characters
    /// and escapes written as `\u{…}`, cut at 200 characters. Everything
    /// read from a bundle (paths, and the manifest's strings) is untrusted:
    /// print it through this, so a name cannot drive the terminal.
    public static func display(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars.prefix(200) {
            if scalar.value < 0x20 || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value) || scalar == "\"" || scalar == "\\" {
                out += scalar.escaped(asASCII: true)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        if name.unicodeScalars.count > 200 { out += "…" }
        return "\"\(out)\""
    }
}
