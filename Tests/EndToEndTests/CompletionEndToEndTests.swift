import Foundation
import Testing
import TestSupport

/// Tab completion knows the cluster, as kubectl's does: the shell script that
/// `--generate-completion-script bash` prints completes `--context` to the
/// kubeconfig's contexts and `-n` to the namespaces the API server lists (the
/// binary is called back with the words typed so far), and fixed choices to
/// their values. Run in a real bash, against the lab.
@Suite("tab completion of option values, in bash, against the lab")
struct CompletionEndToEndTests {
    /// What bash offers after `words` (the last one being the word under the cursor).
    static func complete(_ words: [String], script: String) throws -> [String] {
        let current = words.last ?? ""
        let previous = words.count >= 2 ? words[words.count - 2] : ""
        let quoted = words.map { "'\($0.replacingOccurrences(of: "'", with: "'\\''"))'" }.joined(separator: " ")
        let program = """
            source '\(script)'
            COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1)
            COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
            _kubectl-evidence "${COMP_WORDS[0]}" '\(current)' '\(previous)'
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let result = try ProcessRunner.run("/bin/bash", ["-c", program], timeout: 30)
        guard result.status == 0 else { throw TestFailure("bash completion failed: \(result.stderr)") }
        return result.stdout.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    @Test("--context completes to the kubeconfig's contexts (and the next of a list), -n to the cluster's namespaces (filtered by what is typed), --image-pull-policy and --script-delivery to their values")
    func valuesComplete() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let script = lab.directory.appendingPathComponent("kubectl-evidence.bash").path
        // Run by an absolute path, as kubectl runs a plugin: the script still names the executable.
        let generated = try ToolBinary.run(["--generate-completion-script", "bash"])
        #expect(generated.stdout.contains("_kubectl-evidence()") && !generated.stdout.contains("kubectl evidence_"), "\(generated.stdout.prefix(300))")
        try generated.stdout.write(toFile: script, atomically: true, encoding: .utf8)
        let tool = ToolBinary.path
        let config = ["--kubeconfig", lab.kubeconfig]

        let contexts = try Self.complete([tool, "collect"] + config + ["--context", ""], script: script)
        #expect(contexts.contains("kubelab") && contexts.contains("kubelab-collector") && contexts.contains("kubelab-viewer"), "\(contexts)")
        // collect --context a,b,c: after a comma, the next context of the list (not one already in it).
        let listed = try Self.complete([tool, "collect"] + config + ["--context", "kubelab,kubelab-v"], script: script)
        #expect(listed == ["kubelab,kubelab-viewer"], "\(listed)")

        let namespaces = try Self.complete([tool, "collect"] + config + ["-n", ""], script: script)
        #expect(Set(["shop", "payments", "hardened"]).isSubset(of: Set(namespaces)), "\(namespaces)")
        let typed = try Self.complete([tool, "collect"] + config + ["-n", "pay"], script: script)
        #expect(typed == ["payments"], "\(typed)")
        // Under the context of a user who may not list namespaces: nothing, and no error.
        let denied = try Self.complete([tool, "collect"] + config + ["--context", "kubelab-nobody", "-n", ""], script: script)
        #expect(denied.isEmpty, "\(denied)")

        #expect(try Self.complete([tool, "collect", "--image-pull-policy", ""], script: script) == ["Always", "IfNotPresent", "Never"])
        #expect(try Self.complete([tool, "collect", "--script-delivery", ""], script: script) == ["auto", "attach", "command"])
        #expect(try Self.complete([tool, "collect", "--profile", "re"], script: script) == ["restricted"])
    }

    static let completionExecutable = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/kubectl_complete-evidence").path

    @Test("kubectl evidence <TAB>: kubectl finds the plugin and its kubectl_complete-evidence on PATH, and completes subcommands, flags and the cluster's namespaces")
    func kubectlCompletesThePlugin() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let bin = lab.directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("kubectl-evidence").path, withDestinationPath: ToolBinary.path)
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("kubectl_complete-evidence").path,
                                                   withDestinationPath: Self.completionExecutable)
        let environment = ["PATH": bin.path + ":/usr/local/bin:/usr/bin:/bin", "HOME": lab.directory.path]
        func kubectl(_ arguments: [String]) throws -> [String] {
            let result = try ProcessRunner.run("/usr/bin/env", ["kubectl"] + arguments, environment: environment, timeout: 60)
            #expect(result.status == 0, "kubectl \(arguments): \(result.stderr)")
            return result.stdout.split(separator: "\n").map(String.init)
        }
        #expect(try kubectl(["plugin", "list"]).contains { $0.hasSuffix("/kubectl-evidence") })
        let subcommands = try kubectl(["__complete", "evidence", "co"])
        #expect(subcommands == ["collect", ":4"], "\(subcommands)")
        let flags = try kubectl(["__complete", "evidence", "collect", "--script-d"])
        #expect(flags == ["--script-delivery", ":4"], "\(flags)")
        // Flags at the top level (the generated functions read an empty array there).
        let top = try kubectl(["__complete", "evidence", "--"])
        #expect(top.contains("--help") && top.last == ":4", "\(top)")
        let namespaces = try kubectl(["__complete", "evidence", "collect", "--kubeconfig", lab.kubeconfig, "-n", "sh"])
        #expect(namespaces == ["shop", ":4"], "\(namespaces)")
    }
}
