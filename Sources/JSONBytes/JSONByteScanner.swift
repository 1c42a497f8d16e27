import Foundation

/// A small, strict-enough JSON scanner over raw bytes that finds where values
/// start and end without building them.
///
/// Why: the bundle must keep each pod exactly as the server sent it, while
/// `JSONDecoder` builds the partial model, and a 20 MB manifest is decoded one
/// pod at a time. The scanner locates the byte range of each `items[]` or
/// `pods[]` element (or of a watch event's `object`); it never allocates per
/// value. It validates structure (brackets, strings, escapes) but not number
/// grammar: `JSONDecoder` validates the document, or each piece cut out of it.
public struct JSONByteScanner {
    public struct Failure: Error, CustomStringConvertible {
        public var offset: Int
        public var problem: String

        public init(offset: Int, problem: String) {
            self.offset = offset
            self.problem = problem
        }

        public var description: String { "malformed JSON at byte \(offset): \(problem)" }
    }

    public let bytes: UnsafeBufferPointer<UInt8>

    public init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Index of the first non-whitespace byte at or after `i`.
    @inline(__always)
    public func skipWhitespace(_ i: Int) -> Int {
        var i = i
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return i
            }
        }
        return i
    }

    /// End (exclusive) of the string whose opening quote is at `i`.
    public func skipString(_ i: Int) throws -> Int {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
            throw Failure(offset: i, problem: "expected a string")
        }
        var j = i + 1
        while j < bytes.count {
            switch bytes[j] {
            case UInt8(ascii: "\\"): j += 2  // the escaped byte (\" \\ \/ \u…) can never end the string
            case UInt8(ascii: "\""): return j + 1
            default: j += 1
            }
        }
        throw Failure(offset: i, problem: "unterminated string")
    }

    /// End (exclusive) of the value starting at `i` (which must not be whitespace).
    public func skipValue(_ i: Int) throws -> Int {
        guard i < bytes.count else { throw Failure(offset: i, problem: "expected a value, found the end") }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            return try skipString(i)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            // Iterative bracket matching: nesting depth is unbounded in hostile input.
            var stack: [UInt8] = [bytes[i]]
            var j = i + 1
            while j < bytes.count {
                let b = bytes[j]
                switch b {
                case UInt8(ascii: "\""):
                    j = try skipString(j)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    stack.append(b)
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    let open = stack.removeLast()
                    let expected = open == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                    guard b == expected else { throw Failure(offset: j, problem: "mismatched bracket") }
                    if stack.isEmpty { return j + 1 }
                default:
                    break
                }
                j += 1
            }
            throw Failure(offset: i, problem: "unterminated object or array")
        default:
            // number, true, false, null: runs until a delimiter.
            var j = i
            while j < bytes.count {
                switch bytes[j] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: return j
                default: j += 1
                }
            }
            return j
        }
    }

    /// The byte range of the member `key` of the object whose `{` is at `start`, if present
    /// (the first, if the key is named twice). Keys are compared after decoding their
    /// escapes, as `JSONDecoder` does.
    public func memberValue(named key: String, inObjectAt start: Int) throws -> Range<Int>? {
        try memberValues(named: key, inObjectAt: start).first
    }

    /// The byte ranges of every member `key` of the object whose `{` is at
    /// `start`, in order, after checking the whole object's structure. A hostile
    /// document can name a key twice (once with escapes); a reader that takes one
    /// value apart must know whether there is another.
    public func memberValues(named key: String, inObjectAt start: Int) throws -> [Range<Int>] {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "{") else {
            throw Failure(offset: start, problem: "expected an object")
        }
        let wanted = Array(key.utf8)
        var found: [Range<Int>] = []
        var i = skipWhitespace(start + 1)
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { return found }
        while i < bytes.count {
            let keyEnd = try skipString(i)
            let matches = keyMatches(keyStart: i + 1, keyEnd: keyEnd - 1, wanted: wanted)
            i = skipWhitespace(keyEnd)
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw Failure(offset: i, problem: "expected ':'") }
            let valueStart = skipWhitespace(i + 1)
            let valueEnd = try skipValue(valueStart)
            if matches { found.append(valueStart..<valueEnd) }
            i = skipWhitespace(valueEnd)
            guard i < bytes.count else { break }
            if bytes[i] == UInt8(ascii: "}") { return found }
            guard bytes[i] == UInt8(ascii: ",") else { throw Failure(offset: i, problem: "expected ',' or '}'") }
            i = skipWhitespace(i + 1)
        }
        throw Failure(offset: start, problem: "unterminated object")
    }

    /// The byte ranges of the elements of the array whose `[` is at `start`.
    public func elements(ofArrayAt start: Int) throws -> [Range<Int>] {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "[") else {
            throw Failure(offset: start, problem: "expected an array")
        }
        var ranges: [Range<Int>] = []
        var i = skipWhitespace(start + 1)
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { return ranges }
        while i < bytes.count {
            let end = try skipValue(i)
            ranges.append(i..<end)
            i = skipWhitespace(end)
            guard i < bytes.count else { break }
            if bytes[i] == UInt8(ascii: "]") { return ranges }
            guard bytes[i] == UInt8(ascii: ",") else { throw Failure(offset: i, problem: "expected ',' or ']'") }
            i = skipWhitespace(i + 1)
        }
        throw Failure(offset: start, problem: "unterminated array")
    }

    private func keyMatches(keyStart: Int, keyEnd: Int, wanted: [UInt8]) -> Bool {
        let raw = UnsafeBufferPointer(rebasing: bytes[keyStart..<keyEnd])
        if !raw.contains(UInt8(ascii: "\\")) {
            return raw.elementsEqual(wanted)
        }
        // Rare: an escaped key such as "\u0069tems". Let Foundation undo the escapes.
        let quoted = Array(bytes[(keyStart - 1)...keyEnd])
        guard let decoded = try? JSONDecoder().decode(String.self, from: Data(quoted)) else { return false }
        return Array(decoded.utf8) == wanted
    }
}

extension JSONByteScanner {
    /// Runs `body` with a scanner over raw bytes.
    public static func with<R>(_ bytes: UnsafeRawBufferPointer, _ body: (JSONByteScanner) throws -> R) rethrows -> R {
        try body(JSONByteScanner(bytes: bytes.assumingMemoryBound(to: UInt8.self)))
    }

    /// Runs `body` with a scanner over `bytes`.
    public static func with<R>(_ bytes: [UInt8], _ body: (JSONByteScanner) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { try body(JSONByteScanner(bytes: $0)) }
    }

    /// The range of the single top-level value in `bytes`, without surrounding whitespace.
    public func topLevelValue() throws -> Range<Int> {
        let start = skipWhitespace(0)
        let end = try skipValue(start)
        guard skipWhitespace(end) == bytes.count else {
            throw Failure(offset: end, problem: "unexpected bytes after the top-level value")
        }
        return start..<end
    }
}
