import Crypto
import Foundation

/// An Ed25519 private key that signs manifests (`collect --sign-key`).
///
/// Stored as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), the form OpenSSL
/// writes with `openssl genpkey -algorithm ed25519`, so keys can be made,
/// inspected and kept with the tools a security team already has. The file
/// holds the 32-byte seed only; the public key is derived from it.
public struct SigningKey: Sendable {
    public let key: Curve25519.Signing.PrivateKey

    public init(_ key: Curve25519.Signing.PrivateKey = Curve25519.Signing.PrivateKey()) {
        self.key = key
    }

    public var publicKey: VerifyingKey { VerifyingKey(key.publicKey) }

    /// PKCS#8 DER for Ed25519 is this fixed prefix and the 32-byte seed (RFC 8410).
    static let pkcs8Prefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                       0x04, 0x22, 0x04, 0x20]

    /// The key as PKCS#8 PEM, ending in a newline.
    public var pemRepresentation: String {
        PEM.encode(label: "PRIVATE KEY", der: Self.pkcs8Prefix + Array(key.rawRepresentation))
    }

    /// Reads a key from PKCS#8 PEM. `source` names the file in errors.
    public init(pem text: String, source: String) throws {
        let der = try PEM.decode(text, label: "PRIVATE KEY", source: source,
                                 hint: "make one with `kubectl-evidence keygen --out KEY` or `openssl genpkey -algorithm ed25519`")
        guard der.count == Self.pkcs8Prefix.count + 32, Array(der.prefix(Self.pkcs8Prefix.count)) == Self.pkcs8Prefix else {
            throw BundleError(.signature, "The private key \(source) is not an Ed25519 key (PKCS#8, OID 1.3.101.112); only Ed25519 keys sign bundles.")
        }
        do {
            self.key = try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        } catch {
            throw BundleError(.signature, "The private key \(source) holds an Ed25519 seed that could not be loaded: \(error).")
        }
    }

    /// Reads a key file; the message names the file and what is wrong.
    public init(contentsOf path: String) throws {
        try self.init(pem: try readKeyFile(path, what: "private key"), source: path)
    }

    /// A signer for ``BundleWriter/finish(manifest:signer:)``.
    public var signer: ManifestSigner {
        { [self] manifestBytes in try ManifestSignature.sign(manifestBytes, with: self) }
    }
}

/// An Ed25519 public key that checks a bundle's signature (`verify --key`).
///
/// Read from SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`, what
/// `keygen` writes to `KEY.pub` and `openssl pkey -pubout` prints), from the
/// private key's PEM (its public half is used), or from the bare base64 of
/// the 32 key bytes as `manifest.json.sig` shows it.
public struct VerifyingKey: Sendable, Equatable {
    public let key: Curve25519.Signing.PublicKey

    public init(_ key: Curve25519.Signing.PublicKey) {
        self.key = key
    }

    public static func == (lhs: VerifyingKey, rhs: VerifyingKey) -> Bool {
        lhs.key.rawRepresentation == rhs.key.rawRepresentation
    }

    static let spkiPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// The 32 key bytes in base64, as the signature entry holds them.
    public var base64: String { key.rawRepresentation.base64EncodedString() }

    /// SHA-256 of the 32 key bytes, lower-case hex: a short name to compare keys by.
    public var fingerprint: String { SHA256.hash(data: key.rawRepresentation).hexString }

    /// The key as SubjectPublicKeyInfo PEM, ending in a newline.
    public var pemRepresentation: String {
        PEM.encode(label: "PUBLIC KEY", der: Self.spkiPrefix + Array(key.rawRepresentation))
    }

    /// Reads any of the three accepted forms. `source` names the file in errors.
    public init(text: String, source: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.contains("-----BEGIN PRIVATE KEY-----") {
            self = try SigningKey(pem: text, source: source).publicKey
            return
        }
        let raw: [UInt8]
        if trimmed.contains("-----BEGIN") {
            let der = try PEM.decode(text, label: "PUBLIC KEY", source: source,
                                     hint: "give the KEY.pub file that `kubectl-evidence keygen` wrote")
            guard der.count == Self.spkiPrefix.count + 32, Array(der.prefix(Self.spkiPrefix.count)) == Self.spkiPrefix else {
                throw BundleError(.signature, "The public key \(source) is not an Ed25519 key (OID 1.3.101.112); bundles are signed with Ed25519 only.")
            }
            raw = Array(der.suffix(32))
        } else if let bytes = Data(base64Encoded: trimmed), bytes.count == 32 {
            raw = Array(bytes)
        } else {
            throw BundleError(.signature, "The public key \(source) is neither a PEM public key nor the base64 of 32 Ed25519 key bytes; give the KEY.pub file that `kubectl-evidence keygen` wrote.")
        }
        do {
            self.key = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        } catch {
            throw BundleError(.signature, "The public key \(source) could not be loaded as an Ed25519 key: \(error).")
        }
    }

    public init(contentsOf path: String) throws {
        try self.init(text: try readKeyFile(path, what: "public key"), source: path)
    }
}

/// Reads a small key file, refusing anything that cannot be a key.
private func readKeyFile(_ path: String, what: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BundleError(.signature, "Could not read the \(what) \(path): \(FileManager.default.fileExists(atPath: path) ? "permission denied or not a regular file" : "no such file").")
    }
    guard data.count <= 16 * 1024, let text = String(data: data, encoding: .utf8) else {
        throw BundleError(.signature, "The \(what) \(path) is not a PEM text file (\(data.count) bytes).")
    }
    return text
}

/// The few lines of PEM the keys need (RFC 7468).
enum PEM {
    static func encode(label: String, der: [UInt8]) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }

    static func decode(_ text: String, label: String, source: String, hint: String) throws -> [UInt8] {
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        guard let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex) else {
            throw BundleError(.signature, "The file \(source) has no \"\(begin)\" block; \(hint).")
        }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: String(body)) else {
            throw BundleError(.signature, "The \"\(label)\" block of \(source) is not valid base64; \(hint).")
        }
        return Array(der)
    }
}
