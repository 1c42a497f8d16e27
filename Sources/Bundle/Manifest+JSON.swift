import Foundation

extension Manifest {
    /// The manifest as it goes into the bundle: pretty-printed, keys sorted,
    /// slashes unescaped, dates as RFC 3339 in UTC with milliseconds
    /// (`2026-11-29T01:02:03.456Z`), ending in a newline. The same manifest
    /// always gives the same bytes.
    public func jsonData() throws -> Data {
        var data = try Manifest.makeEncoder().encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Decodes a manifest, refusing a `schemaVersion` this code does not know
    /// (a newer tool's bundle) instead of silently misreading it.
    public static func decode(from data: Data, source: String = "manifest.json") throws -> Manifest {
        let manifest: Manifest
        do {
            manifest = try makeDecoder().decode(Manifest.self, from: data)
        } catch let error as DecodingError {
            throw BundleError(.manifest, "The manifest \(source) is not valid: \(describe(error))")
        }
        guard manifest.schemaVersion == currentSchemaVersion else {
            throw BundleError(.manifest, "The manifest \(source) has schemaVersion \(manifest.schemaVersion), but this kubectl-evidence reads only version \(currentSchemaVersion); use the kubectl-evidence that wrote it (tool \(manifest.tool.name) \(manifest.tool.version)).")
        }
        return manifest
    }

    /// The encoder behind ``jsonData()``, for callers that embed manifest
    /// types in their own JSON (the `inspect --json` output).
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return encoder
    }

    /// The decoder matching ``makeEncoder()``; it also accepts RFC 3339 times
    /// without fractional seconds or with an offset.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "\"\(text)\" is not an RFC 3339 time such as 2026-11-29T01:02:03.456Z")
            }
            return date
        }
        return decoder
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "at the top level" : "at \(keys.hasPrefix(".") ? String(keys.dropFirst()) : keys)"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "the field \"\(key.stringValue)\" is missing \(path(context))."
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(context.debugDescription) (\(path(context)))."
        case .dataCorrupted(let context):
            return "\(context.debugDescription) (\(path(context)))."
        @unknown default:
            return "\(error)."
        }
    }
}

/// RFC 3339 timestamps in UTC, as Kubernetes writes them, with milliseconds.
enum RFC3339 {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    private static let withoutFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt)

    static func format(_ date: Date) -> String {
        date.formatted(withFraction)
    }

    static func parse(_ text: String) -> Date? {
        (try? withFraction.parse(text)) ?? (try? withoutFraction.parse(text))
    }
}
