import Crypto

/// What `verify` found: every file re-hashed and compared with the manifest.
public struct BundleVerification: Sendable, Equatable {
    /// SHA-256 of `manifest.json` as found in the bundle.
    public let manifestSHA256: String
    /// How many files of the archive were hashed (the manifest not counted).
    public let filesChecked: Int
    /// Every disagreement, in archive order then manifest order, then the
    /// signature's. Empty when the bundle is intact.
    public let problems: [Problem]
    /// The signature's state; a failed one is also in ``problems``.
    public let signature: SignatureStatus

    public var isIntact: Bool { problems.isEmpty }

    /// One disagreement between the archive and its manifest, naming the file.
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// Listed in the manifest, not in the archive.
        case missing(path: String)
        /// In the archive, not listed in the manifest.
        case unlisted(path: String)
        case sizeMismatch(path: String, expected: UInt64, actual: UInt64)
        case hashMismatch(path: String, expected: String, actual: String)
        /// The manifest lists the same path twice.
        case listedTwice(path: String)
        /// A pod's `files` names a path the manifest's `files` does not list.
        case podFileNotListed(pod: String, path: String)
        /// The manifest is not the one whose digest the caller expected.
        case manifestDigest(expected: String, actual: String)
        /// A key was given and the signature is missing or does not hold.
        case signature(SignatureStatus)
        /// Bytes after the bundle's one gzip member (another member, or anything).
        case afterGzipMember(bytes: UInt64, secondMember: Bool)
        /// Data after the tar end marker, where `tar -i` would find more entries.
        case afterTarEnd(offset: UInt64)

        /// One sentence naming the file. Paths from the manifest are quoted
        /// and escaped: a tampered manifest may carry terminal escapes.
        public var description: String {
            func show(_ path: String) -> String { BundleReader.display(path) }
            switch self {
            case .missing(let path):
                return "\(show(path)) is listed in the manifest but missing from the archive."
            case .unlisted(let path):
                return "\(show(path)) is in the archive but not listed in the manifest."
            case .sizeMismatch(let path, let expected, let actual):
                return "\(show(path)) is \(actual) bytes, but the manifest says \(expected)."
            case .hashMismatch(let path, let expected, let actual):
                return "\(show(path)) has SHA-256 \(actual), but the manifest says \(show(expected)): its content changed."
            case .listedTwice(let path):
                return "\(show(path)) is listed twice in the manifest."
            case .podFileNotListed(let pod, let path):
                return "Pod \(show(pod)) names the file \(show(path)), which the manifest's files list does not hold."
            case .manifestDigest(let expected, let actual):
                return "manifest.json has SHA-256 \(actual), but \(show(expected)) was expected: the manifest was changed or replaced."
            case .signature(let status):
                return "manifest.json.sig: the signature is \(status)"
            case .afterGzipMember(let bytes, let secondMember):
                return "\(bytes) bytes follow the bundle's gzip stream" + (secondMember ? ", starting a second gzip member" : "")
                    + ": they are not part of what the manifest lists (tar and libarchive would read a second member as more of the archive)."
            case .afterTarEnd(let offset):
                return "The tar stream has data after its end marker (at byte \(offset) of the uncompressed archive), which `tar -i` would extract: it is not part of what the manifest lists."
            }
        }
    }
}

extension BundleReader {
    /// Re-hashes every file in the bundle and compares it with the
    /// manifest's `files`: missing, unlisted, size and hash mismatches, each
    /// named. With `manifestSHA256`, also checks the manifest's own digest
    /// (kept outside the bundle, or signed). One pass; memory holds only
    /// the digests. With `key`, the signature must be present and hold.
    /// Throws when the bundle cannot be read at all (damaged, hostile
    /// entries, no manifest); returns problems otherwise.
    public func verify(manifestSHA256 expectedManifest: String? = nil, key: VerifyingKey? = nil) throws -> BundleVerification {
        var found: [(path: String, size: UInt64, sha256: String)] = []
        let manifestEntry = try forEachFile { entry in
            var hasher = SHA256()
            var size: UInt64 = 0
            if entry.kind == .file {
                try entry.readChunks { chunk in
                    hasher.update(bufferPointer: chunk)
                    size += UInt64(chunk.count)
                }
            }
            found.append((entry.path, size, hasher.finalize().hexString))
        }
        let manifest = manifestEntry.manifest
        var problems: [BundleVerification.Problem] = []
        if let expectedManifest, expectedManifest.lowercased() != manifestEntry.sha256 {
            problems.append(.manifestDigest(expected: expectedManifest, actual: manifestEntry.sha256))
        }

        // Paths match byte for byte: Swift compares Strings by Unicode canonical
        // equivalence, so "é" (one scalar) would otherwise match "e" + U+0301.
        var listed: [ExactPath: Manifest.File] = [:]
        for file in manifest.files where listed.updateValue(file, forKey: ExactPath(file.path)) != nil {
            problems.append(.listedTwice(path: file.path))
        }
        var present: Set<ExactPath> = []
        for file in found {
            present.insert(ExactPath(file.path))
            guard let expected = listed[ExactPath(file.path)] else {
                problems.append(.unlisted(path: file.path))
                continue
            }
            if expected.size != file.size {
                problems.append(.sizeMismatch(path: file.path, expected: expected.size, actual: file.size))
            }
            if expected.sha256.lowercased() != file.sha256 {
                problems.append(.hashMismatch(path: file.path, expected: expected.sha256, actual: file.sha256))
            }
        }
        var reportedMissing: Set<String> = []
        for file in manifest.files where !present.contains(ExactPath(file.path)) && reportedMissing.insert(file.path).inserted {
            problems.append(.missing(path: file.path))
        }
        for pod in manifest.pods {
            for path in pod.files where listed[ExactPath(path)] == nil {
                problems.append(.podFileNotListed(pod: "\(pod.namespace)/\(pod.name)", path: path))
            }
        }
        for finding in try BundleStructure.check(path: path) {
            switch finding {
            case .afterGzipMember(let bytes, let second): problems.append(.afterGzipMember(bytes: bytes, secondMember: second))
            case .afterTarEnd(let offset): problems.append(.afterTarEnd(offset: offset))
            }
        }
        let signature = manifestEntry.signatureStatus(key: key)
        if !signature.isAcceptable { problems.append(.signature(signature)) }
        return BundleVerification(manifestSHA256: manifestEntry.sha256, filesChecked: found.count, problems: problems,
                                  signature: signature)
    }
}

/// A path compared by its UTF-8 bytes, never by Unicode equivalence.
struct ExactPath: Hashable {
    let bytes: [UInt8]
    init(_ path: String) { bytes = Array(path.utf8) }
}
