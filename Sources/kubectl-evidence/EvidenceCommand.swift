import ArgumentParser

/// The root command. Installed on PATH as `kubectl-evidence`, kubectl runs it
/// as the plugin `kubectl evidence …` and hands it the arguments unchanged.
@main
struct EvidenceCommand: AsyncParsableCommand {
    /// kubectl's joined short options (`-nshop`, `-lapp=checkout`) are split first.
    static func main() async {
        await main(KubectlArguments.normalize(Array(CommandLine.arguments.dropFirst())))
    }

    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: HelpText.invocation,
        abstract: "Collect forensic evidence from Kubernetes pods through ephemeral containers.",
        discussion: """
            Select pods with a label selector, inject one ephemeral busybox container into each, \
            gather their processes, sockets and namespace links, and pack it all into one \
            verifiable bundle. Start with a dry run:

              kubectl evidence collect --dry-run -n shop -l app=checkout

            The local lab cluster for trying it out is its own program: kubelab start
            """,
        version: ToolVersion.summary,
        subcommands: [CollectCommand.self, InspectCommand.self, VerifyCommand.self, DiffCommand.self, KeygenCommand.self, SchemaCommand.self, ProfilesCommand.self, VersionCommand.self, LabCommand.self, BenchmarkCommand.self]
    ) }
}

/// The tool's version, shown by `--version` and `version` and recorded in every
/// manifest, with the git commit the binary was built from and when (BuildInfo,
/// written by the BuildInfo plugin before each build).
enum ToolVersion {
    static let current = "0.1.0"
    static var commit: String { BuildInfo.commit }
    static var buildDate: String { BuildInfo.date }
    /// One line: `0.1.0 (commit 1a2b3c4d5e6f, built 2026-12-01T02:15:00Z)`.
    static var summary: String { "\(current) (commit \(commit.prefix(12))\(commit.hasSuffix("-dirty") ? "-dirty" : ""), built \(buildDate))" }
}
