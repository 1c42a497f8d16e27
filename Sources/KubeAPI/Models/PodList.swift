/// One page of pods (or, from `listAllPods`, every page joined).
///
/// Decode it with `PodList.decode(json:)` to keep each item's bytes; a plain
/// `JSONDecoder` works too but leaves every `rawJSON` empty.
public struct PodList: Codable, Sendable, Equatable {
    public var metadata: ListMeta
    public var items: [Pod]

    public init(metadata: ListMeta = .init(), items: [Pod] = []) {
        self.metadata = metadata
        self.items = items
    }

    enum CodingKeys: String, CodingKey { case kind, apiVersion, metadata, items }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try c.decodeIfPresent(ListMeta.self, forKey: .metadata) ?? .init()
        items = try c.decodeIfPresent([Pod].self, forKey: .items) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("PodList", forKey: .kind)
        try c.encode("v1", forKey: .apiVersion)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(items, forKey: .items)
    }
}
