import Foundation

/// A parsed label selector, following k8s.io/apimachinery/pkg/labels (selector.go)
/// token for token, so that bad selectors fail with the real server's messages.
public struct LabelSelector: Sendable, Equatable {
    public enum Operator: String, Sendable {
        case equals = "=", doubleEquals = "==", notEquals = "!=", `in` = "in", notIn = "notin"
        case exists = "exists", doesNotExist = "!", greaterThan = "gt", lessThan = "lt"
    }

    public struct Requirement: Sendable, Equatable {
        public var key: String
        public var op: Operator
        public var values: [String]

        func matches(_ labels: [String: String]) -> Bool {
            switch op {
            case .equals, .doubleEquals, .in:
                guard let v = labels[key] else { return false }
                return values.contains(v)
            case .notEquals, .notIn:
                guard let v = labels[key] else { return true }
                return !values.contains(v)
            case .exists:
                return labels[key] != nil
            case .doesNotExist:
                return labels[key] == nil
            case .greaterThan, .lessThan:
                guard let v = labels[key], let have = Int64(v), let want = values.first.flatMap({ Int64($0) }) else { return false }
                return op == .greaterThan ? have > want : have < want
            }
        }
    }

    public var requirements: [Requirement]

    /// The selector that matches everything.
    public static let everything = LabelSelector(requirements: [])

    public var isEmpty: Bool { requirements.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    /// The selector's parse failure, worded exactly as the API server words it.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public static func parse(_ text: String) throws(ParseError) -> LabelSelector {
        var parser = LabelSelectorParser(text)
        var reqs = try parser.parse()
        // The real parser sorts requirements by key; it matters only for String(describing:).
        reqs.sort { $0.key < $1.key }
        return LabelSelector(requirements: reqs)
    }
}

private enum LabelToken: Equatable {
    case error, endOfString, closedPar, comma, doesNotExist, doubleEquals, equals, greaterThan, identifier, `in`, lessThan,
        notEquals, notIn, openPar
}

private struct LabelSelectorParser {
    struct Item { var token: LabelToken; var literal: String }
    enum Context { case keyAndOperator, values }

    var items: [Item] = []
    var position = 0

    static let string2token: [String: LabelToken] = [
        ")": .closedPar, ",": .comma, "!": .doesNotExist, "==": .doubleEquals, "=": .equals, ">": .greaterThan,
        "in": .in, "<": .lessThan, "!=": .notEquals, "notin": .notIn, "(": .openPar,
    ]

    init(_ text: String) {
        items = LabelSelectorParser.lex(Array(text.utf8))
    }

    static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
    static func isSpecial(_ c: UInt8) -> Bool { [UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: ">"), UInt8(ascii: "<")].contains(c) }

    static func lex(_ s: [UInt8]) -> [Item] {
        var pos = 0
        var out: [Item] = []
        func read() -> UInt8 {
            if pos < s.count { let c = s[pos]; pos += 1; return c }
            pos += 1  // as Go's Lexer: reading past the end still advances, unread steps back
            return 0
        }
        while true {
            var ch = read()
            while isWhitespace(ch) { ch = read() }
            if ch == 0 { out.append(Item(token: .endOfString, literal: "")); return out }
            pos -= 1
            if isSpecial(ch) {
                var buffer: [UInt8] = []
                var last: Item? = nil
                while true {
                    let c = read()
                    if c == 0 { break }
                    if isSpecial(c) {
                        buffer.append(c)
                        let text = String(decoding: buffer, as: UTF8.self)
                        if let t = string2token[text] {
                            last = Item(token: t, literal: text)
                        } else if last != nil {
                            pos -= 1
                            break
                        }
                    } else {
                        pos -= 1
                        break
                    }
                }
                if let last {
                    out.append(last)
                } else {
                    out.append(Item(token: .error, literal: "error expected: keyword found '\(String(decoding: buffer, as: UTF8.self))'"))
                    return out + [Item(token: .endOfString, literal: "")]
                }
            } else {
                var buffer: [UInt8] = []
                while true {
                    let c = read()
                    if c == 0 { break }
                    if isSpecial(c) || isWhitespace(c) { pos -= 1; break }
                    buffer.append(c)
                }
                let text = String(decoding: buffer, as: UTF8.self)
                out.append(Item(token: string2token[text] ?? .identifier, literal: text))
            }
        }
    }

    func lookahead(_ context: Context) -> (LabelToken, String) {
        let item = items[min(position, items.count - 1)]
        if context == .values, item.token == .in || item.token == .notIn { return (.identifier, item.literal) }
        return (item.token, item.literal)
    }

    mutating func consume(_ context: Context) -> (LabelToken, String) {
        let r = lookahead(context)
        position += 1
        return r
    }

    func fail(_ message: String) -> LabelSelector.ParseError { .init(message: message) }

    mutating func parse() throws(LabelSelector.ParseError) -> [LabelSelector.Requirement] {
        var requirements: [LabelSelector.Requirement] = []
        while true {
            let (tok, lit) = lookahead(.values)
            switch tok {
            case .identifier, .doesNotExist:
                let r: LabelSelector.Requirement
                do {
                    r = try parseRequirement()
                } catch {
                    throw fail("unable to parse requirement: \(error.message)")
                }
                requirements.append(r)
                let (t, l) = consume(.values)
                switch t {
                case .endOfString:
                    return requirements
                case .comma:
                    let (t2, l2) = lookahead(.values)
                    if t2 != .identifier && t2 != .doesNotExist {
                        throw fail("found '\(l2)', expected: identifier after ','")
                    }
                default:
                    throw fail("found '\(l)', expected: ',' or 'end of string'")
                }
            case .endOfString:
                return requirements
            default:
                throw fail("found '\(lit)', expected: !, identifier, or 'end of string'")
            }
        }
    }

    mutating func parseRequirement() throws(LabelSelector.ParseError) -> LabelSelector.Requirement {
        var (tok, literal) = consume(.values)
        var op: LabelSelector.Operator? = nil
        if tok == .doesNotExist {
            op = .doesNotExist
            (tok, literal) = consume(.values)
        }
        guard tok == .identifier else { throw fail("found '\(literal)', expected: identifier") }
        if let e = LabelValidation.qualifiedNameErrors(literal) {
            throw fail("<nil>: Invalid value: \(goQuote(literal)): \(e)")
        }
        let key = literal
        let (t, _) = lookahead(.values)
        if t == .endOfString || t == .comma {
            if op != .doesNotExist { op = .exists }
        }
        if let op, op == .exists || op == .doesNotExist {
            return .init(key: key, op: op, values: [])
        }
        let binary = try parseOperator()
        var values: [String]
        switch binary {
        case .in, .notIn:
            values = try parseValues()
        default:
            values = try parseExactValue()
        }
        values = Array(Set(values)).sorted()
        var errors: [String] = []
        switch binary {
        case .in, .notIn:
            if values.isEmpty { errors.append("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty") }
        case .greaterThan, .lessThan:
            for (i, v) in values.enumerated() where Int64(v) == nil {
                errors.append("values[\(i)]: Invalid value: \(goQuote(v)): for 'Gt', 'Lt' operators, the value must be an integer")
            }
        default: break
        }
        for (i, v) in values.enumerated() {
            if let e = LabelValidation.labelValueErrors(v) {
                errors.append("values[\(i)][\(key)]: Invalid value: \(goQuote(v)): \(e)")
            }
        }
        if errors.count == 1 { throw fail(errors[0]) }
        if errors.count > 1 { throw fail("[" + errors.joined(separator: ", ") + "]") }
        return .init(key: key, op: binary, values: values)
    }

    mutating func parseOperator() throws(LabelSelector.ParseError) -> LabelSelector.Operator {
        let (tok, lit) = consume(.keyAndOperator)
        switch tok {
        case .in: return .in
        case .equals: return .equals
        case .doubleEquals: return .doubleEquals
        case .greaterThan: return .greaterThan
        case .lessThan: return .lessThan
        case .notIn: return .notIn
        case .notEquals: return .notEquals
        default:
            throw fail("found '\(lit)', expected: in, notin, =, ==, !=, gt, lt")
        }
    }

    mutating func parseValues() throws(LabelSelector.ParseError) -> [String] {
        var (tok, lit) = consume(.values)
        guard tok == .openPar else { throw fail("found '\(lit)' expected: '('") }
        (tok, lit) = lookahead(.values)
        switch tok {
        case .identifier, .comma:
            let s = try parseIdentifiersList()
            let (closing, _) = consume(.values)
            if closing != .closedPar { throw fail("found '\(lit)', expected: ')'") }
            return s
        case .closedPar:
            _ = consume(.values)
            return [""]
        default:
            throw fail("found '\(lit)', expected: ',', ')' or identifier")
        }
    }

    mutating func parseIdentifiersList() throws(LabelSelector.ParseError) -> [String] {
        var s: [String] = []
        while true {
            let (tok, lit) = consume(.values)
            switch tok {
            case .identifier:
                s.append(lit)
                let (tok2, lit2) = lookahead(.values)
                switch tok2 {
                case .comma: continue
                case .closedPar: return s
                default: throw fail("found '\(lit2)', expected: ',' or ')'")
                }
            case .comma:
                if s.isEmpty { s.append("") }
                let (tok2, _) = lookahead(.values)
                if tok2 == .closedPar { s.append(""); return s }
                if tok2 == .comma { _ = consume(.values); s.append("") }
            default:
                throw fail("found '\(lit)', expected: ',', or identifier")
            }
        }
    }

    mutating func parseExactValue() throws(LabelSelector.ParseError) -> [String] {
        let (t, _) = lookahead(.values)
        if t == .endOfString || t == .comma { return [""] }
        let (tok, lit) = consume(.values)
        if tok == .identifier { return [lit] }
        throw fail("found '\(lit)', expected: identifier")
    }
}

/// Go's `%q` for the plain strings selectors contain.
func goQuote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += String(format: "\\x%02x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
