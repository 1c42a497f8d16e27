/// Label key and value validation with the wording of
/// k8s.io/apimachinery/pkg/util/validation, used for selector errors.
enum LabelValidation {
    static let qualifiedNameMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let qualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"

    static func regexError(_ message: String, _ format: String, _ examples: [String]) -> String {
        var msg = message + " (e.g. "
        for (i, e) in examples.enumerated() {
            if i > 0 { msg += " or " }
            msg += "'\(e)', "
        }
        return msg + "regex used for validation is '\(format)')"
    }

    static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    static func isQualifiedNamePart(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let first = b.first, let last = b.last, isAlnum(first), isAlnum(last) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`
    static func isDNS1123Subdomain(_ s: String) -> Bool {
        guard !s.isEmpty else { return false }
        for label in s.split(separator: ".", omittingEmptySubsequences: false) {
            guard isDNS1123Label(String(label)) else { return false }
        }
        return true
    }

    static func isDNS1123Label(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func ok(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7A) }
        guard let first = b.first, let last = b.last, ok(first), ok(last) else { return false }
        return b.allSatisfy { ok($0) || $0 == UInt8(ascii: "-") }
    }

    /// The joined error list of `IsQualifiedName`, or nil when the key is valid.
    static func qualifiedNameErrors(_ value: String) -> String? {
        var errs: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let name: String
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errs.append("prefix part must be non-empty")
            } else {
                if prefix.utf8.count > 253 { errs.append("prefix part must be no more than 253 characters") }
                if !isDNS1123Subdomain(prefix) {
                    errs.append(
                        "prefix part "
                            + regexError(
                                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                                "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", ["example.com"]))
                }
            }
        default:
            return "a qualified name " + regexError(qualifiedNameMessage, qualifiedNameFormat, ["MyName", "my.name", "123-abc"])
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        }
        if name.isEmpty {
            errs.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errs.append("name part must be no more than 63 characters")
        }
        if !isQualifiedNamePart(name) {
            errs.append("name part " + regexError(qualifiedNameMessage, qualifiedNameFormat, ["MyName", "my.name", "123-abc"]))
        }
        return errs.isEmpty ? nil : errs.joined(separator: "; ")
    }

    /// The joined error list of `IsValidLabelValue`, or nil when the value is valid.
    static func labelValueErrors(_ value: String) -> String? {
        var errs: [String] = []
        if value.utf8.count > 63 { errs.append("must be no more than 63 characters") }
        if !value.isEmpty && !isQualifiedNamePart(value) {
            errs.append(
                regexError(
                    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                    "(" + qualifiedNameFormat + ")?", ["MyValue", "my_value", "12345"]))
        }
        return errs.isEmpty ? nil : errs.joined(separator: "; ")
    }
}
