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

            The local lab cluster for trying it out: kubectl-evidence lab start
            """,
        version: ToolVersion.current,
        subcommands: [CollectCommand.self, InspectCommand.self, VerifyCommand.self, DiffCommand.self, KeygenCommand.self, SchemaCommand.self, ProfilesCommand.self, LabCommand.self, BenchmarkCommand.self]
    ) }
}

/// The tool's version, shown by `--version` and recorded in every manifest.
enum ToolVersion {
    static let current = "0.1.0"
}
