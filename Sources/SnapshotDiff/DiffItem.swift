/// One thing a container has (a process, a listener, a connection, a
/// namespace or socket anomaly), named so that the same thing in another
/// snapshot or another replica gets the same ``key``.
///
/// Every string in it came from a pod: ``text`` and ``owners`` are for
/// display only after escaping (see ``DisplayEscaping``); JSON escapes them itself.
public struct DiffItem: Sendable, Equatable, Hashable, Codable, Comparable {
    /// What it is: `process`, `listener`, `connection` or `anomaly`.
    public var kind: Kind
    /// The identity compared across snapshots (no pid, no ephemeral port).
    public var key: String
    /// One line for a person.
    public var text: String
    /// The processes that hold it (command lines), for listeners and connections.
    public var owners: [String]
    /// The pids it had in the snapshot it was taken from (they differ between
    /// snapshots, so they are never part of the key).
    public var pids: [Int]

    public enum Kind: String, Sendable, Codable, CaseIterable, Comparable {
        case process, listener, connection, anomaly

        public static func < (a: Kind, b: Kind) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }

        /// How much one such difference makes a replica stand out: an extra
        /// listener or an anomaly says more than one connection.
        public var weight: Int {
            switch self {
            case .listener, .anomaly: 3
            case .process: 2
            case .connection: 1
            }
        }
    }

    public init(kind: Kind, key: String, text: String, owners: [String] = [], pids: [Int] = []) {
        self.kind = kind
        self.key = key
        self.text = text
        self.owners = owners
        self.pids = pids
    }

    public static func < (a: DiffItem, b: DiffItem) -> Bool {
        (a.kind, a.text, a.key) < (b.kind, b.text, b.key)
    }
}

/// What appeared and what is gone, for one kind of item.
public struct ItemChanges: Sendable, Equatable, Codable {
    public var added: [DiffItem]
    public var removed: [DiffItem]

    public init(added: [DiffItem] = [], removed: [DiffItem] = []) {
        self.added = added
        self.removed = removed
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty }

    /// The items of `new` whose key is not in `old`, and the reverse, sorted.
    public static func between(_ old: [String: DiffItem], _ new: [String: DiffItem]) -> ItemChanges {
        ItemChanges(added: new.filter { old[$0.key] == nil }.values.sorted(),
                    removed: old.filter { new[$0.key] == nil }.values.sorted())
    }
}
