import Crypto

extension Sequence where Element == UInt8 {
    /// Lower-case hex, two digits a byte: how the manifest writes digests.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension SHA256.Digest {
    /// The digest in lower-case hex, as `sha256sum` prints it.
    var hexString: String { Array(self).hexString }
}
