import Foundation
import Yams

/// Reads kubeconfig files the way kubectl does and resolves one context.
///
/// Order: `--kubeconfig` (must exist), else every file in `KUBECONFIG`
/// (':'-separated; missing files ignored), else `$HOME/.kube/config`, else the
/// in-cluster service account. Several files merge by kubectl's rules: the
/// first file to define a cluster, user or context name wins, and so does the
/// first non-empty `current-context`. Relative paths resolve against the
/// directory of the file that wrote them.
public enum KubeconfigLoader {
    /// Where a pod's service account is mounted.
    public static let defaultInClusterDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    public static func load(
        _ selection: KubeconfigSelection,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ClusterConnection {
        try load(selection, environment: environment, inClusterDirectory: defaultInClusterDirectory)
    }

    /// The context names of the kubeconfig files `selection` names (merged by
    /// kubectl's rules), sorted: what `--context` completes to. Files that do
    /// not exist or do not parse are left out, quietly: a completion must not fail.
    public static func contextNames(
        _ selection: KubeconfigSelection, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> [String] {
        guard let candidates = try? candidateFiles(selection, environment: environment) else { return [] }
        var merged = MergedKubeconfig()
        for path in candidates.paths where FileManager.default.fileExists(atPath: path) {
            if let document = try? parse(path: path) { merged.add(document, from: path) }
        }
        return merged.contexts.keys.sorted()
    }

    /// As `load(_:environment:)`, with the service-account directory injectable (for tests).
    public static func load(
        _ selection: KubeconfigSelection,
        environment: [String: String],
        inClusterDirectory: String
    ) throws -> ClusterConnection {
        let candidates = try candidateFiles(selection, environment: environment)
        var merged = MergedKubeconfig()
        for path in candidates.paths {
            guard FileManager.default.fileExists(atPath: path) else {
                if candidates.mustExist {
                    throw KubeconfigError(
                        file: path, field: nil,
                        message: "The kubeconfig file \(path) given with --kubeconfig does not exist.")
                }
                continue
            }
            let document = try parse(path: path)
            merged.add(document, from: path)
        }

        // As client-go: the service account is used only when no kubeconfig and no --server say otherwise.
        if merged.isEmpty && selection.context == nil && candidates.explicit == false && (selection.overrides.server ?? "").isEmpty {
            if var inCluster = try InClusterConfig.load(
                selection: selection, environment: environment, directory: inClusterDirectory)
            {
                try applyOverrides(selection, to: &inCluster, environment: environment)
                return inCluster
            }
            let looked = candidates.paths.isEmpty ? "no kubeconfig path (HOME is not set)" : candidates.paths.joined(separator: ", ")
            throw KubeconfigError(
                file: candidates.paths.first, field: nil,
                message: "No Kubernetes configuration was found: looked at \(looked), and this is not a pod "
                    + "in a cluster (KUBERNETES_SERVICE_HOST is not set). Pass --kubeconfig or set KUBECONFIG.")
        }
        return try resolve(merged, selection: selection, environment: environment)
    }

    // MARK: - Which files

    struct Candidates {
        var paths: [String]
        var mustExist: Bool
        var explicit: Bool
    }

    static func candidateFiles(_ selection: KubeconfigSelection, environment: [String: String]) throws -> Candidates {
        if let explicit = selection.explicitPath, !explicit.isEmpty {
            return Candidates(paths: [absolute(explicit, environment: environment)], mustExist: true, explicit: true)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen = Set<String>()
            var paths: [String] = []
            for entry in list.split(separator: ":", omittingEmptySubsequences: true) {
                let path = absolute(String(entry), environment: environment)
                if seen.insert(path).inserted { paths.append(path) }
            }
            return Candidates(paths: paths, mustExist: false, explicit: false)
        }
        if let home = environment["HOME"], !home.isEmpty {
            return Candidates(paths: [home + "/.kube/config"], mustExist: false, explicit: false)
        }
        return Candidates(paths: [], mustExist: false, explicit: false)
    }

    /// Makes a command-line or KUBECONFIG path absolute against the working directory.
    static func absolute(_ path: String, environment: [String: String]) -> String {
        if path.hasPrefix("/") { return path }
        if path == "~" || path.hasPrefix("~/"), let home = environment["HOME"] {
            return home + path.dropFirst()
        }
        let cwd = FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).standardizedFileURL.path
    }

    // MARK: - Parsing one file

    static func parse(path: String) throws -> KubeconfigDocument {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw KubeconfigError(
                file: path, field: nil,
                message: "The kubeconfig file \(path) could not be read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw KubeconfigError(file: path, field: nil, message: "The kubeconfig file \(path) is not UTF-8 text.")
        }
        if text.allSatisfy({ $0.isWhitespace }) { return KubeconfigDocument() }
        do {
            // Parse first, so syntax errors are reported with their line before any field checks.
            guard let node = try Yams.compose(yaml: text) else { return KubeconfigDocument() }
            if case .scalar = node, node.null != nil { return KubeconfigDocument() }
            return try YAMLDecoder().decode(KubeconfigDocument.self, from: node)
        } catch let error as YamlError {
            throw KubeconfigError(file: path, field: nil, message: yamlMessage(error, path: path))
        } catch let error as DecodingError {
            let (field, problem) = describe(error)
            throw KubeconfigError(
                file: path, field: field,
                message: "The kubeconfig file \(path) has an invalid value at \(field): \(problem).")
        }
    }

    static func yamlMessage(_ error: YamlError, path: String) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let contextText = context.map { " (\($0.text))" } ?? ""
            return "The kubeconfig file \(path) is not valid YAML: line \(mark.line), column \(mark.column): \(problem)\(contextText)."
        default:
            return "The kubeconfig file \(path) is not valid YAML: \(error)"
        }
    }

    /// The field path (`clusters[0].cluster.server`) and the problem of a decoding error.
    static func describe(_ error: DecodingError) -> (field: String, problem: String) {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : "." + key.stringValue
                }
            }
            return text.isEmpty ? "the top level" : text
        }
        switch error {
        case .typeMismatch(let type, let context):
            return (path(context.codingPath), "expected \(typeName(type)) (\(context.debugDescription))")
        case .valueNotFound(let type, let context):
            return (path(context.codingPath), "expected \(typeName(type)) but found nothing")
        case .keyNotFound(let key, let context):
            return (path(context.codingPath + [key]), "this required field is missing")
        case .dataCorrupted(let context):
            return (path(context.codingPath), context.debugDescription)
        @unknown default:
            return ("the top level", String(describing: error))
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is [Any].Type: return "a list"
        default: return "a \(type)"
        }
    }
}

/// Several kubeconfig documents merged by kubectl's rules, remembering which
/// file defined each entry so errors and relative paths refer to the right one.
struct MergedKubeconfig {
    struct Located<Value> {
        var value: Value
        var file: String
        var index: Int
    }

    var clusters: [String: Located<ClusterEntry>] = [:]
    var contexts: [String: Located<ContextEntry>] = [:]
    var users: [String: Located<UserEntry>] = [:]
    var currentContext: (name: String, file: String)?
    var files: [String] = []
    private var anyContent = false

    var isEmpty: Bool { !anyContent }

    mutating func add(_ document: KubeconfigDocument, from file: String) {
        files.append(file)
        if !document.isEmpty { anyContent = true }
        for (index, entry) in document.clusters.enumerated() where clusters[entry.name] == nil {
            clusters[entry.name] = Located(value: entry.cluster, file: file, index: index)
        }
        for (index, entry) in document.contexts.enumerated() where contexts[entry.name] == nil {
            contexts[entry.name] = Located(value: entry.context, file: file, index: index)
        }
        for (index, entry) in document.users.enumerated() where users[entry.name] == nil {
            users[entry.name] = Located(value: entry.user, file: file, index: index)
        }
        if currentContext == nil, let name = document.currentContext, !name.isEmpty {
            currentContext = (name, file)
        }
    }

    /// "file" or "the files a, b and c", for messages.
    var filesDescription: String {
        switch files.count {
        case 0: return "no kubeconfig file"
        case 1: return files[0]
        default: return "the kubeconfig files " + files.joined(separator: ", ")
        }
    }
}
