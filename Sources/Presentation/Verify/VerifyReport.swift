import Bundle
import Foundation

/// What `verify` prints, as text or JSON (field names are stable).
public struct VerifyReport: Encodable {
    public var bundle: String
    public var intact: Bool
    public var manifestSHA256: String
    /// The digest given with --manifest-sha256, if any.
    public var expectedManifestSHA256: String?
    public var filesChecked: Int
    public var signature: Signature
    public var problems: [Problem]

    public struct Signature: Encodable {
        /// absent, present-not-checked, valid, missing, invalid
        var status: String
        var detail: String
    }

    public struct Problem: Encodable {
        /// missing, unlisted, size, hash, listed-twice, pod-file-not-listed, manifest-digest, signature
        var kind: String
        /// The file concerned, as the archive or manifest names it (JSON escapes it).
        var path: String?
        var message: String
    }

    public struct Unreadable: Encodable {
        var bundle: String
        var intact: Bool
        var error: String

        public init(bundle: String, intact: Bool, error: String) {
            self.bundle = bundle
            self.intact = intact
            self.error = error
        }
    }

    public init(bundle: String, verification: BundleVerification, expectedManifest: String?) {
        self.bundle = bundle
        self.intact = verification.isIntact
        self.manifestSHA256 = verification.manifestSHA256
        self.expectedManifestSHA256 = expectedManifest?.lowercased()
        self.filesChecked = verification.filesChecked
        self.signature = Signature(status: verification.signature.word, detail: verification.signature.description)
        self.problems = verification.problems.map(Self.problem)
    }

    public static func problem(_ problem: BundleVerification.Problem) -> Problem {
        let (kind, path): (String, String?)
        switch problem {
        case .missing(let p): (kind, path) = ("missing", p)
        case .unlisted(let p): (kind, path) = ("unlisted", p)
        case .sizeMismatch(let p, _, _): (kind, path) = ("size", p)
        case .hashMismatch(let p, _, _): (kind, path) = ("hash", p)
        case .listedTwice(let p): (kind, path) = ("listed-twice", p)
        case .podFileNotListed(_, let p): (kind, path) = ("pod-file-not-listed", p)
        case .manifestDigest: (kind, path) = ("manifest-digest", "manifest.json")
        case .signature: (kind, path) = ("signature", "manifest.json.sig")
        case .afterGzipMember: (kind, path) = ("after-gzip-member", nil)
        case .afterTarEnd: (kind, path) = ("after-tar-end", nil)
        }
        return Problem(kind: kind, path: path, message: problem.description)
    }

    /// The text report; every name from the bundle is escaped (the problems'
    /// sentences quote paths through `BundleReader.display`).
    public func renderText() -> String {
        var out = "Bundle:            \(BundleReader.display(bundle))\n"
        let digestNote: String
        if let expectedManifestSHA256 {
            digestNote = expectedManifestSHA256 == manifestSHA256 ? " (matches --manifest-sha256)" : " (DOES NOT MATCH --manifest-sha256 \(expectedManifestSHA256))"
        } else {
            digestNote = " (not compared: give --manifest-sha256 to check it against the digest collect printed)"
        }
        out += "Manifest SHA-256:  \(manifestSHA256)\(digestNote)\n"
        out += "Files checked:     \(filesChecked)\n"
        out += "Signature:         \(signature.detail)\n"
        if problems.isEmpty && signature.status == "present-not-checked" {
            out += "Result:            FILES OK, SIGNATURE NOT CHECKED: every file matches the manifest, but the signature was not verified (give --key KEY.pub); nothing proves who made this manifest.\n"
        } else if problems.isEmpty {
            out += "Result:            OK: every file matches the manifest.\n"
        } else {
            out += "Problems:\n"
            for problem in problems { out += "  - \(problem.message)\n" }
            out += "Result:            FAILED: \(problems.count) problem\(problems.count == 1 ? "" : "s"); this bundle is not what its manifest says.\n"
        }
        return out
    }
}
