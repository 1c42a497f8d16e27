import Foundation
import JSONBytes

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
        try decode(from: data, source: source, deferPodCheck: false)
    }

    private static func decode(from data: Data, source: String, deferPodCheck: Bool) throws -> Manifest {
        let manifest: Manifest
        do {
            manifest = try makeDecoder().decode(Manifest.self, from: data)
        } catch let error as DecodingError {
            throw BundleError(.manifest, "The manifest \(source) is not valid: \(describe(error))")
        }
        guard [currentSchemaVersion, multiClusterSchemaVersion].contains(manifest.schemaVersion) else {
            throw BundleError(.manifest, "The manifest \(source) has schemaVersion \(manifest.schemaVersion), but this kubectl-evidence reads only versions \(currentSchemaVersion) and \(multiClusterSchemaVersion); use the kubectl-evidence that wrote it (tool \(manifest.tool.name) \(manifest.tool.version)).")
        }
        // The pods are not decoded yet when the rest is decoded on its own: they are checked by the caller.
        if !deferPodCheck { try manifest.checkConsistency(source: source) }
        return manifest
    }

    /// Decodes a manifest from bytes, one pod at a time.
    ///
    /// A 5,000-pod manifest is 20 MB; `JSONDecoder` first maps the whole
    /// document (about 35 MB more for that one, doubled while its map grows),
    /// which was the peak of `diff` reading two such bundles. Here the scanner
    /// finds the `pods` array, the rest is decoded with an empty one in its
    /// place (the schema version is checked there), then each element on its
    /// own. A document whose `pods` cannot be found that way (absent, named
    /// twice, not an array, malformed) is decoded whole, so that JSONDecoder
    /// says what is wrong, as before.
    public static func decode(from bytes: UnsafeRawBufferPointer, source: String = "manifest.json") throws -> Manifest {
        let split: (pods: Range<Int>, elements: [Range<Int>])? = try? JSONByteScanner.with(bytes) { scanner in
            let start = scanner.skipWhitespace(0)
            guard start < bytes.count else { return nil }
            let named = try scanner.memberValues(named: "pods", inObjectAt: start)
            guard named.count == 1, bytes[named[0].lowerBound] == UInt8(ascii: "[") else { return nil }
            guard scanner.skipWhitespace(try scanner.skipValue(start)) == bytes.count else { return nil }
            return (named[0], try scanner.elements(ofArrayAt: named[0].lowerBound))
        }
        guard let split else { return try decode(from: Data(bytes), source: source) }
        var rest = [UInt8]()
        rest.reserveCapacity(bytes.count - split.pods.count + 2)
        rest.append(contentsOf: bytes[..<split.pods.lowerBound])
        rest.append(contentsOf: Array("[]".utf8))
        rest.append(contentsOf: bytes[split.pods.upperBound...])
        var manifest = try decode(from: Data(rest), source: source, deferPodCheck: true)
        rest = []
        manifest.pods.reserveCapacity(split.elements.count)
        let decoder = makeDecoder()
        for (index, range) in split.elements.enumerated() {
            do {
                manifest.pods.append(try decoder.decode(Pod.self, from: Data(bytes[range])))
            } catch let error as DecodingError {
                throw BundleError(.manifest, "The manifest \(source) is not valid: \(describe(error, within: "pods[\(index)]"))")
            }
        }
        try manifest.checkConsistency(source: source)
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

    /// The error in words; `within` is the path of the value that was decoded
    /// on its own (`pods[17]`), put before the error's own path.
    private static func describe(_ error: DecodingError, within: String = "") -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = (within.isEmpty ? "" : "." + within)
                + context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
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
