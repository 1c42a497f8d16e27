import Foundation
import TestSupport
import Testing

/// The release as a responder gets it: the archive scripts/release writes, unpacked
/// on a host with none of the build's dependencies. `.ci/run` builds a release and
/// runs these with `KUBECTL_EVIDENCE_RELEASE` naming it; without one they are skipped.
@Suite("the released binary", .serialized,
       .enabled(if: ReleasedBinary.archive != nil, "KUBECTL_EVIDENCE_RELEASE names no release archive (scripts/release writes one)"))
struct ReleasedBinaryTests {
    @Test("the archive holds the binary, kubectl's completion helper, LICENSE, README and manual pages; the binary loads only the host's C and C++ runtimes")
    func archiveContents() throws {
        let release = try ReleasedBinary(archive: try #require(ReleasedBinary.archive))
        defer { release.remove() }
        for file in ["kubectl-evidence", "kubectl_complete-evidence", "LICENSE", "README.md", "man/kubectl-evidence.1", "man/kubectl-evidence.collect.1"] {
            #expect(release.has(file), "\(file) is missing from the archive")
        }
        #expect(!release.loadedLibraries.isEmpty, "ldd named no library: the check below would pass on nothing")
        let foreign = release.loadedLibraries.filter { !ReleasedBinary.hostLibraries.contains($0) }
        #expect(foreign.isEmpty, "the binary needs libraries a bare host lacks: \(foreign)")
        let license = try String(contentsOf: release.unpacked.appendingPathComponent("LICENSE"), encoding: .utf8)
        #expect(license.contains("Apache License") && license.contains("Version 2.0"))
    }

    @Test("the krew manifest names the archive and its SHA-256")
    func krewManifest() throws {
        let archive = try #require(ReleasedBinary.archive)
        let manifestPath = URL(fileURLWithPath: archive).deletingLastPathComponent().appendingPathComponent("evidence.yaml").path
        let manifest = try String(contentsOfFile: manifestPath, encoding: .utf8)
        let digest = try ProcessRunner.run("/usr/bin/sha256sum", [archive]).stdout.prefix(64)
        let checksumFile = try String(contentsOfFile: archive + ".sha256", encoding: .utf8)
        #expect(checksumFile.hasPrefix(digest + "  " + URL(fileURLWithPath: archive).lastPathComponent))
        #expect(manifest.contains("apiVersion: krew.googlecontainertools.github.com/v1alpha2"))
        #expect(manifest.contains("kind: Plugin") && manifest.contains("  name: evidence\n"))
        #expect(manifest.contains("    sha256: \(digest)\n"), "\(manifest)")
        #expect(manifest.contains("/\(URL(fileURLWithPath: archive).lastPathComponent)\n"), "the uri names another archive: \(manifest)")
        #expect(manifest.contains("    bin: kubectl-evidence\n"))
        let version = try #require(manifest.split(separator: "\n").first { $0.hasPrefix("  version: v") }).dropFirst("  version: v".count)
        #expect(URL(fileURLWithPath: archive).lastPathComponent == "kubectl-evidence_\(version)_linux_amd64.tar.gz")
    }

    @Test("in a bare root (no toolchain, no libarchive, no shell): version, --version and a schema")
    func startsBare() throws {
        let release = try ReleasedBinary(archive: try #require(ReleasedBinary.archive))
        defer { release.remove() }
        let version = try release.run(["version", "--json"])
        #expect(version.status == 0, "\(version.stderr)")
        let info = try #require(try JSONSerialization.jsonObject(with: Data(version.stdout.utf8)) as? [String: Any])
        #expect((info["version"] as? String)?.isEmpty == false)
        let commit = try #require(info["commit"] as? String)
        #expect(commit.range(of: "^[0-9a-f]{40}", options: .regularExpression) != nil, "a release knows its commit: \(commit)")
        #expect((info["buildDate"] as? String)?.hasPrefix("20") == true, "\(info)")
        let short = try release.run(["--version"])
        #expect(short.status == 0 && short.stdout.contains(info["version"] as? String ?? "?"), "\(short.stderr)")
        let schema = try release.run(["schema", "manifest"])
        #expect(schema.status == 0 && schema.stdout.contains("\"$schema\""), "\(schema.stderr)")
    }

    @Test("kubectl plugin list finds it, and kubectl evidence <TAB> completes through the archive's kubectl_complete-evidence")
    func kubectlPlugin() throws {
        let release = try ReleasedBinary(archive: try #require(ReleasedBinary.archive))
        defer { release.remove() }
        let kubectl = try ProcessRunner.run("/bin/sh", ["-c", "command -v kubectl"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let path = release.unpacked.path + ":" + URL(fileURLWithPath: kubectl).deletingLastPathComponent().path + ":/usr/bin:/bin"
        let list = try ProcessRunner.run(kubectl, ["plugin", "list"], environment: ["PATH": path, "HOME": release.directory.path])
        #expect(list.stdout.contains(release.unpacked.appendingPathComponent("kubectl-evidence").path), "stdout: \(list.stdout)\nstderr: \(list.stderr)")
        let completion = try ProcessRunner.run(kubectl, ["__complete", "evidence", "co"], environment: ["PATH": path, "HOME": release.directory.path])
        let candidates = completion.stdout.split(separator: "\n").map(String.init)
        #expect(candidates.contains("collect"), "stdout: \(completion.stdout)\nstderr: \(completion.stderr)")
        #expect(!candidates.contains("inspect"), "only what starts with co: \(candidates)")
    }
}
