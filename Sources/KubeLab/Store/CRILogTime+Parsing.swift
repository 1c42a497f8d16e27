import Foundation

/// RFC 3339 parsing as Go's `time.Parse(time.RFC3339, …)` does it: the kubelet parses the
/// timestamps of the log file this way, and the API server parses `sinceTime` this way,
/// answering a 400 with Go's own error text when it cannot.
extension CRILogTime {
    static let rfc3339Layout = "2006-01-02T15:04:05Z07:00"

    /// The instant, or Go's error text (`parsing time "bad" as "2006-01-02T15:04:05Z07:00":
    /// cannot parse "bad" as "2006"`, `parsing time "2020-13-01T00:00:00Z": month out of range`).
    static func parseRFC3339(_ text: String) -> Result<CRILogTime, RFC3339Error> {
        var parser = RFC3339Parser(text: text)
        return parser.parse()
    }

    /// Parses one timestamp of a CRI log line; nil when it is not RFC 3339.
    static func parseRFC3339(_ bytes: ArraySlice<UInt8>) -> CRILogTime? {
        guard let text = String(validating: bytes, as: UTF8.self), case .success(let time) = parseRFC3339(text) else { return nil }
        return time
    }
}

struct RFC3339Error: Error, Sendable, Equatable {
    var message: String
}

/// Walks the layout's elements over the value, as Go's `time.Parse` does, so that a
/// failure names the same element and the same rest of the value.
private struct RFC3339Parser {
    let text: String
    var rest: Substring

    init(text: String) {
        self.text = text
        self.rest = Substring(text)
    }

    private func cannotParse(_ layoutElement: String) -> RFC3339Error {
        RFC3339Error(
            message: "parsing time \(goQuote(text)) as \(goQuote(CRILogTime.rfc3339Layout)): cannot parse \(goQuote(String(rest))) as \(goQuote(layoutElement))")
    }

    private func outOfRange(_ what: String) -> RFC3339Error {
        RFC3339Error(message: "parsing time \(goQuote(text)): \(what) out of range")
    }

    private mutating func digits(exactly count: Int, element: String) throws(RFC3339Error) -> Int {
        let head = rest.prefix(count)
        guard head.count == count, head.allSatisfy(\.isASCIIDigit) else { throw cannotParse(element) }
        rest = rest.dropFirst(count)
        return Int(head)!
    }

    /// Go's `getnum(value, false)`: one digit, or two when the second is a digit too.
    private mutating func oneOrTwoDigits(element: String) throws(RFC3339Error) -> Int {
        guard let first = rest.first, first.isASCIIDigit else { throw cannotParse(element) }
        if rest.count >= 2, rest[rest.index(after: rest.startIndex)].isASCIIDigit { return try digits(exactly: 2, element: element) }
        return try digits(exactly: 1, element: element)
    }

    private mutating func literal(_ l: String) throws(RFC3339Error) {
        guard rest.hasPrefix(l) else { throw cannotParse(l) }
        rest = rest.dropFirst(l.count)
    }

    mutating func parse() -> Result<CRILogTime, RFC3339Error> {
        do throws(RFC3339Error) {
            let year = try digits(exactly: 4, element: "2006")
            try literal("-")
            let month = try digits(exactly: 2, element: "01")
            if month < 1 || month > 12 { throw outOfRange("month") }
            try literal("-")
            let day = try digits(exactly: 2, element: "02")
            if day < 1 || day > 31 { throw outOfRange("day") }
            try literal("T")
            let hour = try oneOrTwoDigits(element: "15")
            if hour > 23 { throw outOfRange("hour") }
            try literal(":")
            let minute = try digits(exactly: 2, element: "04")
            if minute > 59 { throw outOfRange("minute") }
            try literal(":")
            let second = try digits(exactly: 2, element: "05")
            if second > 59 { throw outOfRange("second") }
            var nanoseconds = 0
            if rest.count >= 2, rest.first == "." || rest.first == ",", rest.dropFirst().first?.isASCIIDigit == true {
                let fraction = rest.dropFirst().prefix { $0.isASCIIDigit }
                rest = rest.dropFirst(1 + fraction.count)
                let nine = String(fraction.prefix(9))
                nanoseconds = Int(nine + String(repeating: "0", count: 9 - nine.count))!
            }
            var offset = 0
            if rest.hasPrefix("Z") {
                rest = rest.dropFirst()
            } else {
                let zone = rest.prefix(6)
                let chars = Array(zone)
                guard chars.count == 6, chars[0] == "+" || chars[0] == "-", chars[3] == ":",
                    let h = Int(String(chars[1...2])), let m = Int(String(chars[4...5]))
                else { throw cannotParse("Z07:00") }
                offset = (h * 3600 + m * 60) * (chars[0] == "-" ? -1 : 1)
                rest = rest.dropFirst(6)
            }
            if !rest.isEmpty { throw RFC3339Error(message: "parsing time \(goQuote(text)): extra text: \(goQuote(String(rest)))") }
            if day > RFC3339Parser.daysIn(month: month, year: year) { throw outOfRange("day") }
            var tm = tm()
            tm.tm_year = Int32(year - 1900)
            tm.tm_mon = Int32(month - 1)
            tm.tm_mday = Int32(day)
            tm.tm_hour = Int32(hour)
            tm.tm_min = Int32(minute)
            tm.tm_sec = Int32(second)
            let seconds = Int64(timegm(&tm)) - Int64(offset)
            return .success(CRILogTime(seconds: seconds, nanoseconds: Int32(nanoseconds)))
        } catch {
            return .failure(error)
        }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
