import Foundation
import Testing
import TestSupport

/// `--help` reads as kubectl's does: a description, Examples to copy, options
/// in groups, and the command as the user typed it.
@Suite("--help as kubectl users read it")
struct HelpEndToEndTests {
    @Test("run as `kubectl evidence` (a plugin on PATH), help says `kubectl evidence`; run by its own name, `kubectl-evidence`")
    func invocationName() throws {
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("plugin-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: bin) }
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("kubectl-evidence").path, withDestinationPath: ToolBinary.path)
        let environment = ["PATH": bin.path + ":/usr/bin:/bin", "HOME": bin.path]
        let plugin = try ProcessRunner.run("/usr/bin/env", ["kubectl", "evidence", "collect", "--help"], environment: environment)
        #expect(plugin.status == 0, "\(plugin.stderr)")
        #expect(plugin.stdout.contains("USAGE: kubectl evidence collect [<options>] [<POD|TYPE/NAME> ...]"), "\(plugin.stdout)")
        #expect(plugin.stdout.contains("  kubectl evidence collect -n shop -l app=checkout --dry-run"))
        let direct = try ProcessRunner.run("/bin/sh", ["-c", "kubectl-evidence collect --help"], environment: environment)
        #expect(direct.stdout.contains("USAGE: kubectl-evidence collect"), "\(direct.stdout)")
    }

    @Test("collect --help: Examples, then the options in groups; no line of an example is wrapped")
    func collectHelp() throws {
        let help = try ToolBinary.run(["collect", "--help"])
        #expect(help.status == 0)
        let text = help.stdout
        for heading in ["Examples:", "CHOOSING PODS:", "OPTIONS:", "CONNECTION (KUBECTL'S FLAGS):"] {
            #expect(text.contains("\n" + heading + "\n"), "no \(heading) in:\n\(text)")
        }
        let examples = text.components(separatedBy: "Examples:\n").last?.components(separatedBy: "\n\nExit status").first ?? ""
        let lines = examples.split(separator: "\n")
        #expect(lines.count >= 12)
        #expect(lines.allSatisfy { $0.hasPrefix("  # ") || $0.hasPrefix("  kubectl") }, "a wrapped example line in:\n\(examples)")
    }

    @Test("every subcommand that reads or writes bundles has Examples; diff --help prints help, not an error")
    func subcommands() throws {
        for command in ["inspect", "verify", "diff", "keygen"] {
            let help = try ToolBinary.run([command, "--help"])
            #expect(help.status == 0, "\(command): \(help.stderr)")
            #expect(help.stdout.hasPrefix("OVERVIEW:"), "\(command) --help starts with: \(help.stdout.prefix(80))")
            #expect(help.stdout.contains("\nExamples:\n"), "\(command) --help has no Examples")
            #expect(help.stderr.isEmpty, "\(command) --help wrote to stderr: \(help.stderr)")
        }
    }
}
