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
        o.follow = GoQueryConversion.bool(query["follow"])
        o.previous = GoQueryConversion.bool(query["previous"])
        o.sinceSeconds = try GoQueryConversion.int64(query["sinceSeconds"])
        if let text = query["sinceTime"] {
            switch CRILogTime.parseRFC3339(text) {
            case .success(let time): o.sinceTime = time
            case .failure(let error): throw .badRequest(error.message)
            }
        }
        o.timestamps = GoQueryConversion.bool(query["timestamps"])
        o.tailLines = try GoQueryConversion.int64(query["tailLines"])
        o.limitBytes = try GoQueryConversion.int64(query["limitBytes"])
        try o.validate(pod: pod, streamGiven: query["stream"] != nil)
        return o
    }

    /// `ValidatePodLogOptions` with the `PodLogsQuerySplitStreams` feature off, as on the
    /// reference cluster: `stream` may not be given at all.
    func validate(pod: String, streamGiven: Bool) throws(APIError) {
        var errors: [LabFieldError] = []
        if let t = tailLines, t < 0 {
            errors.append(.invalidNumber("tailLines", t, "must be greater than or equal to 0"))
        }
        if let l = limitBytes, l < 1 {
            errors.append(.invalidNumber("limitBytes", l, "must be greater than 0"))
        }
        if sinceSeconds != nil && sinceTime != nil {
            errors.append(.forbidden("[]", "at most one of `sinceTime` or `sinceSeconds` may be specified"))
        } else if let s = sinceSeconds, s < 1 {
            errors.append(.invalidNumber("sinceSeconds", s, "must be greater than 0"))
        }
        if streamGiven {
            errors.append(.forbidden("stream", "may not be specified"))
        }
        guard !errors.isEmpty else { return }
        throw .invalid(kind: "PodLogOptions", name: pod, errors: errors)
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
}

extension LabFieldError {
    /// `field.Invalid` of a number: Go prints the value as it is, without quotes
    /// (`Invalid value: -1: must be greater than or equal to 0`).
    static func invalidNumber(_ field: String, _ value: Int, _ detail: String) -> LabFieldError {
        LabFieldError(kind: .invalid, field: field, value: nil, detail: "\(value): \(detail)")
    }
}
