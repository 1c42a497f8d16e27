import Crypto
import Foundation

/// Signs the exact bytes of `manifest.json`; given to ``BundleWriter/finish(manifest:signer:)``.
public typealias ManifestSigner = @Sendable (_ manifestBytes: Data) throws -> ManifestSignature

/// `manifest.json.sig`: the Ed25519 signature over the exact bytes of
/// `manifest.json`, written as the one entry after it.
///
/// Signing the manifest is enough: it holds every other file's SHA-256 and
/// size, so a signed manifest pins the whole bundle. The public key is
/// carried for identification only (its fingerprint is shown); `verify`
/// checks the signature with the key the user gives, never with this one.
public struct ManifestSignature: Codable, Sendable, Equatable {
    /// Always `ed25519`.
    public var algorithm: String
    /// The signer's 32-byte public key, base64.
    public var publicKey: String
    /// The 64-byte Ed25519 signature over manifest.json's bytes, base64.
    public var signature: String
    /// SHA-256 of manifest.json's bytes, lower-case hex (informative: the
    /// signature covers the bytes themselves).
    public var manifestSHA256: String

    public static let algorithmName = "ed25519"
    /// The largest signature entry a reader accepts.
    public static let maxSize: UInt64 = 64 * 1024

    public init(algorithm: String, publicKey: String, signature: String, manifestSHA256: String) {
        self.algorithm = algorithm
        self.publicKey = publicKey
        self.signature = signature
        self.manifestSHA256 = manifestSHA256
    }

    public static func sign(_ manifestBytes: Data, with key: SigningKey) throws -> ManifestSignature {
        let signature = try key.key.signature(for: manifestBytes)
        return ManifestSignature(algorithm: algorithmName, publicKey: key.publicKey.base64,
                                 signature: signature.base64EncodedString(),
                                 manifestSHA256: SHA256.hash(data: manifestBytes).hexString)
    }

    /// The entry's bytes: pretty, sorted keys, ending in a newline.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

/// What became of a bundle's signature in `verify`.
public enum SignatureStatus: Sendable, Equatable, CustomStringConvertible {
    /// No signature in the bundle, and no key asked for one.
    case absent
    /// A signature is present but no key was given: nothing is proved.
    /// Carries the fingerprint of the key it claims, when readable.
    case presentNotChecked(claimedKeyFingerprint: String?)
    /// The signature is valid for the given key, over these exact manifest bytes.
    case valid(keyFingerprint: String)
    /// A key was given but the bundle carries no signature.
    case missing
    /// The signature does not hold; the sentence says why.
    case invalid(reason: String)

    /// True unless a key was given and the signature does not hold.
    public var isAcceptable: Bool {
        switch self {
        case .absent, .presentNotChecked, .valid: return true
        case .missing, .invalid: return false
        }
    }

    /// Stable word for scripts: absent, present-not-checked, valid, missing, invalid.
    public var word: String {
        switch self {
        case .absent: return "absent"
        case .presentNotChecked: return "present-not-checked"
        case .valid: return "valid"
        case .missing: return "missing"
        case .invalid: return "invalid"
        }
    }

    public var description: String {
        switch self {
        case .absent:
            return "none (the bundle is not signed)"
        case .presentNotChecked(let fingerprint):
            return "present, not checked (give --key to check it)" + (fingerprint.map { "; it names the key with fingerprint \($0)" } ?? "")
        case .valid(let fingerprint):
            return "valid, Ed25519, key fingerprint \(fingerprint)"
        case .missing:
            return "missing: a key was given, but the bundle has no manifest.json.sig"
        case .invalid(let reason):
            return "INVALID: \(reason)"
        }
    }

    /// Checks `signatureBytes` (the entry, if any) over `manifestBytes`.
    static func check(signatureBytes: [UInt8]?, manifestBytes: [UInt8], manifestSHA256: String,
                      key: VerifyingKey?) -> SignatureStatus {
        guard let signatureBytes else { return key == nil ? .absent : .missing }
        let decoded = try? JSONDecoder().decode(ManifestSignature.self, from: Data(signatureBytes))
        guard let key else {
            let claimed = decoded.flatMap { Data(base64Encoded: $0.publicKey) }.map { SHA256.hash(data: $0).hexString }
            return .presentNotChecked(claimedKeyFingerprint: claimed)
        }
        guard let decoded else {
            return .invalid(reason: "manifest.json.sig is not the JSON of a signature (algorithm, publicKey, signature, manifestSHA256).")
        }
        guard decoded.algorithm == ManifestSignature.algorithmName else {
            return .invalid(reason: "manifest.json.sig uses the algorithm \(BundleReader.display(decoded.algorithm)); only ed25519 is accepted.")
        }
        guard let signature = Data(base64Encoded: decoded.signature), signature.count == 64 else {
            return .invalid(reason: "the signature in manifest.json.sig is not 64 bytes of base64.")
        }
        guard key.key.isValidSignature(signature, for: Data(manifestBytes)) else {
            if decoded.publicKey != key.base64 {
                let claimed = Data(base64Encoded: decoded.publicKey).map { SHA256.hash(data: $0).hexString } ?? "unreadable"
                return .invalid(reason: "the bundle was signed by another key (fingerprint \(claimed)), not by the given key (fingerprint \(key.fingerprint)).")
            }
            return .invalid(reason: "the signature does not match manifest.json for the given key (fingerprint \(key.fingerprint)): the manifest was changed after it was signed.")
        }
        if decoded.manifestSHA256.lowercased() != manifestSHA256 {
            return .invalid(reason: "the signature holds, but manifest.json.sig records the manifest digest \(BundleReader.display(decoded.manifestSHA256)) instead of \(manifestSHA256).")
        }
        return .valid(keyFingerprint: key.fingerprint)
    }
}
