/// One validation error as the API server's `field.Error` words it: the field path, the
/// error type's text ("Required value", "Duplicate value", …) and what was wrong.
struct LabFieldError: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case required, invalid, duplicate, forbidden, notFound, notSupported

        /// `details.causes[].reason`.
        var causeReason: String {
            switch self {
            case .required: "FieldValueRequired"
            case .invalid: "FieldValueInvalid"
            case .duplicate: "FieldValueDuplicate"
            case .forbidden: "FieldValueForbidden"
            case .notFound: "FieldValueNotFound"
            case .notSupported: "FieldValueNotSupported"
            }
        }
    }

    var kind: Kind
    var field: String
    /// The quoted bad value, for invalid, duplicate and not-found errors.
    var value: String?
    var detail: String

    static func required(_ field: String, _ detail: String = "") -> LabFieldError { .init(kind: .required, field: field, detail: detail) }
    static func invalid(_ field: String, _ value: String, _ detail: String) -> LabFieldError {
        .init(kind: .invalid, field: field, value: value, detail: detail)
    }
    static func duplicate(_ field: String, _ value: String) -> LabFieldError { .init(kind: .duplicate, field: field, value: value, detail: "") }
    static func forbidden(_ field: String, _ detail: String) -> LabFieldError { .init(kind: .forbidden, field: field, detail: detail) }
    static func notFound(_ field: String, _ value: String) -> LabFieldError { .init(kind: .notFound, field: field, value: value, detail: "") }

    /// `details.causes[].message`, e.g. `Not found: "nope"` or `Forbidden: cannot be set for an Ephemeral Container`.
    var causeMessage: String {
        let type: String
        switch kind {
        case .required: type = "Required value"
        case .invalid: type = "Invalid value"
        case .duplicate: type = "Duplicate value"
        case .forbidden: type = "Forbidden"
        case .notFound: type = "Not found"
        case .notSupported: type = "Unsupported value"
        }
        var parts = [type]
        if let value, kind != .required, kind != .forbidden { parts.append(goQuote(value)) }
        if !detail.isEmpty { parts.append(detail) }
        return parts.joined(separator: ": ")
    }

    /// The error as one line of the Status message: `field: cause message`.
    var text: String { "\(field): \(causeMessage)" }
}

extension APIError {
    /// 422 Invalid with one cause per error; the message lists them as the server's
    /// aggregate does (`[a, b]` for more than one).
    static func invalid(kind: String, name: String, errors: [LabFieldError]) -> APIError {
        let list = errors.count == 1 ? errors[0].text : "[" + errors.map(\.text).joined(separator: ", ") + "]"
        return APIError(
            code: 422, reason: "Invalid", message: "\(kind) \"\(name)\" is invalid: \(list)",
            details: .object([
                ("name", .string(name)), ("kind", .string(kind)),
                (
                    "causes",
                    .array(
                        errors.map { e in
                            .object([("reason", .string(e.kind.causeReason)), ("message", .string(e.causeMessage)), ("field", .string(e.field))])
                        })
                ),
            ]))
    }

    /// The bare 422 of a patch that cannot be applied (e.g. a JSON patch appending to a list that is not there).
    static let patchNotApplicable = APIError(
        code: 422, reason: "Invalid", message: "the server rejected our request due to an error in our request", details: .object([]))
}
