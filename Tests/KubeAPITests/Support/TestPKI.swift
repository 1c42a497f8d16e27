import Foundation
import TestSupport

/// Certificates made at test time with /usr/bin/openssl: a CA, an unrelated
/// CA (for the wrong-CA test), server certificates (one for 127.0.0.1, one
/// only for the name kubernetes.test) and client certificates with RSA
/// (PKCS#8 and PKCS#1) and EC keys, and one issued by an intermediate CA.
struct TestPKI: Sendable {
    let directory: String
    /// Keeps the directory for as long as the PKI is used (the whole test run).
    private let temporary: TemporaryDirectory
    var caCert: String { directory + "/ca.crt" }
    var otherCACert: String { directory + "/other-ca.crt" }
    var serverCert: String { directory + "/server.crt" }
    var serverKey: String { directory + "/server.key" }
    var sniServerCert: String { directory + "/sni-server.crt" }
    var sniServerKey: String { directory + "/sni-server.key" }
    var clientRSACert: String { directory + "/client-rsa.crt" }
    var clientRSAKey: String { directory + "/client-rsa.key" }
    var clientRSAPKCS1Key: String { directory + "/client-rsa-pkcs1.key" }
    var clientECCert: String { directory + "/client-ec.crt" }
    var clientECKey: String { directory + "/client-ec.key" }
    /// Issued by the CA, valid only from 2020-01-01 to 2020-01-02 UTC.
    var clientExpiredCert: String { directory + "/client-expired.crt" }
    var clientExpiredKey: String { directory + "/client-expired.key" }
    /// Leaf followed by the intermediate that issued it.
    var clientChainCert: String { directory + "/client-chain.crt" }
    var clientChainKey: String { directory + "/client-chain.key" }

    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    private static let cached: Result<TestPKI, any Error> = Result { try generate() }

    static func shared() throws -> TestPKI { try cached.get() }

    private static func generate() throws -> TestPKI {
        let temporary = try TemporaryDirectory(prefix: "pki")
        let directory = temporary.path
        func run(_ arguments: [String]) throws {
            let result = try ProcessRunner.run("/usr/bin/openssl", arguments, directory: directory)
            guard result.status == 0 else {
                throw PKIError(message: "openssl \(arguments.joined(separator: " ")) failed: \(result.stderr)")
            }
        }
        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        try write("ca.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
        try write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        try write("sni.ext", "subjectAltName=DNS:kubernetes.test\nextendedKeyUsage=serverAuth\n")
        try write("client.ext", "extendedKeyUsage=clientAuth\n")

        // EC keys except where RSA is the point: RSA key generation is slow, and tests wait for it.
        let ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout"]
        func selfSignedCA(_ name: String, _ cn: String) throws {
            try run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "\(name).key", "-out", "\(name).crt",
                     "-days", "2", "-subj", "/CN=\(cn)", "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        }
        func issue(_ name: String, cn: String, issuer: String, ext: String, key: [String]) throws {
            try run(["req", "-new"] + key + ["\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(cn)"])
            try run(["x509", "-req", "-in", "\(name).csr", "-CA", "\(issuer).crt", "-CAkey", "\(issuer).key",
                     "-CAcreateserial", "-out", "\(name).crt", "-days", "2", "-extfile", ext])
        }
        try selfSignedCA("ca", "kubeapi-test-ca")
        try selfSignedCA("other-ca", "some-other-ca")
        try issue("server", cn: "kube-apiserver", issuer: "ca", ext: "server.ext", key: ecKey)
        try issue("sni-server", cn: "kubernetes.test", issuer: "ca", ext: "sni.ext", key: ecKey)
        try issue("client-rsa", cn: "admin", issuer: "ca", ext: "client.ext", key: ["-newkey", "rsa:2048", "-nodes", "-keyout"])
        try run(["rsa", "-in", "client-rsa.key", "-traditional", "-out", "client-rsa-pkcs1.key"])
        try run(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "client-ec.key"])
        try issue("client-ec", cn: "ec-user", issuer: "ca", ext: "client.ext", key: ["-key"])
        try issue("intermediate", cn: "kubeapi-test-intermediate", issuer: "ca", ext: "ca.ext", key: ecKey)
        try issue("client-leaf", cn: "chained-user", issuer: "intermediate", ext: "client.ext", key: ecKey)
        let leaf = try String(contentsOfFile: directory + "/client-leaf.crt", encoding: .utf8)
        let intermediate = try String(contentsOfFile: directory + "/intermediate.crt", encoding: .utf8)
        try write("client-chain.crt", leaf + intermediate)
        try FileManager.default.copyItem(atPath: directory + "/client-leaf.key", toPath: directory + "/client-chain.key")
        // An expired certificate: `openssl ca` is the one command that takes explicit dates.
        try write("ca.cnf", """
            [ca]
            default_ca = test
            [test]
            database = index.txt
            new_certs_dir = .
            serial = ca.serial
            default_md = sha256
            policy = any
            unique_subject = no
            [any]
            commonName = supplied
            """)
        try write("index.txt", "")
        try write("ca.serial", "1000\n")
        try run(["req", "-new"] + ecKey + ["client-expired.key", "-out", "client-expired.csr", "-subj", "/CN=expired-user"])
        try run(["ca", "-batch", "-config", "ca.cnf", "-cert", "ca.crt", "-keyfile", "ca.key", "-in", "client-expired.csr",
                 "-out", "client-expired.crt", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
                 "-extfile", "client.ext", "-notext"])
        return TestPKI(directory: directory, temporary: temporary)
    }

    struct PKIError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
