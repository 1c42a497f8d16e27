/// Targets of the links under `/proc/<pid>/`: `ns/<type>` → `net:[4026531833]`,
/// `fd/<n>` → `socket:[12345]`, `exe`/`cwd` → a path, maybe `… (deleted)`.
public enum LinkTarget {
    /// `type:[number]` → (type, number), or nil when it is not that shape.
    public static func parseTypedInode(_ bytes: [UInt8]) -> (type: String, inode: UInt64)? {
        guard bytes.count <= 64, let colon = bytes.firstIndex(of: Bytes.colon),
              colon > 0, bytes.count >= colon + 4,
              bytes[colon + 1] == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return nil }
        let type = bytes[..<colon]
        guard type.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "_") }),
              case .success(let n) = Bytes.unsigned(bytes[(colon + 2)..<(bytes.count - 1)]) else { return nil }
        return (String(decoding: type, as: UTF8.self), n)
    }

    /// A socket fd's inode, from `socket:[inode]`.
    public static func socketInode(_ bytes: [UInt8]) -> UInt64? {
        guard let (type, inode) = parseTypedInode(bytes), type == "socket" else { return nil }
        return inode
    }

    /// A path link: its display form and whether the kernel marked it deleted.
    public static func path(_ bytes: [UInt8], limits: EvidenceLimits = EvidenceLimits()) -> (path: String, deleted: Bool) {
        let suffix = Array(" (deleted)".utf8)
        var b = bytes[...]
        var deleted = false
        if b.count >= suffix.count && b.suffix(suffix.count).elementsEqual(suffix) {
            b = b.dropLast(suffix.count)
            deleted = true
        }
        return (DisplayText.escape(b, limit: limits.maxNameBytes), deleted)
    }
}
