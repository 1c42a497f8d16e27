/// Compact and indented JSON output with Go's `encoding/json` escaping
/// (`<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes), so bytes match a real API server's.
extension JSONValue {
    /// Compact JSON, without a trailing newline.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        encode(into: &out)
        return out
    }

    public func encode(into out: inout [UInt8]) {
        switch self {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let b):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n):
            out.append(contentsOf: n.utf8)
        case .string(let s):
            JSONValue.encodeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.encode(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let entries):
            out.append(UInt8(ascii: "{"))
            for (i, entry) in entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.encodeString(entry.key, into: &out)
                out.append(UInt8(ascii: ":"))
                entry.value.encode(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func encodeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let utf8 = Array(s.utf8)
        var i = 0
        let n = utf8.count
        while i < n {
            let b = utf8[i]
            switch b {
            case UInt8(ascii: "\""):
                out.append(UInt8(ascii: "\\")); out.append(b)
            case UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\")); out.append(b)
            case 0x0A:
                out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D:
                out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09:
                out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0..<0x20, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 0xF)])
            case 0xE2 where i + 2 < n && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                // U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR, escaped as Go does.
                out.append(contentsOf: Array((utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8))
                i += 2
            default:
                out.append(b)
            }
            i += 1
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Re-indents compact JSON the way Go's `json.Indent` does (2 spaces, `": "`, empty
/// `{}`/`[]` kept together), which is how the API server answers curl.
enum JSONIndenter {
    static func indent(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 2)
        var depth = 0
        var inString = false
        var escaped = false
        var needIndent = false  // just opened a container: newline before the next value
        func newline(_ out: inout [UInt8], _ depth: Int) {
            out.append(0x0A)
            for _ in 0..<depth { out.append(0x20); out.append(0x20) }
        }
        for b in input {
            if inString {
                out.append(b)
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D { continue }
            if needIndent && b != UInt8(ascii: "]") && b != UInt8(ascii: "}") {
                needIndent = false
                depth += 1
                newline(&out, depth)
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
                out.append(b)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(b)
                needIndent = true
            case UInt8(ascii: ","):
                out.append(b)
                newline(&out, depth)
            case UInt8(ascii: ":"):
                out.append(b); out.append(0x20)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if needIndent {
                    needIndent = false  // empty container stays `{}`
                } else {
                    depth -= 1
                    newline(&out, depth)
                }
                out.append(b)
            default:
                out.append(b)
            }
        }
        return out
    }
}
