/// `TYPE/NAME` as `kubectl logs`, `kubectl debug` and stern take it: a
/// workload whose pods are the ones its selector picks.
public struct WorkloadReference: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case deployment, statefulSet = "statefulset", daemonSet = "daemonset", replicaSet = "replicaset", job

        /// The API path segment and group/version.
        var resource: String {
            switch self {
            case .deployment: return "deployments"
            case .statefulSet: return "statefulsets"
            case .daemonSet: return "daemonsets"
            case .replicaSet: return "replicasets"
            case .job: return "jobs"
            }
        }

        var groupVersion: String { self == .job ? "batch/v1" : "apps/v1" }

        /// The names kubectl accepts: singular, plural, short and `kind.group` forms.
        static func named(_ text: String) -> Kind? {
            switch text.lowercased() {
            case "deployment", "deployments", "deploy", "deployment.apps", "deployments.apps": return .deployment
            case "statefulset", "statefulsets", "sts", "statefulset.apps", "statefulsets.apps": return .statefulSet
            case "daemonset", "daemonsets", "ds", "daemonset.apps", "daemonsets.apps": return .daemonSet
            case "replicaset", "replicasets", "rs", "replicaset.apps", "replicasets.apps": return .replicaSet
            case "job", "jobs", "job.batch", "jobs.batch": return .job
            default: return nil
            }
        }
    }

    public var kind: Kind
    public var name: String

    public init(kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }

    /// Reads `deployment/checkout`, `deploy/checkout`, `sts/db`; nil when the text
    /// has no slash. Throws for a type that has no pod selector.
    public static func parse(_ text: String) throws -> WorkloadReference? {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let type = String(text[..<slash])
        let name = String(text[text.index(after: slash)...])
        guard let kind = Kind.named(type) else {
            throw WorkloadReferenceError(
                "\"\(text)\" names the type \"\(type)\", which has no pods to select; use deployment/NAME, statefulset/NAME, "
                    + "daemonset/NAME, replicaset/NAME, job/NAME or a pod's name.")
        }
        guard !name.isEmpty, !name.contains("/") else {
            throw WorkloadReferenceError("\"\(text)\" is not TYPE/NAME: give one name after the slash, e.g. deployment/checkout.")
        }
        return WorkloadReference(kind: kind, name: name)
    }

    public var description: String { "\(kind.rawValue)/\(name)" }
}

public struct WorkloadReferenceError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A `metav1.LabelSelector` (`spec.selector` of a workload).
public struct WorkloadSelector: Decodable, Sendable, Equatable {
    public struct Requirement: Decodable, Sendable, Equatable {
        public var key: String
        public var `operator`: String
        public var values: [String]?
    }

    public var matchLabels: [String: String]?
    public var matchExpressions: [Requirement]?

    public init(matchLabels: [String: String]? = nil, matchExpressions: [Requirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// The selector in the syntax `-l` takes (`app=checkout,tier in (web)`), as
    /// kubectl's `metav1.LabelSelectorAsSelector` renders it; nil for an empty
    /// selector, which would select every pod and is refused by the caller.
    public func labelSelectorText() throws -> String? {
        var parts: [String] = []
        for key in (matchLabels ?? [:]).keys.sorted() { parts.append("\(key)=\(matchLabels![key]!)") }
        for requirement in matchExpressions ?? [] {
            let values = (requirement.values ?? []).sorted().joined(separator: ",")
            switch requirement.operator {
            case "In": parts.append("\(requirement.key) in (\(values))")
            case "NotIn": parts.append("\(requirement.key) notin (\(values))")
            case "Exists": parts.append(requirement.key)
            case "DoesNotExist": parts.append("!\(requirement.key)")
            default:
                throw WorkloadReferenceError("the selector has the operator \"\(requirement.operator)\", which is not In, NotIn, Exists or DoesNotExist")
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: ",")
    }
}

/// Only what selecting the workload's pods needs.
struct WorkloadObject: Decodable {
    struct Spec: Decodable { var selector: WorkloadSelector? }
    var spec: Spec?
}
