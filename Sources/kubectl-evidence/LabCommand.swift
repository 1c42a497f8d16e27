import ArgumentParser
import Presentation

/// `kubectl-evidence lab …` was where the lab cluster used to start. The lab is
/// its own program now (`kubelab`), so that the forensic tool carries none of
/// it; this hidden command tells whoever still types the old words where it went.
struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "The lab cluster moved to its own program: kubelab.",
        shouldDisplay: false
    )

    @Argument(parsing: .allUnrecognized, help: "Whatever followed `lab`: kubelab takes the same words.")
    var words: [String] = []

    func run() async throws {
        let output = OutputContext.standard
        let suggestion = (["kubelab"] + (words.isEmpty ? ["start", "--kubeconfig", "<path>"] : words)).joined(separator: " ")
        output.printError(message: "The lab cluster is no longer part of kubectl-evidence; it is its own program, built beside it (swift build puts kubelab next to kubectl-evidence): run `\(suggestion)`.")
        throw ExitCode(1)
    }
}
