import ArgumentParser
import Bundle
import Foundation

/// `kubectl-evidence verify`: is this bundle what its manifest (and its
/// signer) says it is? Every file is re-hashed in one streaming pass.
struct VerifyCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
        commandName: "verify",
        abstract: "Check a bundle: every file's SHA-256 and size against the manifest, the manifest's digest, the signature.",
        discussion: """
            Exit status: 0 only when every file matches the manifest, no file is missing or \
            unlisted, the manifest has the digest given with --manifest-sha256 (if given), and \
            the signature holds for the key given with --key (if given). 1 otherwise, or when \
            the bundle cannot be read or is refused (links, absolute paths, "..", absurd sizes). \
            A signature present without --key is reported as "present, not checked". \
            64 for a usage error.
            """ + HelpText.examples([
                ("Every file against the manifest", "verify incident-4211.tar.gz"),
                ("Also the signature, and the manifest digest written in the ticket",
                 "verify case-4211.tar.gz --key ev.key.pub --manifest-sha256 67117a34…"),
            ])
        )
    }

    @Argument(help: "The bundle (.tar.gz) to verify.")
    var bundle: String

    @Option(name: .customLong("key"), help: "Ed25519 public key (KEY.pub from keygen) the manifest must be signed with.")
    var key: String?

    @Option(name: .customLong("manifest-sha256"), help: "The SHA-256 that manifest.json must have (as collect printed it, or from the incident ticket).")
    var manifestSHA256: String?

    @Flag(name: .customLong("json"), help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if let manifestSHA256, manifestSHA256.count != 64 || !manifestSHA256.allSatisfy(\.isHexDigit) {
            throw ValidationError("--manifest-sha256 must be 64 hex digits (a SHA-256), got \"\(manifestSHA256)\".")
        }
    }

    func run() throws {
        let report: VerifyReport
        do {
            let verifyingKey = try key.map { try VerifyingKey(contentsOf: $0) }
            let verification = try BundleReader(path: bundle).verify(manifestSHA256: manifestSHA256, key: verifyingKey)
            report = VerifyReport(bundle: bundle, verification: verification, expectedManifest: manifestSHA256)
        } catch {
            if json {
                let failure = VerifyReport.Unreadable(bundle: bundle, intact: false, error: CommandErrors.describe(error))
                print(String(decoding: try JSONOutput.encode(failure), as: UTF8.self))
            } else {
                CommandErrors.print(error)
            }
            throw ExitCode(1)
        }
        if json {
            print(String(decoding: try JSONOutput.encode(report), as: UTF8.self))
        } else {
            print(report.renderText(), terminator: "")
        }
        if !report.intact { throw ExitCode(1) }
    }
}

/// What `verify` prints, as text or JSON (field names are stable).
struct VerifyReport: Encodable {
    var bundle: String
    var intact: Bool
    var manifestSHA256: String
    /// The digest given with --manifest-sha256, if any.
    var expectedManifestSHA256: String?
    var filesChecked: Int
    var signature: Signature
    var problems: [Problem]

    struct Signature: Encodable {
        /// absent, present-not-checked, valid, missing, invalid
        var status: String
        var detail: String
    }

    struct Problem: Encodable {
        /// missing, unlisted, size, hash, listed-twice, pod-file-not-listed, manifest-digest, signature
        var kind: String
        /// The file concerned, as the archive or manifest names it (JSON escapes it).
        var path: String?
        var message: String
    }

    struct Unreadable: Encodable {
        var bundle: String
        var intact: Bool
        var error: String
    }

    init(bundle: String, verification: BundleVerification, expectedManifest: String?) {
        self.bundle = bundle
        self.intact = verification.isIntact
        self.manifestSHA256 = verification.manifestSHA256
        self.expectedManifestSHA256 = expectedManifest?.lowercased()
        self.filesChecked = verification.filesChecked
        self.signature = Signature(status: verification.signature.word, detail: verification.signature.description)
        self.problems = verification.problems.map(Self.problem)
    }

    static func problem(_ problem: BundleVerification.Problem) -> Problem {
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
    func renderText() -> String {
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

/// JSON as the tool prints it: pretty, keys sorted, slashes unescaped.
enum JSONOutput {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = Manifest.makeEncoder()
        return try encoder.encode(value)
    }
}
