import ArgumentParser
import Bundle
import Foundation
import Presentation

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

    @Argument(help: "The bundle (.tar.gz) to verify.", completion: .file(extensions: ["gz"]))
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
        try run(output: .standard)
    }

    func run(output: OutputContext) throws {
        let report: VerifyReport
        do {
            let verifyingKey = try key.map { try VerifyingKey(contentsOf: $0) }
            let verification = try BundleReader(path: bundle).verify(manifestSHA256: manifestSHA256, key: verifyingKey)
            report = VerifyReport(bundle: bundle, verification: verification, expectedManifest: manifestSHA256)
        } catch {
            if json {
                let failure = VerifyReport.Unreadable(bundle: bundle, intact: false, error: CommandErrors.describe(error))
                try output.printJSON(failure)
            } else {
                CommandErrors.print(error, to: output)
            }
            throw ExitCode(1)
        }
        if json {
            try output.printJSON(report)
        } else {
            output.print(report.renderText())
        }
        if !report.intact { throw ExitCode(1) }
    }
}
