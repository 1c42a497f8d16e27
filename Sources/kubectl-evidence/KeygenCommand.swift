import ArgumentParser
import Bundle
import Foundation
import Presentation

/// `kubectl-evidence keygen`: makes the Ed25519 key pair that signs bundles.
///
/// The private key is PKCS#8 PEM, mode 0600, created exclusively (never
/// replacing a key by accident: a lost signing key cannot be recovered);
/// the public key, to hand to whoever verifies, is `KEY.pub` in
/// SubjectPublicKeyInfo PEM. Both are what OpenSSL reads and writes.
struct KeygenCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
        commandName: "keygen",
        abstract: "Make an Ed25519 key pair for signing bundles (collect --sign-key KEY, verify --key KEY.pub).",
        discussion: """
            Writes KEY (the private key, PKCS#8 PEM, mode 0600) and KEY.pub (the public key, \
            SubjectPublicKeyInfo PEM), the formats of `openssl genpkey -algorithm ed25519` and \
            `openssl pkey -pubout`. Prints the public key's fingerprint (SHA-256 of its 32 bytes), \
            which `verify` shows for a valid signature.
            """ + HelpText.examples([("A key pair for the incident team", "keygen --out evidence.key")])
        )
    }

    @Option(name: .customLong("out"), help: "Path of the private key to write; the public key goes to <path>.pub.")
    var out: String

    @Flag(name: .customLong("force"), help: "Replace existing key files.")
    var force = false

    func validate() throws {
        if out.isEmpty { throw ValidationError("--out needs a file name for the private key.") }
    }

    func run() throws {
        let output = OutputContext.standard
        do {
            let key = SigningKey()
            let publicPath = out + ".pub"
            try Self.write(key.pemRepresentation, to: out, mode: 0o600, force: force, what: "private key")
            try Self.write(key.publicKey.pemRepresentation, to: publicPath, mode: 0o644, force: force, what: "public key")
            output.print("""
                Private key: \(out) (mode 0600; keep it secret, use it with collect --sign-key)
                Public key:  \(publicPath) (give it to verifiers: verify --key \(publicPath))
                Fingerprint: \(key.publicKey.fingerprint)

                """)
        } catch let error as KeyFileError {
            output.printError(message: error.message)
            throw ExitCode(1)
        }
    }

    struct KeyFileError: Error { var message: String }

    /// Creates the file with `mode` from the start (no window in which a
    /// private key is readable by others), exclusively unless forced.
    static func write(_ text: String, to path: String, mode: mode_t, force: Bool, what: String) throws {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL)
        let descriptor = open(path, flags, mode)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            if errno == EEXIST {
                throw KeyFileError(message: "The \(what) file \(path) already exists; choose another --out, or give --force to replace it (a replaced signing key cannot be recovered).")
            }
            throw KeyFileError(message: "Could not create the \(what) file \(path): \(reason).")
        }
        defer { close(descriptor) }
        // With --force the file may have existed with a looser mode.
        guard fchmod(descriptor, mode) == 0 else {
            throw KeyFileError(message: "Could not set mode \(String(mode, radix: 8)) on the \(what) file \(path): \(String(cString: strerror(errno))).")
        }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw KeyFileError(message: "Could not write the \(what) file \(path): \(String(cString: strerror(errno))).")
            }
            written += n
        }
        guard fsync(descriptor) == 0 else {
            throw KeyFileError(message: "Could not sync the \(what) file \(path) to disk: \(String(cString: strerror(errno))).")
        }
    }
}
