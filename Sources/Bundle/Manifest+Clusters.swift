import Foundation

extension Manifest {
    /// One cluster of a bundle of several: what `cluster` and `selection` say
    /// in a bundle of one, under the name its pods give (`Pod.cluster`) and its
    /// files live under (`clusters/<name>/pods/…`).
    public struct ClusterSection: Codable, Sendable, Equatable {
        /// The kubeconfig context the cluster was reached through: unique in a
        /// bundle, and what a responder typed.
        public var name: String
        public var cluster: Cluster
        public var selection: Selection
        /// How the script reached this cluster's evidence containers (`attach`
        /// or `command`); `nil` when the cluster was never planned.
        public var scriptDelivery: String?
        /// Set when the cluster cost all its pods before any was touched: it could
        /// not be reached, refused the listing, or its preflight refused every
        /// namespace. Pods of a cluster that failed later carry their own reasons.
        public var failure: ClusterFailure?

        public init(name: String, cluster: Cluster, selection: Selection, scriptDelivery: String? = nil, failure: ClusterFailure? = nil) {
            self.name = name
            self.cluster = cluster
            self.selection = selection
            self.scriptDelivery = scriptDelivery
            self.failure = failure
        }
    }

    /// Why a cluster of a bundle of several has no pod in it.
    public struct ClusterFailure: Codable, Sendable, Equatable {
        /// A short, stable reason (`Unreachable`, `Forbidden`, `Unauthorized`,
        /// `PreflightRefused`, `NotFound`, …), for tables and scripts.
        public var reason: String
        /// A full sentence for a person, in the server's words where it gave them.
        public var message: String

        public init(reason: String, message: String) {
            self.reason = reason
            self.message = message
        }
    }

    /// True for a bundle of several clusters (`schemaVersion` 2).
    public var isMultiCluster: Bool { clusters != nil }

    /// Every cluster of the bundle: its sections, or the one cluster of a
    /// bundle of one (named after its context, else its server), so that a
    /// reader walks both kinds alike.
    public var clusterSections: [ClusterSection] {
        if let clusters { return clusters }
        guard let cluster, let selection else { return [] }
        return [ClusterSection(name: cluster.contextName ?? cluster.server, cluster: cluster, selection: selection,
                               scriptDelivery: run.scriptDelivery)]
    }

    /// The cluster a pod comes from.
    public func cluster(of pod: Pod) -> Cluster? {
        guard let name = pod.cluster else { return cluster }
        return clusters?.first { $0.name == name }?.cluster
    }

    /// What a version-1 and a version-2 manifest must hold beyond their types:
    /// the one cluster, or sections with unique names that every pod names; and,
    /// in both, each pod and container once, its files in its own directory (a
    /// hand-edited manifest must not give one pod's evidence to another).
    /// Throws naming the first field at fault.
    func checkConsistency(source: String) throws {
        func invalid(_ what: String) -> BundleError {
            BundleError(.manifest, "The manifest \(source) is not valid: \(what).")
        }
        switch schemaVersion {
        case Manifest.currentSchemaVersion:
            if cluster == nil { throw invalid("the field \"cluster\" is missing at the top level") }
            if selection == nil { throw invalid("the field \"selection\" is missing at the top level") }
            if clusters != nil { throw invalid("\"clusters\" belongs to schemaVersion \(Manifest.multiClusterSchemaVersion), but the manifest says \(schemaVersion)") }
            if let index = pods.firstIndex(where: { $0.cluster != nil }) {
                throw invalid("pods[\(index)] names a cluster, but the bundle is of one cluster")
            }
        default:
            guard let clusters, !clusters.isEmpty else { throw invalid("\"clusters\" is missing or empty at the top level") }
            if cluster != nil || selection != nil {
                throw invalid("\"cluster\" and \"selection\" belong to each of \"clusters\" in schemaVersion \(Manifest.multiClusterSchemaVersion)")
            }
            var names: Set<String> = []
            for (index, section) in clusters.enumerated() where !names.insert(section.name).inserted {
                throw invalid("clusters[\(index)] has the name \(BundleReader.display(section.name)), which an earlier cluster has")
            }
            if let index = pods.firstIndex(where: { $0.cluster.map { !names.contains($0) } ?? true }) {
                guard let name = pods[index].cluster else {
                    throw invalid("pods[\(index)] has no \"cluster\", which every pod of a bundle of several clusters needs")
                }
                throw invalid("pods[\(index)] names the cluster \(BundleReader.display(name)), which is not one of \"clusters\"")
            }
            // A cluster left out was never collected from: no pod can be its.
            let leftOut = Set(clusters.filter { $0.failure != nil }.map(\.name))
            if let index = pods.firstIndex(where: { $0.cluster.map(leftOut.contains) ?? false }) {
                throw invalid("pods[\(index)] belongs to the cluster \(BundleReader.display(pods[index].cluster ?? "")), which the bundle says was left out")
            }
        }
        var entries: [String: Int] = [:]
        for (index, pod) in pods.enumerated() {
            if let earlier = entries.updateValue(index, forKey: pod.podKey + "\u{0}" + pod.targetContainer) {
                throw invalid("pods[\(index)] is \(BundleReader.display(pod.displayName)) (container \(BundleReader.display(pod.targetContainer))) again, as pods[\(earlier)] is")
            }
            let directory = pod.directory
            if let file = pod.files.first(where: { !$0.hasPrefix(directory) }) {
                throw invalid("pods[\(index)] lists the file \(BundleReader.display(file)), which is not under its own directory \(BundleReader.display(directory))")
            }
        }
    }
}

extension Manifest {
    /// The API servers the bundle's pods come from, sorted.
    public var servers: [String] {
        Set(clusterSections.map(\.cluster.server)).sorted()
    }

    /// In a bundle of several clusters, each cluster's server by its name.
    public var serverByCluster: [String: String] {
        Dictionary((clusters ?? []).map { ($0.name, $0.cluster.server) }, uniquingKeysWith: { first, _ in first })
    }
}
