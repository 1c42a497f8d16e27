/// How the API server turns query parameters into the fields of its option structs (Go's
/// `runtime.Convert_Slice_string_To_*`), with the error texts a client sees in its 400.
enum GoQueryConversion {
    /// `Convert_Slice_string_To_bool`: a parameter that is present is true unless it is `0` or
    /// `false` in any case, so `follow=`, `follow=yes` and `follow=True` all ask to follow.
    static func bool(_ value: String?) -> Bool {
        guard let value else { return false }
        return !(value == "0" || value.lowercased() == "false")
    }

    /// `strconv.ParseInt(s, 10, 64)`, failing with its text (`strconv.ParseInt: parsing "x":
    /// invalid syntax`); an empty value is an error too, not an absent one.
    static func int64(_ value: String?) throws(APIError) -> Int? {
        guard let value else { return nil }
        if let n = Int(value) { return n }
        let digits = value.hasPrefix("+") || value.hasPrefix("-") ? value.dropFirst() : Substring(value)
        throw .badRequest("strconv.ParseInt: parsing \(goQuote(value)): \(why(digits))")
    }

    /// `strconv.ParseUint(s, 10, 64)`: digits only, no sign; nil when Go would fail.
    static func uint64(_ value: String) -> UInt64? {
        guard !value.isEmpty, value.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(value)
    }

    /// The text of `strconv.ParseUint`'s error for a value ``uint64(_:)`` refuses.
    static func parseUintError(_ value: String) -> String {
        "strconv.ParseUint: parsing \(goQuote(value)): \(why(Substring(value)))"
    }

    private static func why(_ digits: Substring) -> String {
        !digits.isEmpty && digits.allSatisfy({ $0.isASCII && $0.isNumber }) ? "value out of range" : "invalid syntax"
    }
}
