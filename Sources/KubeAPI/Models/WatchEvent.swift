/// One line of a watch stream.
///
/// ADDED, MODIFIED, DELETED and BOOKMARK carry a pod (a BOOKMARK's pod has only
/// `metadata.resourceVersion`); ERROR carries a `Status`. `KubeClient.watchPods`
/// never yields ERROR events: it throws them (`KubeAPIError.gone` for 410).
public struct WatchEvent: Sendable, Equatable {
    public enum EventType: String, Codable, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
        case error = "ERROR"
    }

    public enum Object: Sendable, Equatable {
        case pod(Pod)
        case status(Status)
    }

    public var type: EventType
    public var object: Object

    public init(type: EventType, object: Object) {
        self.type = type
        self.object = object
    }

    /// The pod of an ADDED, MODIFIED, DELETED or BOOKMARK event.
    public var pod: Pod? {
        if case .pod(let pod) = object { return pod }
        return nil
    }

    /// The Status of an ERROR event.
    public var status: Status? {
        if case .status(let status) = object { return status }
        return nil
    }

    /// The resourceVersion this event moves the watch to (nil for ERROR).
    public var resourceVersion: String? { pod?.metadata.resourceVersion }
}

extension WatchEvent: Codable {
    enum CodingKeys: String, CodingKey { case type, object }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(EventType.self, forKey: .type)
        if type == .error {
            object = .status(try c.decode(Status.self, forKey: .object))
        } else {
            object = .pod(try c.decode(Pod.self, forKey: .object))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        switch object {
        case .pod(let pod): try c.encode(pod, forKey: .object)
        case .status(let status): try c.encode(status, forKey: .object)
        }
    }
}
