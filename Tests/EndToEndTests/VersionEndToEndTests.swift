import Foundation
import Testing
import TestSupport

/// `kubectl evidence version` says which code this is: the version, the git
/// commit the binary was built from (written by the BuildInfo plugin before
/// the build) and when.
@Suite("version: the version, the commit and the build date")
struct VersionEndToEndTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The commit the checkout is at, as the plugin reads it; nil outside a git checkout.
    static func headCommit() throws -> String? {
        let head = try ProcessRunner.run("/usr/bin/env", ["git", "-C", repository.path, "rev-parse", "HEAD"])
        return head.status == 0 ? head.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    @Test("version prints the version, the 40-hex commit of this checkout and a UTC build time; --version says the same in one line; --json for scripts")
    func versionSaysWhichCode() throws {
        let text = try ToolBinary.run(["version"])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "kubectl-evidence 0.1.0", "\(text.stdout)")
        let commit = try #require(lines.first { $0.hasPrefix("commit:") }).dropFirst("commit:".count).trimmingCharacters(in: .whitespaces)
        let built = try #require(lines.first { $0.hasPrefix("built:") }).dropFirst("built:".count).trimmingCharacters(in: .whitespaces)
        if let head = try Self.headCommit() {
            // Built from this checkout (the test command builds first): its HEAD, maybe with changes.
            #expect(commit == head || commit == head + "-dirty", "binary says \(commit), checkout is at \(head)")
        } else {
            #expect(commit == "unknown")
        }
        #expect(built.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#, options: .regularExpression) != nil, "\(built)")

        let short = try ToolBinary.run(["--version"])
        #expect(short.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0 (commit \(commit.prefix(12))\(commit.hasSuffix("-dirty") ? "-dirty" : ""), built \(built))", "\(short.stdout)")

        let json = try ToolBinary.run(["version", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: String])
        #expect(object == ["name": "kubectl-evidence", "version": "0.1.0", "commit": commit, "buildDate": built])
    }
}
