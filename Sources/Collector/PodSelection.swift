/// What the user asked to collect: a namespace (or all of them) and the
/// selectors the API server applies. The tool never filters pods by labels
/// itself: the server's answer is the selection, so what the plan shows is
/// exactly what `kubectl get pods -l …` would show.
public struct PodSelection: Sendable, Equatable, Codable {
    /// The namespace to list in, or nil for every namespace (`-A`).
    public var namespace: String?
    public var labelSelector: String?
    public var fieldSelector: String?

    public init(namespace: String?, labelSelector: String?, fieldSelector: String? = nil) {
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
    }

    /// The selection as a user would type it, for messages and the manifest.
    public var description: String {
        var parts: [String] = []
        parts.append(namespace.map { "-n \($0)" } ?? "-A")
        if let labelSelector { parts.append("-l '\(labelSelector)'") }
        if let fieldSelector { parts.append("--field-selector '\(fieldSelector)'") }
        return parts.joined(separator: " ")
    }
}
