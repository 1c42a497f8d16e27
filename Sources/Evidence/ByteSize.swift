import Foundation

/// A byte count as a person reads it: "74.2 MiB", "812 KiB", "930 B". One
/// rule for the summary's bundle size, the plan's pod objects and the
/// messages about them.
public enum ByteSize {
    public static func text(_ bytes: Int) -> String {
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
        if bytes >= 1 << 10 { return String(format: "%.1f KiB", Double(bytes) / Double(1 << 10)) }
        return "\(bytes) B"
    }
}
