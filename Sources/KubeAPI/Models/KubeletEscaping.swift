/// Escaping for the kubelet's `$(VAR_NAME)` expansion.
///
/// The kubelet expands `$(NAME)` in a container's `command`, `args` and `env`
/// values and turns every `$$` into `$` before the runtime sees them. A shell
/// script sent in a command is full of `$`: `SELF=$$` would arrive as `SELF=$`.
/// Sending every `$` as `$$` makes the kubelet hand the runtime exactly the text
/// that was meant, whatever follows the `$` (`$(`, `$$`, a `$` at the end).
public enum KubeletEscaping {
    /// `text` with every `$` doubled.
    public static func escape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "$")) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            out.append(byte)
            if byte == UInt8(ascii: "$") { out.append(byte) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
