/// A path inside an evidence bundle.
///
/// Paths are built by the tool, never taken from a pod: a compromised pod
/// chooses its own name's look only within what the API server allows, but a
/// hostile or buggy server, a hand-edited manifest or a future field could
/// carry anything. So every component that comes from outside goes through
/// ``sanitize(_:)``, and the only shapes that exist are:
///
/// - `pods/<namespace>/<pod>/<file>`
/// - `pods/<namespace>/<pod>/containers/<container>/<file>`
/// - `pods/<namespace>/<pod>/containers/<container>/<tree>/<key parts…>`
///   (each record the in-pod script gathered, unpacked by `collect --explode`;
///   see ``gathered(namespace:pod:container:tree:key:cluster:)``)
/// - each of the three under `clusters/<cluster>/` in a bundle of several
///   clusters (`collect --context a,b`): the same namespace and pod name in two
///   clusters are two pods, and each cluster's pods stay under its name
/// - `run/<file>` (run-wide files: the plan, the server's version, …)
/// - `manifest.json` (written by ``BundleWriter/finish(manifest:signer:)`` only)
/// - `manifest.json.sig` (likewise, right after the manifest, when signed)
public struct BundlePath: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The path as it is stored in the archive: relative, `/`-separated,
    /// every component printable ASCII from `[a-z0-9._~%-]`.
    public let string: String

    private init(components: [String]) {
        self.string = components.joined(separator: "/")
    }

    /// Where a cluster's pods start: `pods`, or `clusters/<cluster>/pods` in a
    /// bundle of several clusters (`cluster` is the manifest's name for it, its context's).
    static func podsRoot(cluster: String?) -> [String] {
        cluster.map { ["clusters", sanitize($0), "pods"] } ?? ["pods"]
    }

    /// A file about a whole pod, such as the pod's JSON as the server sent it.
    public static func pod(namespace: String, pod: String, file: String, cluster: String? = nil) -> BundlePath {
        BundlePath(components: podsRoot(cluster: cluster) + [sanitize(namespace), sanitize(pod), sanitize(file)])
    }

    /// A file about one container of a pod, such as the evidence container's
    /// raw output or the processes decoded from it.
    public static func container(namespace: String, pod: String, container: String, file: String, cluster: String? = nil) -> BundlePath {
        BundlePath(components: podsRoot(cluster: cluster) + [
            sanitize(namespace), sanitize(pod), "containers", sanitize(container), sanitize(file),
        ])
    }

    /// The directory of a pod's files, with its trailing `/` (`pods/<ns>/<pod>/`),
    /// for a reader matching archive paths to manifest entries.
    public static func podDirectory(namespace: String, pod: String, cluster: String? = nil) -> String {
        (podsRoot(cluster: cluster) + [sanitize(namespace), sanitize(pod)]).joined(separator: "/") + "/"
    }

    /// The directory of a container's files, without a trailing `/`.
    public static func containerDirectory(namespace: String, pod: String, container: String, cluster: String? = nil) -> String {
        (podsRoot(cluster: cluster) + [sanitize(namespace), sanitize(pod), "containers", sanitize(container)]).joined(separator: "/")
    }

    /// A file the in-pod script gathered, unpacked from its framed output:
    /// `pods/<namespace>/<pod>/containers/<container>/<tree>/<key…>`, where the
    /// key's `/`-separated parts (e.g. `proc/123/cmdline`) become directories.
    /// Each part is sanitised like any other name. A key that is not plain
    /// (empty, with leading, trailing or doubled slashes) or deeper than
    /// `maxKeyDepth` keeps its first `maxKeyDepth - 1` parts as directories and
    /// ends in one component made from the whole key (slashes escaped, with
    /// its hash), so a key can neither climb out nor nest without end, and two
    /// different keys never give the same path (the writer would refuse the
    /// second as a duplicate, losing that pod's remaining files).
    public static func gathered(namespace: String, pod: String, container: String, tree: String, key: String,
                                cluster: String? = nil) -> BundlePath {
        let parts = key.split(separator: "/").map(String.init)
        let plain = !parts.isEmpty && parts.count <= maxKeyDepth && parts.joined(separator: "/") == key
        let keyComponents = plain ? parts.map(sanitize) : parts.prefix(maxKeyDepth - 1).map(sanitize) + [sanitize(key)]
        return BundlePath(components: podsRoot(cluster: cluster)
            + [sanitize(namespace), sanitize(pod), "containers", sanitize(container), sanitize(tree)] + keyComponents)
    }

    /// The deepest a gathered key may nest.
    public static let maxKeyDepth = 8

    /// The longest path any of the shapes above can be: a gathered record's,
    /// `clusters/<cluster>/pods/<ns>/<pod>/containers/<c>/<tree>/` and
    /// ``maxKeyDepth`` key parts, every name at ``maxComponentLength`` (3,326
    /// bytes). The reader refuses longer paths (``BundleCapacity/maxPathLength``).
    public static let maxLength = "clusters".utf8.count + "pods".utf8.count + "containers".utf8.count
        + (5 + maxKeyDepth) * maxComponentLength + (8 + maxKeyDepth - 1)

    /// True for a record of an exploded tree (see ``gathered(namespace:pod:container:tree:key:cluster:)``),
    /// the only shape deeper than a container's file: the writer gives those
    /// a room of their own (``BundleCapacity/exploded``).
    var isExplodedRecord: Bool {
        let depth = string.hasPrefix("clusters/") ? 7 : 5
        return string.utf8.lazy.filter { $0 == UInt8(ascii: "/") }.count > depth
    }

    /// A file about the whole run rather than one pod.
    public static func run(file: String) -> BundlePath {
        BundlePath(components: ["run", sanitize(file)])
    }

    /// The manifest's path. Only the writer's `finish` writes it, always last.
    public static let manifest = BundlePath(components: ["manifest.json"])

    /// The manifest's signature, written right after it when a signer is given.
    public static let manifestSignature = BundlePath(components: ["manifest.json.sig"])

    public var description: String { string }

    public static func < (lhs: BundlePath, rhs: BundlePath) -> Bool { lhs.string < rhs.string }
}
