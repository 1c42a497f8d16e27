import Bundle

/// What the user asked to collect: a namespace (or all of them) and the
/// selectors the API server applies. The tool never filters pods by labels
/// itself: the server's answer is the selection, so what the plan shows is
/// exactly what `kubectl get pods …` would show.
///
/// Pods are picked as `kubectl logs`, `kubectl debug` and stern pick them: by
/// label selector (`-l`), by workload (`deployment/checkout`: its
/// `spec.selector`, resolved from the API into `labelSelector`), by name
/// (`collect checkout-6c58…-d6fch`), or by node (`--node`), combined with a
/// `--field-selector` where kubectl allows it.
public struct PodSelection: Sendable, Equatable, Codable {
    /// The namespace to list in, or nil for every namespace (`-A`).
    public var namespace: String?
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Pods named on the command line; each is read by name.
    public var podNames: [String]?
    /// `TYPE/NAME` as typed, when `labelSelector` is that workload's selector.
    public var workload: String?
    /// `--node`: only pods scheduled there (`spec.nodeName`).
    public var node: String?

    public init(
        namespace: String?, labelSelector: String?, fieldSelector: String? = nil, podNames: [String]? = nil,
        workload: String? = nil, node: String? = nil
    ) {
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.podNames = podNames.flatMap { $0.isEmpty ? nil : $0 }
        self.workload = workload
        self.node = node
    }

    /// The field selector the API server applies: `--field-selector`, with
    /// `spec.nodeName` for `--node` and `metadata.name` for a single named pod
    /// (how kubectl watches one pod).
    public var serverFieldSelector: String? {
        var parts: [String] = []
        if let fieldSelector, !fieldSelector.isEmpty { parts.append(fieldSelector) }
        if let node { parts.append("spec.nodeName=\(node)") }
        if let names = podNames, names.count == 1 { parts.append("metadata.name=\(names[0])") }
        return parts.isEmpty ? nil : parts.joined(separator: ",")
    }

    /// The selection as a user would type it, for messages and the manifest.
    public var description: String {
        var parts: [String] = []
        parts.append(namespace.map { "-n \($0)" } ?? "-A")
        if let workload { parts.append(workload) }
        if let names = podNames { parts.append(contentsOf: names) }
        if let labelSelector { parts.append(workload == nil ? "-l '\(labelSelector)'" : "(-l '\(labelSelector)')") }
        if let fieldSelector { parts.append("--field-selector '\(fieldSelector)'") }
        if let node { parts.append("--node \(node)") }
        return parts.joined(separator: " ")
    }

    /// The same selection as `kubectl get pods` arguments, for hints.
    public var kubectlGetArguments: String {
        var parts: [String] = [namespace.map { "-n \($0)" } ?? "-A"]
        if let names = podNames { parts.append(contentsOf: names) }
        if let labelSelector { parts.append("-l '\(labelSelector)'") }
        let fields = [fieldSelector, node.map { "spec.nodeName=\($0)" }].compactMap { $0 }
        if !fields.isEmpty { parts.append("--field-selector '\(fields.joined(separator: ","))'") }
        return parts.joined(separator: " ")
    }
}

extension PodSelection {
    /// The selection as the manifest records it.
    public var manifestSelection: Manifest.Selection {
        Manifest.Selection(namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                           podNames: podNames, workload: workload, node: node)
    }
}
