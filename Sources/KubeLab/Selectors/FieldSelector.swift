/// A parsed field selector, following k8s.io/apimachinery/pkg/fields (selector.go):
/// comma-separated terms `field=value`, `field==value`, `field!=value`, with `\,` `\=` `\!` `\\` escapes.
public struct FieldSelector: Sendable, Equatable {
    public struct Term: Sendable, Equatable {
        public var field: String
        public var value: String
        public var negated: Bool
    }

    public var terms: [Term]

    public static let everything = FieldSelector(terms: [])
    public var isEmpty: Bool { terms.isEmpty }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public static func parse(_ selector: String) throws(ParseError) -> FieldSelector {
        var parts = splitTerms(selector)
        parts.sort()
        var terms: [Term] = []
        for part in parts where !part.isEmpty {
            guard let (lhs, op, rhs) = splitTerm(part) else {
                throw ParseError(message: "invalid selector: '\(selector)'; can't understand '\(part)'")
            }
            let value = try unescape(rhs)
            terms.append(Term(field: lhs, value: value, negated: op == "!="))
        }
        return FieldSelector(terms: terms)
    }

    /// Checks every term's field against what the resource supports, like the
    /// server's field label conversion; the error is the server's wording.
    public func validate(supported: Set<String>) throws(ParseError) {
        for term in terms where !supported.contains(term.field) {
            throw ParseError(message: "field label not supported: \(term.field)")
        }
    }

    public func matches(_ fields: (String) -> String?) -> Bool {
        terms.allSatisfy { term in
            let have = fields(term.field) ?? ""
            return term.negated ? have != term.value : have == term.value
        }
    }

    static func splitTerms(_ s: String) -> [String] {
        if s.isEmpty { return [] }
        var terms: [String] = []
        var current = ""
        var escaped = false
        for ch in s {
            if escaped {
                current.append(ch)
                escaped = false
            } else if ch == "\\" {
                current.append(ch)
                escaped = true
            } else if ch == "," {
                terms.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        terms.append(current)
        return terms
    }

    static func splitTerm(_ term: String) -> (String, String, String)? {
        let chars = Array(term)
        for i in chars.indices {
            for op in ["!=", "==", "="] {
                let o = Array(op)
                if i + o.count <= chars.count, Array(chars[i..<i + o.count]) == o {
                    return (String(chars[0..<i]), op, String(chars[(i + o.count)...]))
                }
            }
        }
        return nil
    }

    static func unescape(_ s: String) throws(ParseError) -> String {
        var out = ""
        var escaped = false
        for ch in s {
            if escaped {
                guard ch == "\\" || ch == "," || ch == "=" || ch == "!" else {
                    throw ParseError(message: "invalid field selector: invalid escape sequence: \\\(ch)")
                }
                out.append(ch)
                escaped = false
                continue
            }
            switch ch {
            case "\\": escaped = true
            case ",", "=", "!":
                throw ParseError(message: "invalid field selector: unescaped character: \(ch)")
            default: out.append(ch)
            }
        }
        if escaped { throw ParseError(message: "invalid field selector: invalid escape sequence: \\") }
        return out
    }
}
