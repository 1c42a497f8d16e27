/// One value the tool hid before writing the bundle: where, and by which rule.
/// Listed in the manifest, so a reader knows a `*****` or `<redacted>` was
/// the tool's doing, not the pod's.
public struct RedactionFinding: Sendable, Equatable {
    /// Where in the file: `spec.containers[app].env[DB_PASSWORD].value`, `proc/41/cmdline argv[3]`.
    public var location: String
    /// The rule: `env-value`, `last-applied-configuration`, or a ``SecretArgumentRule`` raw value.
    public var rule: String

    public init(location: String, rule: String) {
        self.location = location
        self.rule = rule
    }
}
