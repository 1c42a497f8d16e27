/// The three patch formats a real API server accepts on `PATCH`, applied to JSON documents:
/// strategic merge patch (lists with a merge key merge item by item), JSON merge patch
/// (RFC 7386) and JSON patch (RFC 6902). Only what the lab's subresources need: the
/// strategic merge knows the `name` merge key of container lists and replaces other lists.
enum LabPatch {
    /// A JSON patch operation that cannot be applied; the server answers it with a bare 422
    /// (compare Tests/Fixtures/k8s/errors/422-jsonpatch-append-to-missing-list.json).
    struct CannotApply: Error {
        var reason: String
    }

    /// Lists merged by `name` in a strategic merge patch (containers of every kind).
    static let nameKeyedLists: Set<String> = ["containers", "initContainers", "ephemeralContainers"]

    /// RFC 7386: objects merge key by key, `null` removes a key, anything else replaces.
    static func mergePatch(_ target: JSONValue?, _ patch: JSONValue) -> JSONValue {
        guard case .object(let patchEntries) = patch else { return patch }
        var entries: [(key: String, value: JSONValue)] = target?.objectValue ?? []
        for (key, value) in patchEntries {
            let index = entries.firstIndex { $0.key == key }
            if value.isNull {
                if let index { entries.remove(at: index) }
            } else if let index {
                entries[index].value = mergePatch(entries[index].value, value)
            } else {
                entries.append((key, mergePatch(nil, value)))
            }
        }
        return .object(entries)
    }

    /// A strategic merge patch: like a merge patch, but lists of containers merge by `name`.
    /// The merged list holds the patch's items first, in the patch's order, then the items only
    /// the target has, as the real server orders them.
    static func strategicMerge(_ target: JSONValue?, _ patch: JSONValue, key: String? = nil) -> JSONValue {
        if let key, nameKeyedLists.contains(key), case .array(let patchItems) = patch {
            let targetItems = target?.arrayValue ?? []
            var out: [JSONValue] = []
            var used = Set<String>()
            for item in patchItems {
                let name = item["name"]?.stringValue
                if let name, let existing = targetItems.first(where: { $0["name"]?.stringValue == name }) {
                    out.append(strategicMerge(existing, item))
                    used.insert(name)
                } else {
                    out.append(strategicMerge(nil, item))
                }
            }
            for item in targetItems where !used.contains(item["name"]?.stringValue ?? "\u{0}") { out.append(item) }
            return .array(out)
        }
        guard case .object(let patchEntries) = patch else { return patch }
        var entries: [(key: String, value: JSONValue)] = target?.objectValue ?? []
        for (k, value) in patchEntries where !k.hasPrefix("$") {
            let index = entries.firstIndex { $0.key == k }
            if value.isNull {
                if let index { entries.remove(at: index) }
            } else if let index {
                entries[index].value = strategicMerge(entries[index].value, value, key: k)
            } else {
                entries.append((k, strategicMerge(nil, value, key: k)))
            }
        }
        // `$setElementOrder/<list>` (kubectl's two-way patches send it) fixes the merged list's order.
        for (k, value) in patchEntries where k.hasPrefix("$setElementOrder/") {
            let list = String(k.dropFirst("$setElementOrder/".count))
            guard let order = value.arrayValue?.compactMap({ $0["name"]?.stringValue }),
                let index = entries.firstIndex(where: { $0.key == list }), let items = entries[index].value.arrayValue
            else { continue }
            let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            let sorted = items.enumerated().sorted { a, b in
                let ra = rank[a.element["name"]?.stringValue ?? ""] ?? order.count + a.offset
                let rb = rank[b.element["name"]?.stringValue ?? ""] ?? order.count + b.offset
                return ra < rb
            }
            entries[index].value = .array(sorted.map(\.element))
        }
        return .object(entries)
    }

    /// RFC 6902 (add, remove, replace, test, copy, move) on `document`.
    static func jsonPatch(_ document: JSONValue, _ operations: JSONValue) throws(CannotApply) -> JSONValue {
        guard let ops = operations.arrayValue else { throw CannotApply(reason: "a JSON patch must be a list of operations") }
        var doc = document
        for op in ops {
            guard let name = op["op"]?.stringValue, let path = op["path"]?.stringValue else {
                throw CannotApply(reason: "every JSON patch operation needs \"op\" and \"path\"")
            }
            let pointer = try parsePointer(path)
            switch name {
            case "add":
                guard let value = op["value"] else { throw CannotApply(reason: "add needs a value") }
                doc = try set(doc, pointer[...], value, insert: true)
            case "replace":
                guard let value = op["value"] else { throw CannotApply(reason: "replace needs a value") }
                _ = try get(doc, pointer[...])
                doc = try set(doc, pointer[...], value, insert: false)
            case "remove":
                doc = try remove(doc, pointer[...])
            case "test":
                guard let value = op["value"] else { throw CannotApply(reason: "test needs a value") }
                guard try get(doc, pointer[...]).encoded() == value.encoded() else { throw CannotApply(reason: "test failed at \(path)") }
            case "copy", "move":
                guard let from = op["from"]?.stringValue else { throw CannotApply(reason: "\(name) needs from") }
                let source = try parsePointer(from)
                let value = try get(doc, source[...])
                if name == "move" { doc = try remove(doc, source[...]) }
                doc = try set(doc, pointer[...], value, insert: true)
            default:
                throw CannotApply(reason: "unknown operation \(name)")
            }
        }
        return doc
    }

    static func parsePointer(_ path: String) throws(CannotApply) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw CannotApply(reason: "a JSON pointer starts with /: \(path)") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func get(_ doc: JSONValue, _ pointer: ArraySlice<String>) throws(CannotApply) -> JSONValue {
        guard let first = pointer.first else { return doc }
        switch doc {
        case .object(let entries):
            guard let v = entries.first(where: { $0.key == first })?.value else { throw CannotApply(reason: "no member \(first)") }
            return try get(v, pointer.dropFirst())
        case .array(let items):
            guard let i = Int(first), i >= 0, i < items.count else { throw CannotApply(reason: "no index \(first)") }
            return try get(items[i], pointer.dropFirst())
        default:
            throw CannotApply(reason: "\(first) is below a value that is neither object nor list")
        }
    }

    private static func set(_ doc: JSONValue, _ pointer: ArraySlice<String>, _ value: JSONValue, insert: Bool) throws(CannotApply) -> JSONValue {
        guard let first = pointer.first else { return value }
        let last = pointer.count == 1
        switch doc {
        case .object(var entries):
            let index = entries.firstIndex { $0.key == first }
            if last {
                if let index { entries[index].value = value } else { entries.append((first, value)) }
            } else {
                guard let index else { throw CannotApply(reason: "no member \(first)") }
                entries[index].value = try set(entries[index].value, pointer.dropFirst(), value, insert: insert)
            }
            return .object(entries)
        case .array(var items):
            if last {
                if first == "-", insert { items.append(value); return .array(items) }
                guard let i = Int(first), i >= 0, insert ? i <= items.count : i < items.count else { throw CannotApply(reason: "no index \(first)") }
                if insert { items.insert(value, at: i) } else { items[i] = value }
                return .array(items)
            }
            guard let i = Int(first), i >= 0, i < items.count else { throw CannotApply(reason: "no index \(first)") }
            items[i] = try set(items[i], pointer.dropFirst(), value, insert: insert)
            return .array(items)
        default:
            throw CannotApply(reason: "\(first) is below a value that is neither object nor list")
        }
    }

    private static func remove(_ doc: JSONValue, _ pointer: ArraySlice<String>) throws(CannotApply) -> JSONValue {
        guard let first = pointer.first else { throw CannotApply(reason: "cannot remove the whole document") }
        let last = pointer.count == 1
        switch doc {
        case .object(var entries):
            guard let index = entries.firstIndex(where: { $0.key == first }) else { throw CannotApply(reason: "no member \(first)") }
            if last { entries.remove(at: index) } else { entries[index].value = try remove(entries[index].value, pointer.dropFirst()) }
            return .object(entries)
        case .array(var items):
            guard let i = Int(first), i >= 0, i < items.count else { throw CannotApply(reason: "no index \(first)") }
            if last { items.remove(at: i) } else { items[i] = try remove(items[i], pointer.dropFirst()) }
            return .array(items)
        default:
            throw CannotApply(reason: "\(first) is below a value that is neither object nor list")
        }
    }
}
