@testable import Collector
import Foundation
import Testing

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

    @Test("the command: sh -c, the text, the program name, then the arguments")
    func command() {
        let options = InPodScript.Options(outputCapBytes: 65536, sections: [.sockets, .processes], terminationLogPath: nil,
                                          temporaryDirectory: "/var/tmp", batchSize: 8)
        #expect(InPodScript.command(options) == [
            "sh", "-c", InPodScript.text, "evidence-collect",
            "--cap=65536", "--sections=processes,sockets", "--termination-log=-", "--tmpdir=/var/tmp", "--batch=8",
        ])
        #expect(InPodScript.Options().arguments == ["--cap=8388608", "--sections=processes,fds,namespaces,sockets", "--termination-log=/dev/termination-log"])
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
