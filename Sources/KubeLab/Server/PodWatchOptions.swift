/// The watch parameters of `GET pods?watch=1`, read and checked in the order the API server
/// does it (checked against a v1.36.2 cluster):
///
/// 1. converting the query: `timeoutSeconds` that is not an integer is a 400 with Go's
///    `strconv` text (after the selectors, which the caller parses first);
/// 2. `ValidateListOptions` for a watch: `sendInitialEvents` needs
///    `resourceVersionMatch=NotOlderThan`, and `resourceVersionMatch` needs
///    `sendInitialEvents`; a 422 on `ListOptions.meta.k8s.io ""` naming every problem;
/// 3. the watch cache parsing `resourceVersion` as an unsigned integer: when it cannot, the
///    server answers 500 with a Status that has no `reason`.
struct PodWatchOptions: Sendable {
    var start: LabStore.WatchStart
    var timeoutSeconds: Int?
    var allowBookmarks: Bool
    /// `sendInitialEvents=true`: the current pods as ADDED, then the initial-events-end bookmark.
    var sendInitialEvents: Bool

    enum Parsed: Sendable {
        case options(PodWatchOptions)
        /// The 500 of a resourceVersion that is not a number.
        case unparsableResourceVersion(JSONValue)
    }

    static func parse(_ query: [String: String]) throws(APIError) -> Parsed {
        let allowBookmarks = GoQueryConversion.bool(query["allowWatchBookmarks"])
        let match = query["resourceVersionMatch"] ?? ""
        let timeoutSeconds = try GoQueryConversion.int64(query["timeoutSeconds"])
        let initialEvents = query["sendInitialEvents"].map { GoQueryConversion.bool($0) }

        var errors: [LabFieldError] = []
        if initialEvents != nil, match != "NotOlderThan" {
            errors.append(.forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
        }
        if !match.isEmpty {
            if initialEvents == nil {
                errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
            }
            if match != "NotOlderThan" {
                errors.append(LabFieldError(kind: .notSupported, field: "resourceVersionMatch", value: match, detail: #"supported values: "NotOlderThan""#))
            }
        }
        if !errors.isEmpty { throw .invalidListOptions(errors) }

        var start = LabStore.WatchStart.now
        let rvText = query["resourceVersion"] ?? ""
        if !rvText.isEmpty {
            guard let rv = GoQueryConversion.uint64(rvText) else {
                var status = JSONObjectBuilder()
                status.set("kind", "Status")
                status.set("apiVersion", "v1")
                status.set("metadata", JSONValue.object([]))
                status.set("status", "Failure")
                status.set("message", "resourceVersion: Invalid value: \(goQuote(rvText)): \(GoQueryConversion.parseUintError(rvText))")
                status.set("code", 500)
                return .unparsableResourceVersion(status.value)
            }
            if rv > 0 { start = .after(Int(clamping: rv)) }
        }
        let sendInitialEvents = initialEvents ?? false
        if sendInitialEvents { start = .now }
        return .options(
            PodWatchOptions(start: start, timeoutSeconds: timeoutSeconds, allowBookmarks: allowBookmarks, sendInitialEvents: sendInitialEvents))
    }
}

extension APIError {
    /// `errors.NewInvalid` for the options of a list or watch: a kind with a group and no name.
    static func invalidListOptions(_ errors: [LabFieldError]) -> APIError {
        let list = errors.count == 1 ? errors[0].text : "[" + errors.map(\.text).joined(separator: ", ") + "]"
        let causes = errors.map { e in
            JSONValue.object([("reason", .string(e.kind.causeReason)), ("message", .string(e.causeMessage)), ("field", .string(e.field))])
        }
        return APIError(
            code: 422, reason: "Invalid", message: "ListOptions.meta.k8s.io \"\" is invalid: \(list)",
            details: .object([("group", .string("meta.k8s.io")), ("kind", .string("ListOptions")), ("causes", .array(causes))]))
    }
}
