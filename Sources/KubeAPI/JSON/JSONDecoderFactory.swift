import Foundation

/// One place that decides how API JSON is decoded, so the fast path stays the
/// only path: `JSONDecoder` into partial models (never `JSONSerialization`,
/// which DESIGN.md measured at 3× the time and 10× the memory).
enum JSONDecoderFactory {
    static let shared = Decoder()

    struct Decoder: Sendable {
        func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
            try JSONDecoder().decode(type, from: Data(bytes))
        }
    }
}
