import Foundation

/// The few fields of `pod.json` (the pod as the API server sent it) that a
/// diff needs: who owns the pod, and per container its restarts and image.
/// Decoded into a partial model, so the rest of the server's bytes are skipped.
public struct PodInfo: Sendable, Equatable, Decodable {
    public var metadata: Metadata
    public var status: Status?

    public struct Metadata: Sendable, Equatable, Decodable {
        public var name: String?
        public var namespace: String?
        public var uid: String?
        /// For `pod-template-hash`: which Deployment a ReplicaSet belongs to, across clusters.
        public var labels: [String: String]?
        public var ownerReferences: [OwnerReference]?
    }

    public struct OwnerReference: Sendable, Equatable, Decodable {
        public var kind: String
        public var name: String
        public var controller: Bool?
    }

    public struct Status: Sendable, Equatable, Decodable {
        public var containerStatuses: [ContainerStatus]?
    }

    public struct ContainerStatus: Sendable, Equatable, Decodable {
        public var name: String
        public var restartCount: Int?
        public var image: String?
        public var imageID: String?
    }

    /// The controlling owner (else the first owner): the workload the pod belongs to.
    public var owner: OwnerReference? {
        metadata.ownerReferences?.first { $0.controller == true } ?? metadata.ownerReferences?.first
    }

    public func container(_ name: String) -> ContainerStatus? {
        status?.containerStatuses?.first { $0.name == name }
    }
}
