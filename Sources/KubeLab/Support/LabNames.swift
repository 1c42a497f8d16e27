import Crypto
import Foundation

/// Names, hashes and identifiers made the way Kubernetes makes them.
enum LabNames {
    /// `k8s.io/apimachinery/pkg/util/rand` alphabet: no vowels, no 0/1/3, so names never spell words.
    static let alphanums = Array("bcdfghjklmnpqrstvwxz2456789")

    /// A `generateName` suffix: 5 characters from the safe alphabet.
    static func randomSuffix(_ count: Int = 5) -> String {
        String((0..<count).map { _ in alphanums.randomElement()! })
    }

    /// `rand.SafeEncodeString(fmt.Sprint(fnv32a(template)))`, as the Deployment and
    /// StatefulSet controllers compute pod-template-hash and controller-revision-hash.
    static func templateHash(_ template: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for b in template.utf8 {
            hash ^= UInt32(b)
            hash = hash &* 16_777_619
        }
        return String(String(hash).unicodeScalars.map { alphanums[Int($0.value) % alphanums.count] })
    }

    static func uuid() -> String { UUID().uuidString.lowercased() }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out: [UInt8] = []
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func randomHex(_ bytes: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return hex((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    static func sha256Hex(_ text: String) -> String { hex(SHA256.hash(data: Array(text.utf8))) }

    static func sha256Hex(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    /// The fully qualified reference containerd reports for an image (`busybox:1.36` →
    /// `docker.io/library/busybox:1.36`).
    static func normalizedImage(_ image: String) -> String {
        var ref = image
        let first = ref.split(separator: "/").first.map(String.init) ?? ref
        let hasRegistry = ref.contains("/") && (first.contains(".") || first.contains(":") || first == "localhost")
        if !hasRegistry {
            ref = ref.contains("/") ? "docker.io/" + ref : "docker.io/library/" + ref
        }
        let last = ref.split(separator: "/").last.map(String.init) ?? ref
        if !last.contains(":") && !last.contains("@") { ref += ":latest" }
        return ref
    }

    /// `repo@sha256:<digest>`; the digest is derived from the reference so that all
    /// pods running the same image report the same image ID, as on a real node.
    static func imageID(_ image: String) -> String {
        let normalized = normalizedImage(image)
        var repo = normalized
        if let at = repo.firstIndex(of: "@") { repo = String(repo[..<at]) }
        if let slash = repo.lastIndex(of: "/"), let colon = repo.lastIndex(of: ":"), colon > slash { repo = String(repo[..<colon]) }
        return "\(repo)@sha256:\(sha256Hex("kubelab image " + normalized))"
    }
}
