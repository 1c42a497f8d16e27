@testable import Collector
import Foundation
import KubeAPI
import Testing
import TestSupport

@Suite("in-pod script text and command")
struct InPodScriptTextTests {
    static let repositoryScript = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/evidence-collect.sh")

    @Test("the embedded script is scripts/evidence-collect.sh as it is now")
    func embeddedIsCurrent() throws {
        #expect(InPodScript.source == [UInt8](try Data(contentsOf: Self.repositoryScript)))
    }

    @Test("the command's script text fits in one argument, with room to spare, and has no comment lines")
    func textFits() {
        let size = InPodScript.text.utf8.count
        #expect(size < InPodScript.argumentLimit / 4, "the embedded script is \(size) bytes")
        #expect(size < InPodScript.source.count)
        #expect(!InPodScript.text.split(separator: "\n").contains { $0.hasPrefix("#") })
        #expect(InPodScript.text.contains("_hdr='#kubectl-evidence frame v1'"))
    }

    @Test("busybox sh accepts the compacted text", .enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/busybox")))
    func compactedTextParses() throws {
        let output = try HostCommand.run(["/bin/busybox", "sh", "-n", "-c", InPodScript.text])
        #expect(output.status == 0, "\(output.stderr)")
    }

    @Test("the command: sh -c, the bootstrap, its name, the packed script and its SHA-256, then the arguments")
    func command() throws {
        let options = InPodScript.Options(outputCapBytes: 65536, sections: [.sockets, .processes], terminationLogPath: nil,
                                          temporaryDirectory: "/var/tmp", batchSize: 8)
        let command = InPodScript.command(options)
        #expect(command.count == 11)
        #expect(Array(command.prefix(2)) == ["sh", "-c"] && command[3] == "evidence-boot")
        #expect(Array(command.suffix(5)) == ["--cap=65536", "--sections=processes,sockets", "--termination-log=-", "--tmpdir=/var/tmp", "--batch=8"])
        // The packed script is the script: gunzip of base64 gives back the text byte for byte.
        let unpacked = try HostCommand.run(["/bin/sh", "-c", "printf %s \"$1\" | base64 -d | gzip -dc", "unpack", command[4]])
        #expect(unpacked.stdout == InPodScript.text)
        #expect(command[5] == InPodBootstrap.scriptSHA256 && command[5].count == 64)
        // No `$` outside the bootstrap: the kubelet's $(VAR) expansion finds nothing in the script's argument.
        #expect(!command[4].contains("$"))
        // What the pod's spec carries: the bootstrap and the packed script, less than half the script itself.
        #expect(command[2].utf8.count < 700, "bootstrap: \(command[2].utf8.count) bytes")
        #expect(command[4].utf8.count * 2 < InPodScript.text.utf8.count + 2000, "packed \(command[4].utf8.count) of \(InPodScript.text.utf8.count)")
        // /dev/termination-log is the script's default: not repeated in every pod's spec.
        #expect(InPodScript.Options().arguments == ["--cap=8388608", "--sections=processes,fds,namespaces,sockets"])
    }

    @Test("the bootstrap runs only the script whose SHA-256 it was given, and says why it did not in the termination message")
    func bootstrapRefusesAnotherScript() throws {
        let directory = try TemporaryDirectory(prefix: "boot")
        let log = directory.path + "/termination-log"
        let good = InPodScript.command(InPodScript.Options(sections: [.sockets], terminationLogPath: log))
        // Another script, packed the same way, under the real script's digest: what a swapped argument would be.
        var swapped = good
        swapped[4] = InPodBootstrap.gzip(Array("echo pwned\n".utf8)).base64EncodedString()
        let refused = try HostCommand.run(["/bin/busybox"] + swapped)
        #expect(refused.status == 2, "\(refused.stdout) \(refused.stderr)")
        #expect(!refused.stdout.contains("pwned"))
        #expect(refused.stderr.contains("evidence-collect: the unpacked script does not match its SHA-256"), "\(refused.stderr)")
        let message = try String(contentsOfFile: log, encoding: .utf8)
        #expect(TerminationMessage.parse(message) == .scriptError("the unpacked script does not match its SHA-256 \(InPodBootstrap.scriptSHA256)"), "\(message)")

        var garbled = good
        garbled[4] = "not base64 at all!"
        let unpackable = try HostCommand.run(["/bin/busybox"] + garbled)
        #expect(unpackable.status == 2)
        #expect(unpackable.stderr.contains("cannot unpack the script"), "\(unpackable.stderr)")
    }

    @Test("with attach delivery the command is the bootstrap, the script's SHA-256 and the arguments: a few hundred bytes")
    func attachCommand() throws {
        let command = InPodScript.command(InPodScript.Options(), delivery: .attach)
        #expect(Array(command.prefix(2)) == ["sh", "-c"] && command[3] == "evidence-boot")
        #expect(command[4] == InPodBootstrap.scriptSHA256)
        // No program that could outlive the bootstrap: busybox timeout leaves a watcher behind.
        #expect(!command[2].contains("timeout"), "\(command[2])")
        #expect(Array(command.suffix(2)) == ["--cap=8388608", "--sections=processes,fds,namespaces,sockets"])
        // As the pod's spec stores it: every `$` doubled for the kubelet.
        let stored = command.map(KubeletEscaping.escape).joined().utf8.count
        #expect(stored < 450, "the attach command takes \(stored) bytes of the pod's spec")
        let packed = InPodScript.command(InPodScript.Options(), delivery: .command).map(KubeletEscaping.escape).joined().utf8.count
        #expect(stored * 15 < packed, "attach \(stored) bytes against packed \(packed)")
    }

    @Test("the attach bootstrap runs the script it reads from stdin, and only the one whose SHA-256 it was given")
    func attachBootstrapReadsStdin() throws {
        let directory = try TemporaryDirectory(prefix: "boot-attach")
        let log = directory.path + "/termination-log"
        let command = InPodScript.command(InPodScript.Options(sections: [.sockets], terminationLogPath: log), delivery: .attach)
        /// Runs the bootstrap with `stdin` as its standard input, as pods/attach gives it.
        func run(stdin: [UInt8]) throws -> (ProcessResult, String) {
            let input = directory.path + "/stdin-\(stdin.count)"
            try Data(stdin).write(to: URL(fileURLWithPath: input))
            try? FileManager.default.removeItem(atPath: log)
            let output = try HostCommand.run(["/usr/bin/env", "EVIDENCE_TERMINATION_LOG=\(log)", "/bin/sh", "-c", "exec \"$@\" < \"$0\"", input,
                                              "/bin/busybox"] + command)
            return (output, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
        let (good, digest) = try run(stdin: InPodBootstrap.stdinPayload)
        #expect(good.status == 0, "\(good.stderr)")
        guard case .digest = TerminationMessage.parse(digest) else {
            Issue.record("the script did not report its digest: \(digest)")
            return
        }
        #expect(good.stdoutBytes.count > 1000)

        // Another script, packed the same way, under the real script's digest: what a swapped stream would be.
        let other = Array((InPodBootstrap.gzip(Array("echo pwned\n".utf8)).base64EncodedString() + "\n").utf8)
        let expected = "no whole script of SHA-256 \(InPodBootstrap.scriptSHA256) came through pods/attach within \(InPodBootstrap.stdinWaitSeconds) s"
        for input in [other, [], Array(InPodBootstrap.stdinPayload.prefix(100))] {
            let (refused, message) = try run(stdin: input)
            #expect(refused.status == 2, "\(input.count) bytes: \(refused.stdout) \(refused.stderr)")
            #expect(!refused.stdout.contains("pwned"))
            #expect(TerminationMessage.parse(message) == .scriptError(expected), "\(input.count) bytes: \(message)")
        }
    }

    @Test("the built-in profiles' gather lists and caps become the script's sections and cap")
    func profiles() throws {
        for profile in try CollectionProfile.builtIns() {
            let options = InPodScript.Options(profile: profile)
            #expect(options.outputCapBytes == profile.outputCapBytes)
            #expect(options.sections.map(\.rawValue).sorted() == profile.gather.map(\.rawValue).sorted(), "\(profile.name)")
        }
        let deep = InPodScript.Options(profile: try CollectionProfile.builtIn("deep"))
        #expect(deep.sections == Set(InPodScript.Section.allCases))
    }
}
