/// Small, total helpers over bytes: every one of them is linear, never traps,
/// and reports overflow instead of wrapping.
enum Bytes {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let colon = UInt8(ascii: ":")

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }

    /// Why a number did not parse, for precise messages.
    enum NumberProblem: Error, Equatable {
        case empty, notANumber, tooLarge
    }

    /// An unsigned decimal, at most `UInt64.max`.
    static func unsigned<C: Collection<UInt8>>(_ digits: C) -> Result<UInt64, NumberProblem> {
        if digits.isEmpty { return .failure(.empty) }
        var value: UInt64 = 0
        for b in digits {
            guard isDigit(b) else { return .failure(.notANumber) }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
            if o1 || o2 { return .failure(.tooLarge) }
            value = s
        }
        return .success(value)
    }

    /// A signed decimal (optional leading '-'), within Int64.
    static func signed<C: Collection<UInt8>>(_ digits: C) -> Result<Int64, NumberProblem> {
        guard let first = digits.first else { return .failure(.empty) }
        if first == UInt8(ascii: "-") {
            switch unsigned(digits.dropFirst()) {
            case .failure(let p): return .failure(p)
            case .success(let v): return v <= UInt64(Int64.max) + 1 ? .success(v == UInt64(Int64.max) + 1 ? Int64.min : -Int64(v)) : .failure(.tooLarge)
            }
        }
        switch unsigned(digits) {
        case .failure(let p): return .failure(p)
        case .success(let v): return v <= UInt64(Int64.max) ? .success(Int64(v)) : .failure(.tooLarge)
        }
    }

    /// Unsigned hexadecimal of 1 to `maxDigits` digits.
    static func hex<C: Collection<UInt8>>(_ digits: C, maxDigits: Int = 16) -> UInt64? {
        guard !digits.isEmpty, digits.count <= maxDigits else { return nil }
        var value: UInt64 = 0
        for b in digits {
            guard let h = hexValue(b) else { return nil }
            value = value << 4 | UInt64(h)
        }
        return value
    }

    /// Fields separated by runs of spaces and tabs.
    static func fields(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        line.split(whereSeparator: { $0 == space || $0 == tab })
    }

    /// Lines, without their newline; at most `maxLines`.
    static func lines(_ bytes: ArraySlice<UInt8>, maxLines: Int = .max) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        while start < bytes.endIndex && out.count < maxLines {
            let nl = bytes[start...].firstIndex(of: newline) ?? bytes.endIndex
            out.append(bytes[start..<nl])
            start = nl + 1
        }
        return out
    }

    /// Text built by the kernel (numbers, names), cut to `limit` bytes and
    /// made safe to show.
    static func text(_ bytes: some Collection<UInt8>, limit: Int = 256) -> String {
        DisplayText.escape(Array(bytes.prefix(limit))) + (bytes.count > limit ? "…" : "")
    }
}

extension Bytes.NumberProblem {
    /// "is empty", "is not a decimal number", "is too large (more than 2^64-1)".
    var phrase: String {
        switch self {
        case .empty: "is empty"
        case .notANumber: "is not a decimal number"
        case .tooLarge: "is too large for a 64-bit number"
        }
    }
}
