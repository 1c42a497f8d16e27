import Foundation
import Testing

/// Text that comes back from the API server (a kubelet's error quoting the
/// image, waiting reasons, webhook messages) never reaches the terminal raw:
/// every line the tool prints is one safe line.
@Suite("collect: what the API server says is printed escaped")
struct HostileServerTextTests {
    static func hasRawControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) || $0.value == 0x202E }
    }

    @Test("an --image holding terminal escapes: the kubelet's pull error quotes it, and stdout and stderr show it escaped")
    func hostileImage() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let image = "evil\u{1B}]0;owned\u{07}\u{1B}[2J\u{202E}:1"
        let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app=checkout", "-o", lab.bundlePath(),
                                         "--image", image, "--image-pull-policy", "Never", "--timeout", "20s"], timeout: 180)
        #expect(result.status == 4, "\(result.stdout)\(result.stderr)")
        #expect(!Self.hasRawControl(result.stdout), "stdout: \(result.stdout.debugDescription)")
        #expect(!Self.hasRawControl(result.stderr), "stderr: \(result.stderr.debugDescription)")
        #expect((result.stdout + result.stderr).contains(#"evil\u{1B}]0;owned\u{07}\u{1B}[2J\u{202E}:1"#), "\(result.stdout)\(result.stderr)")
    }
}
