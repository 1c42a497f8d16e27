/// Which command-line arguments hold secrets, and how they are masked.
///
/// A pod's `args` and its processes' argv routinely carry credentials
/// (`--db-password=hunter2`, `--token abc`, `postgres://app:pw@db/x`), and a
/// bundle is attached to tickets that many people read. Masking keeps the
/// argument's name and shape (what the process was told to do) and hides the
/// value; every mask names the rule that made it, so a reader knows it was
/// the tool and not the process.
///
/// Values are masked with `*` of the same length: the masked argv still frames
/// exactly as the in-pod script framed it (lengths unchanged), at the price of
/// showing how long the secret was.
public enum SecretArgumentRule: String, Sendable, CaseIterable, Codable {
    /// `--db-password=hunter2`, `-token=x`: the value after `=` of an option named like a secret.
    case secretOptionValue = "secret-option-value"
    /// `--password hunter2`: the argument after an option named like a secret.
    case secretOptionNextArgument = "secret-option-next-argument"
    /// `API_TOKEN=x` (as `env` takes it): the value of an assignment named like a secret.
    case secretAssignment = "secret-assignment"
    /// `postgres://app:hunter2@db:5432/x`: the password of a URL's user info.
    case urlPassword = "url-password"

    /// Words that make an option or variable name a secret's anywhere in it
    /// (`dbpassword`, `clientSecret`).
    static let secretWords = ["password", "passwd", "passphrase", "secret", "credential", "apikey", "privatekey"]
    /// Words that do so as a whole part of the name, or at the end of one
    /// (`--token`, `authToken`, `--db-pass`), but not inside (`--tokenizer`).
    static let secretParts: Set<String> = ["token", "pwd", "pass", "pw", "auth"]
    /// `key` is a secret's name alone (`--key`) or after one of these (`--api-key`,
    /// `--signing-key`), not in `--sort-key` or `--partition-key`.
    static let secretKeyQualifiers: Set<String> = [
        "api", "access", "private", "secret", "encryption", "signing", "master", "license", "client", "ssh", "session", "auth",
        "account", "storage", "shared", "hmac", "jwt",
    ]
    /// A last part that says the value is not the secret itself (`--token-file`, `--secret-name`).
    static let harmlessLastParts: Set<String> = [
        "file", "path", "dir", "directory", "name", "ttl", "timeout", "length", "size", "type", "id", "ref", "mode", "count",
    ]

    /// True when `name` (an option without its dashes, or a variable) names a secret.
    public static func isSecretName(_ name: some StringProtocol) -> Bool {
        let parts = nameParts(name)
        guard let last = parts.last, !harmlessLastParts.contains(last) else { return false }
        let joined = parts.joined()
        if secretWords.contains(where: { joined.contains($0) }) { return true }
        for (index, part) in parts.enumerated() {
            if secretParts.contains(part) || secretParts.contains(where: { part.count > $0.count && part.hasSuffix($0) && $0.count >= 4 }) {
                return true
            }
            if part == "key", index == 0 || secretKeyQualifiers.contains(parts[index - 1]) { return true }
        }
        return false
    }

    /// Lower-case parts of a name split at `-`, `_`, `.` and camelCase humps:
    /// `clientSecret` → client, secret; `DB_PASSWORD` → db, password.
    static func nameParts(_ name: some StringProtocol) -> [String] {
        var parts: [String] = []
        var current = ""
        var previousWasLower = false
        for character in name {
            if character == "-" || character == "_" || character == "." {
                if !current.isEmpty { parts.append(current) }
                current = ""
                previousWasLower = false
                continue
            }
            if character.isUppercase, previousWasLower, !current.isEmpty {
                parts.append(current)
                current = ""
            }
            current += character.lowercased()
            previousWasLower = character.isLowercase || character.isNumber
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }
}

/// One masked argument: its index in argv and the rule.
public struct MaskedArgument: Sendable, Equatable {
    public var index: Int
    public var rule: SecretArgumentRule

    public init(index: Int, rule: SecretArgumentRule) {
        self.index = index
        self.rule = rule
    }
}

/// Masks the secrets of one argv (see ``SecretArgumentRule``).
public enum ArgvRedaction {
    static let mask = UInt8(ascii: "*")

    /// The argv with secret values masked in place (same lengths), and what was masked.
    public static func redact(_ argv: [[UInt8]]) -> (argv: [[UInt8]], masked: [MaskedArgument]) {
        var out = argv
        var masked: [MaskedArgument] = []
        var index = 0
        while index < out.count {
            let argument = out[index]
            if let rule = maskValue(in: &out[index]) {
                masked.append(MaskedArgument(index: index, rule: rule))
            } else if let name = optionName(argument), SecretArgumentRule.isSecretName(name), index + 1 < out.count,
                      !(out[index + 1].first == UInt8(ascii: "-")), !out[index + 1].isEmpty
            {
                out[index + 1] = [UInt8](repeating: mask, count: out[index + 1].count)
                masked.append(MaskedArgument(index: index + 1, rule: .secretOptionNextArgument))
                index += 1
            }
            index += 1
        }
        return (out, masked)
    }

    /// As ``redact(_:)``, for arguments as Swift strings (a command line).
    public static func redact(_ arguments: [String]) -> (arguments: [String], masked: [MaskedArgument]) {
        let (argv, masked) = redact(arguments.map { Array($0.utf8) })
        return (argv.map { String(decoding: $0, as: UTF8.self) }, masked)
    }

    /// `--name` or `-name` without a value: the name; nil otherwise.
    private static func optionName(_ argument: [UInt8]) -> Substring? {
        guard argument.first == UInt8(ascii: "-"), !argument.contains(UInt8(ascii: "=")) else { return nil }
        let text = String(decoding: argument, as: UTF8.self)
        let name = text.drop(while: { $0 == "-" })
        return name.isEmpty ? nil : name
    }

    /// Masks `--secret=value`, `SECRET=value` or a URL's password inside one argument.
    private static func maskValue(in argument: inout [UInt8]) -> SecretArgumentRule? {
        if let equals = argument.firstIndex(of: UInt8(ascii: "=")), equals > 0, equals + 1 < argument.count {
            let nameBytes = argument[..<equals]
            let isOption = nameBytes.first == UInt8(ascii: "-")
            let name = String(decoding: nameBytes.drop(while: { $0 == UInt8(ascii: "-") }), as: UTF8.self)
            let isAssignment = !isOption && name.first.map { $0.isLetter || $0 == "_" } == true
                && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" }
            if (isOption || isAssignment), SecretArgumentRule.isSecretName(name) {
                for i in (equals + 1)..<argument.count { argument[i] = mask }
                return isOption ? .secretOptionValue : .secretAssignment
            }
        }
        if let range = urlPasswordRange(argument) {
            for i in range { argument[i] = mask }
            return .urlPassword
        }
        return nil
    }

    /// The bytes of the password in `scheme://user:password@host…`, if the argument holds such a URL.
    static func urlPasswordRange(_ argument: [UInt8]) -> Range<Int>? {
        let separator = Array("://".utf8)
        guard argument.count > separator.count else { return nil }
        var start: Int?
        for i in 0...(argument.count - separator.count) where Array(argument[i..<(i + separator.count)]) == separator {
            start = i + separator.count
            break
        }
        guard let authorityStart = start else { return nil }
        // The authority ends at the first '/', '?' or '#'; its user info at the last '@' inside it.
        var end = argument.count
        for i in authorityStart..<argument.count where [UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")].contains(argument[i]) {
            end = i
            break
        }
        guard let at = argument[authorityStart..<end].lastIndex(of: UInt8(ascii: "@")),
              let colon = argument[authorityStart..<at].firstIndex(of: UInt8(ascii: ":")), colon + 1 < at
        else { return nil }
        return (colon + 1)..<at
    }
}
