import ArgumentParser
import Evidence
import Foundation
import Presentation

/// `kubectl-evidence _bench parse|floor`: hidden entry points for scripts/bench,
/// so that figures come from the shipped binary with its optimisation, not from
/// a test build. They print figures and assert nothing.
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_bench",
        abstract: "Internal: figures for scripts/bench.",
        shouldDisplay: false,
        subcommands: [ParseBenchmark.self, FloorBenchmark.self]
    )
}

struct ParseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parse", abstract: "Parse a synthetic process table.")

    @Option(help: "Processes in the synthetic table.")
    var processes: Int = 10_000

    @Option(help: "Rounds; the best is reported.")
    var rounds: Int = 3

    func run() throws {
        let result = EvidenceBenchmark.run(processes: processes, rounds: rounds)
        let name = "parse a \(result.processes)-process table".padding(toLength: 44, withPad: " ", startingAt: 0)
        OutputContext.standard.print("  " + name + String(format: " %7.3f s %9.0f processes/s  (%d parsed, %d listeners, %.1f MB of /proc text)\n",
                                   result.seconds, result.processesPerSecond, result.parsedProcesses, result.listeners,
                                   Double(result.inputBytes) / 1_000_000))
    }
}
