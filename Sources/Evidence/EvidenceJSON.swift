import Foundation

/// The one JSON form of the evidence files: sorted keys, pretty printed,
/// slashes unescaped, so bundles are stable byte for byte for the same evidence.
public enum EvidenceJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}
