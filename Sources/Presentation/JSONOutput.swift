import Bundle
import Foundation

/// JSON as the tool prints it: pretty, keys sorted, slashes unescaped.
public enum JSONOutput {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = Manifest.makeEncoder()
        return try encoder.encode(value)
    }
}
