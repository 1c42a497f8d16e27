import ArgumentParser
import Collector
import Foundation

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
        try await CommandErrors.reporting {
            var table = TextTable(headers: ["NAME", "SECURITY", "GATHERS", "DESCRIPTION"])
            for profile in try CollectionProfile.builtIns() {
                table.append([profile.name, profile.securityProfile.rawValue,
                              profile.gather.map(\.rawValue).joined(separator: ","), profile.description ?? ""])
            }
            FileHandle.standardOutput.write(Data(table.render().utf8))
        }
    }
}

struct ProfilesShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one profile: its YAML and the security context it sets.")

    @Argument(help: "A built-in profile name, or the path of a profile file.")
    var profile: String

    func run() async throws {
        try await CommandErrors.reporting {
            let resolved = try CollectionProfile.resolve(profile)
            var out = resolved.yaml
            if !out.hasSuffix("\n") { out += "\n" }
            out += "\n# The ephemeral container's securityContext under this profile:\n"
            if let context = resolved.profile.securityContext {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                out += "# " + String(decoding: try encoder.encode(context), as: UTF8.self)
                    .replacingOccurrences(of: "\n", with: "\n# ") + "\n"
            } else {
                out += "# (none: the container runs with the runtime's defaults)\n"
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}
