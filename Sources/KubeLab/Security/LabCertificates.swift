import Crypto
import Foundation
import SwiftASN1
import X509

/// The lab's PKI, made fresh at every start: a CA, a server certificate for
/// 127.0.0.1 / ::1 / localhost (IP SANs, as Go's verifier requires for an IP URL),
/// and the admin client certificate (CN=admin, O=system:masters).
struct LabCertificates: Sendable {
    let caCertificatePEM: String
    let caKeyPEM: String
    let serverCertificatePEM: String
    let serverKeyPEM: String
    let adminCertificatePEM: String
    let adminKeyPEM: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func make(now: Date = Date()) throws -> LabCertificates {
        do {
            let caKey = P256.Signing.PrivateKey()
            let caName = try DistinguishedName { CommonName("kubelab-ca") }
            let caPublic = Certificate.PublicKey(caKey.publicKey)
            let ca = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: caPublic, notValidBefore: now.addingTimeInterval(-3600),
                notValidAfter: now.addingTimeInterval(10 * 365 * 86400), issuer: caName, subject: caName,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: caPublic)
                }, issuerPrivateKey: .init(caKey))
            let caKeyID = try ca.extensions.subjectKeyIdentifier?.keyIdentifier

            func leaf(_ subject: DistinguishedName, server: Bool) throws -> (Certificate, P256.Signing.PrivateKey) {
                let key = P256.Signing.PrivateKey()
                let cert = try Certificate(
                    version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: now.addingTimeInterval(-3600),
                    notValidAfter: now.addingTimeInterval(365 * 86400), issuer: caName, subject: subject,
                    signatureAlgorithm: .ecdsaWithSHA256,
                    extensions: try Certificate.Extensions {
                        Critical(BasicConstraints.notCertificateAuthority)
                        Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                        try ExtendedKeyUsage([server ? .serverAuth : .clientAuth])
                        AuthorityKeyIdentifier(keyIdentifier: caKeyID)
                        if server {
                            SubjectAlternativeNames([
                                .dnsName("localhost"), .dnsName("kubelab"),
                                .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                                .ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))),
                            ])
                        }
                    }, issuerPrivateKey: .init(caKey))
                return (cert, key)
            }
            let (server, serverKey) = try leaf(try DistinguishedName { CommonName("kubelab-apiserver") }, server: true)
            let (admin, adminKey) = try leaf(
                try DistinguishedName {
                    OrganizationName("system:masters")
                    CommonName("admin")
                }, server: false)
            return LabCertificates(
                caCertificatePEM: try ca.serializeAsPEM().pemString, caKeyPEM: caKey.pemRepresentation,
                serverCertificatePEM: try server.serializeAsPEM().pemString, serverKeyPEM: serverKey.pemRepresentation,
                adminCertificatePEM: try admin.serializeAsPEM().pemString, adminKeyPEM: adminKey.pemRepresentation)
        } catch {
            throw Failure(description: "The lab could not make its certificates (CA, server, admin client): \(error)")
        }
    }

    /// The user a verified client certificate stands for: CN is the name, each O a group.
    static func identity(fromDER der: [UInt8]) -> LabIdentity? {
        guard let cert = try? Certificate(derEncoded: der) else { return nil }
        var name: String? = nil
        var groups: [String] = []
        for rdn in cert.subject {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName { name = String(attribute.value) }
                if attribute.type == .RDNAttributeType.organizationName, let o = String(attribute.value) { groups.append(o) }
            }
        }
        guard let name else { return nil }
        let fingerprint = LabNames.sha256Hex(der)
        return LabIdentity(
            username: name, uid: nil, groups: groups + ["system:authenticated"],
            extra: ["authentication.kubernetes.io/credential-id": ["X509SHA256=\(fingerprint)"]])
    }
}
