import ArgumentParser
import Presentation

/// `kubectl evidence version`: the version, the git commit it was built from
/// and when, as `kubectl version --client` shows its own. The same facts are
/// in every manifest (`tool`), so a bundle says which code made it.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the version, the git commit it was built from, and the build date.")

    @Flag(name: .customLong("json"), help: "Print them as JSON.")
    var json = false

    func run() throws {
        let output = OutputContext.standard
        if json {
            struct Version: Encodable { var name, version, commit, buildDate: String }
            try output.printJSON(Version(name: "kubectl-evidence", version: ToolVersion.current,
                                         commit: ToolVersion.commit, buildDate: ToolVersion.buildDate))
        } else {
            output.print("""
                kubectl-evidence \(ToolVersion.current)
                commit:  \(ToolVersion.commit)
                built:   \(ToolVersion.buildDate)

                """)
        }
    }
}
