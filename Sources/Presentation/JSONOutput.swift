import Bundle
import Foundation

/// JSON as the tool prints it: pretty, keys sorted, slashes unescaped, and no
/// raw control character anywhere.
public enum JSONOutput {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = Manifest.makeEncoder()
        return escapingControls(try encoder.encode(value))
    }

    /// `json` with DEL and the C1 controls (U+0080–U+009F) written as `\u` escapes.
    ///
    /// JSONEncoder escapes C0 controls only; JSON allows the others raw, and a
    /// terminal obeys them (U+009B is CSI). Strings from a pod or a bundle reach
    /// the output, so they are escaped here, where they can only be inside JSON
    /// strings: everything else JSONEncoder writes is ASCII.
    public static func escapingControls(_ json: Data) -> Data {
        guard json.contains(where: { $0 == 0x7F || $0 == 0xC2 }) else { return json }
        var out = [UInt8]()
        out.reserveCapacity(json.count + 64)
        let bytes = [UInt8](json)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x7F {
                out += Array("\\u007f".utf8)
            } else if byte == 0xC2, index + 1 < bytes.count, (0x80...0x9F).contains(bytes[index + 1]) {
                out += Array(String(format: "\\u%04x", Int(bytes[index + 1])).utf8)
                index += 1
            } else {
                out.append(byte)
            }
            index += 1
        }
        return Data(out)
    }
}
