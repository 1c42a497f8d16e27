/// A JSON value that keeps the order of object keys.
///
/// The real API server writes fields in the order of its Go structs, and clients
/// (and people diffing bundles) see that order; Foundation's JSONSerialization
/// would scramble it. Numbers keep their source text so that round trips are exact.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// The number as JSON text, e.g. `3`, `-1.5e3`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func int<I: BinaryInteger>(_ value: I) -> JSONValue { .number(String(value)) }

    /// The value of `key` in an object (the first occurrence), or nil.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let entries) = self else { return nil }
        return entries.first(where: { $0.key == key })?.value
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var intValue: Int? {
        if case .number(let n) = self { return Int(n) }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [(key: String, value: JSONValue)]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// An object of string values, sorted by key as Go writes a `map[string]string`.
    static func stringMap(_ map: [String: String]) -> JSONValue {
        .object(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    static func strings(_ list: [String]) -> JSONValue {
        .array(list.map { .string($0) })
    }
}

/// Builds ordered JSON objects without the noise of tuple arrays, dropping nil values
/// the way Go's `omitempty` does.
struct JSONObjectBuilder {
    private(set) var entries: [(key: String, value: JSONValue)] = []

    init() {}

    mutating func set(_ key: String, _ value: JSONValue?) {
        if let value { entries.append((key, value)) }
    }

    mutating func set(_ key: String, _ value: String?) {
        if let value { entries.append((key, .string(value))) }
    }

    /// Sets a string only when it is not empty (Go `omitempty`).
    mutating func setNonEmpty(_ key: String, _ value: String?) {
        if let value, !value.isEmpty { entries.append((key, .string(value))) }
    }

    mutating func set(_ key: String, _ value: Int?) {
        if let value { entries.append((key, .int(value))) }
    }

    mutating func set(_ key: String, _ value: Bool?) {
        if let value { entries.append((key, .bool(value))) }
    }

    var value: JSONValue { .object(entries) }
}
