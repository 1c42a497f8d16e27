/// `/proc/<pid>/cmdline`: the arguments, each ended by a NUL. A process can
/// rewrite this memory (setproctitle), so the last argument may lack its NUL
/// and an argument may hold anything but NUL: newlines, escapes, invalid UTF-8.
public struct ProcCmdline: Sendable, Equatable {
    /// Each argument in ``DisplayText`` form, cut to the argument cap.
    public var argv: [String]
    /// True when arguments, bytes of an argument, or bytes of the file were
    /// left out because of a cap.
    public var truncated: Bool

    public static func parse(_ bytes: [UInt8], limits: EvidenceLimits = EvidenceLimits()) -> ProcCmdline {
        var truncated = bytes.count > limits.maxCmdlineBytes
        var body = bytes.prefix(limits.maxCmdlineBytes)
        if body.last == 0 { body = body.dropLast() }
        if body.isEmpty { return ProcCmdline(argv: [], truncated: truncated) }
        var argv: [String] = []
        for arg in body.split(separator: 0, omittingEmptySubsequences: false) {
            if argv.count >= limits.maxArguments { truncated = true; break }
            if arg.count > limits.maxArgumentBytes { truncated = true }
            argv.append(DisplayText.escape(arg, limit: limits.maxArgumentBytes))
        }
        return ProcCmdline(argv: argv, truncated: truncated)
    }

    /// The arguments as one line for a table: escaped arguments joined by
    /// spaces, those that are empty or hold a space or quote in single quotes.
    public static func commandLine(_ argv: [String]) -> String {
        argv.map { arg in
            arg.isEmpty || arg.contains(where: { $0 == " " || $0 == "'" || $0 == "\"" })
                ? "'" + arg.replacingAll("'", with: "\\'") + "'" : arg
        }.joined(separator: " ")
    }
}

extension String {
    /// Replaces a character without Foundation.
    func replacingAll(_ c: Character, with s: String) -> String {
        var out = ""
        for ch in self { if ch == c { out += s } else { out.append(ch) } }
        return out
    }
}
