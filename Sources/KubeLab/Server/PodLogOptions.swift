/// The query of `GET pods/{pod}/log` as the API server reads it into `PodLogOptions`: first
/// converted field by field (a number that does not parse is a 400 with Go's `strconv` text),
/// then validated (`ValidatePodLogOptions`: a 422 naming every bad field at once). Flags are
/// true unless given as `0` or `false` (any case), as the server's query conversion has it:
/// `previous=` and `previous=yes` both ask for the previous container.
struct PodLogOptions: Sendable, Equatable {
    var container: String?
    var follow = false
    var previous = false
    var sinceSeconds: Int?
    var sinceTime: CRILogTime?
    var timestamps = false
    var tailLines: Int?
    var limitBytes: Int?

    /// Reads the query in the order of the fields of `PodLogOptions`, so that with several
    /// bad numbers the error names the same one the server names.
    static func parse(_ query: [String: String], pod: String) throws(APIError) -> PodLogOptions {
        var o = PodLogOptions()
        if let c = query["container"], !c.isEmpty { o.container = c }
        o.follow = flag(query["follow"])
        o.previous = flag(query["previous"])
        o.sinceSeconds = try int64(query["sinceSeconds"])
        if let text = query["sinceTime"] {
            switch CRILogTime.parseRFC3339(text) {
            case .success(let time): o.sinceTime = time
            case .failure(let error): throw .badRequest(error.message)
            }
        }
        o.timestamps = flag(query["timestamps"])
        o.tailLines = try int64(query["tailLines"])
        o.limitBytes = try int64(query["limitBytes"])
        try o.validate(pod: pod, streamGiven: query["stream"] != nil)
        return o
    }

    /// `ValidatePodLogOptions` with the `PodLogsQuerySplitStreams` feature off, as on the
    /// reference cluster: `stream` may not be given at all.
    func validate(pod: String, streamGiven: Bool) throws(APIError) {
        var errors: [PodLogOptionsFieldError] = []
        if let t = tailLines, t < 0 {
            errors.append(.invalid("tailLines", "Invalid value: \(t): must be greater than or equal to 0"))
        }
        if let l = limitBytes, l < 1 {
            errors.append(.invalid("limitBytes", "Invalid value: \(l): must be greater than 0"))
        }
        if sinceSeconds != nil && sinceTime != nil {
            errors.append(.forbidden("[]", "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"))
        } else if let s = sinceSeconds, s < 1 {
            errors.append(.invalid("sinceSeconds", "Invalid value: \(s): must be greater than 0"))
        }
        if streamGiven {
            errors.append(.forbidden("stream", "Forbidden: may not be specified"))
        }
        guard !errors.isEmpty else { return }
        throw PodLogOptionsFieldError.status(errors, pod: pod)
    }

    /// The instant before which records are left out: the later of `now - sinceSeconds` and `sinceTime`.
    func since(now: CRILogTime) -> CRILogTime? {
        let bySeconds = sinceSeconds.map { now.adding(seconds: -Int64($0)) }
        switch (bySeconds, sinceTime) {
        case (let a?, let b?): return max(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    /// Go's `Convert_Slice_string_To_bool`.
    static func flag(_ value: String?) -> Bool {
        guard let value else { return false }
        return !(value == "0" || value.lowercased() == "false")
    }

    /// Go's `strconv.ParseInt(s, 10, 64)` with its error text.
    static func int64(_ value: String?) throws(APIError) -> Int? {
        guard let value else { return nil }
        if let n = Int(value) { return n }
        let digits = value.hasPrefix("+") || value.hasPrefix("-") ? value.dropFirst() : Substring(value)
        let why = !digits.isEmpty && digits.allSatisfy({ $0.isASCII && $0.isNumber }) ? "value out of range" : "invalid syntax"
        throw .badRequest("strconv.ParseInt: parsing \(goQuote(value)): \(why)")
    }
}

/// One entry of a `field.ErrorList`, and the 422 the server makes of the list.
struct PodLogOptionsFieldError: Sendable {
    var field: String
    var reason: String
    var message: String

    static func invalid(_ field: String, _ message: String) -> Self { .init(field: field, reason: "FieldValueInvalid", message: message) }
    static func forbidden(_ field: String, _ message: String) -> Self { .init(field: field, reason: "FieldValueForbidden", message: message) }

    /// `errors.NewInvalid(Kind("PodLogOptions"), pod, list)`: one error as itself, several in brackets.
    static func status(_ errors: [PodLogOptionsFieldError], pod: String) -> APIError {
        let texts = errors.map { "\($0.field): \($0.message)" }
        let joined = texts.count == 1 ? texts[0] : "[" + texts.joined(separator: ", ") + "]"
        let causes = errors.map { e in
            JSONValue.object([("reason", .string(e.reason)), ("message", .string(e.message)), ("field", .string(e.field))])
        }
        return APIError(
            code: 422, reason: "Invalid", message: "PodLogOptions \(goQuote(pod)) is invalid: \(joined)",
            details: .object([("name", .string(pod)), ("kind", .string("PodLogOptions")), ("causes", .array(causes))]))
    }
}
