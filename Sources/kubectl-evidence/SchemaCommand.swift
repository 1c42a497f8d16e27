import ArgumentParser
import Foundation
import Presentation

/// `kubectl-evidence schema`: prints the JSON Schema of a bundle file, for
/// whoever consumes bundles (SIEM ingestion, scripts, other tools).
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of manifest.json, processes.json, sockets.json, namespaces.json or diff --json.",
        discussion: "Without a name, lists the schemas and the files they describe."
    )

    @Argument(help: "manifest, processes, sockets, namespaces or diff.")
    var name: String?

    func validate() throws {
        if let name, Schemas.named(name) == nil {
            throw ValidationError("There is no schema named \"\(name)\"; choose one of \(Schemas.all.map(\.name).joined(separator: ", ")).")
        }
    }

    func run() throws {
        let output = OutputContext.standard
        guard let name, let document = Schemas.named(name) else {
            output.print(Schemas.all.map { "\($0.name.padding(toLength: 11, withPad: " ", startingAt: 0)) \($0.file)\n" }.joined())
            return
        }
        output.print(document.text + "\n")
    }
}
