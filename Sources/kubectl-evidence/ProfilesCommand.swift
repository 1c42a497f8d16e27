import ArgumentParser
import Collector
import Presentation

/// `kubectl-evidence profiles [show NAME|PATH]`: what each collection profile
/// gathers and with which privileges, so a responder can pick one that the
/// namespace's Pod Security level admits.
struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "List the collection profiles, or show one.",
        subcommands: [ProfilesListCommand.self, ProfilesShowCommand.self],
        defaultSubcommand: ProfilesListCommand.self
    )
}

struct ProfilesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the built-in collection profiles.")

    func run() async throws {
        let output = OutputContext.standard
        try await CommandErrors.reporting(to: output) {
            output.print(CollectionProfile.renderList(try CollectionProfile.builtIns()))
        }
    }
}

struct ProfilesShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one profile: its YAML and the security context it sets.")

    @Argument(help: "A built-in profile name, or the path of a profile file.")
    var profile: String

    func run() async throws {
        let output = OutputContext.standard
        try await CommandErrors.reporting(to: output) {
            let resolved = try CollectionProfile.resolve(profile)
            output.print(try CollectionProfile.renderShown(yaml: resolved.yaml, profile: resolved.profile))
        }
    }
}
