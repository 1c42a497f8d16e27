/// Counts API requests by verb and resource (`list pods`, `watch pods`, `get pods/log`,
/// `create selfsubjectaccessreviews`, `get discovery`), for benchmarks' requests-per-pod.
public final class LabRequestCounter: Sendable {
    private let counts = LabMutex([String: Int]())

    init() {}

    func record(verb: String, resource: String) {
        counts.withLock { $0["\(verb) \(resource)", default: 0] += 1 }
    }

    /// Requests seen so far, keyed `"<verb> <resource>"`.
    public func snapshot() -> [String: Int] { counts.withLock { $0 } }

    public func count(verb: String, resource: String) -> Int { counts.withLock { $0["\(verb) \(resource)"] ?? 0 } }

    public var total: Int { counts.withLock { $0.values.reduce(0, +) } }

    public func reset() { counts.withLock { $0 = [:] } }

    var json: JSONValue {
        let s = snapshot()
        return .object([
            ("total", .int(s.values.reduce(0, +))),
            ("requests", .object(s.keys.sorted().map { ($0, JSONValue.int(s[$0]!)) })),
        ])
    }
}
