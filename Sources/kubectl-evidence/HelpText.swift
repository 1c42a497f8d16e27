import Foundation

/// What `--help` says, written the way kubectl's help reads: a short
/// description, then Examples a responder can copy, then the options in groups.
enum HelpText {
    /// How the user ran the tool. kubectl runs a plugin by the absolute path it
    /// found on PATH; a shell passes the name as typed. So an absolute
    /// `…/kubectl-evidence` in argv[0] is (almost always) `kubectl evidence`,
    /// and the help shows the form the user typed.
    static var invocation: String {
        invocation(argv0: CommandLine.arguments.first ?? "", arguments: Array(CommandLine.arguments.dropFirst()))
    }

    /// A shell completion script, and the completion calls it makes back, name
    /// the executable: its functions are named after it (`_kubectl-evidence`),
    /// and a name with a space in it is a syntax error in bash. The manual pages
    /// (generated from `--experimental-dump-help`) are files named after it too.
    static func invocation(argv0: String, arguments: [String] = []) -> String {
        if arguments.contains(where: { $0 == "---completion" || $0.hasPrefix("--generate-completion-script") || $0 == "--experimental-dump-help" }) {
            return "kubectl-evidence"
        }
        return argv0.hasPrefix("/") && argv0.hasSuffix("/kubectl-evidence") ? "kubectl evidence" : "kubectl-evidence"
    }

    /// An Examples section (after a blank line): each example a comment line
    /// and a command, the command starting with how the tool was invoked.
    static func examples(_ items: [(comment: String, command: String)]) -> String {
        var text = "\n\nExamples:\n"
        for (index, item) in items.enumerated() {
            if index > 0 { text += "\n" }
            text += "  # \(item.comment)\n  \(invocation) \(item.command)"
            if index < items.count - 1 { text += "\n" }
        }
        return text
    }
}
