import Foundation
import Testing
import TestSupport

/// Every output path is checked before the first pod is touched; only regular
/// files are ever replaced; a one-character name works.
@Suite("collect and the reports: output paths")
struct OutputPathTests {
    static func ephemeralCount(_ lab: LabProcess) throws -> Int {
        try lab.kubectl(["get", "pods", "-A", "-o", "jsonpath={.items[*].spec.ephemeralContainers[*].name}"]).stdout.split(separator: " ").count
    }

    @Test("-o '', a directory, a dangling symlink and a device are refused before any pod is touched")
    func refusedEarly() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let directory = lab.directory.path
        let dangling = directory + "/dangling"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: directory + "/nowhere/x.tar.gz")
        let cases: [(String, [String], String)] = [
            ("", [], "empty name"),
            (directory, ["--overwrite"], "is a directory"),
            (dangling, [], "is a symbolic link"),
            ("/dev/null", ["--overwrite"], "not a regular file"),
        ]
        for (path, extra, expected) in cases {
            let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app=checkout", "-o", path] + extra)
            #expect(result.status != 0, "\(path)")
            #expect(result.stderr.contains(expected), "\(path): \(result.stderr)")
        }
        #expect(try Self.ephemeralCount(lab) == 0, "a refused output path touched a pod")
        let devNull = try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType
        #expect(devNull == .typeCharacterSpecial)
    }

    @Test("a one-character bundle name is written and the summary printed (it used to trap after the bundle was written)")
    func oneCharacterName() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let result = try ProcessRunner.run("/bin/sh", ["-c", "cd '\(lab.directory.path)' && '\(ToolBinary.path)' collect --kubeconfig '\(lab.kubeconfig)' -n shop -l app=checkout -o x -q"],
                                           timeout: 180)
        #expect(result.status == 0, "\(result.stderr.suffix(2000))")
        #expect(result.stdout.contains("Bundle: x ("), "\(result.stdout)")
        #expect(FileManager.default.fileExists(atPath: lab.directory.appendingPathComponent("x").path))
    }

    @Test("--html does not overwrite without --overwrite and never writes through a symlink")
    func reportPaths() throws {
        let demo = try DemoBundle.get()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("html-paths-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let existing = directory + "/report.html"
        try "keep me".write(toFile: existing, atomically: true, encoding: .utf8)
        for command in [["inspect", demo.bundle], ["diff", "--replicas", demo.bundle]] {
            let refused = try ToolBinary.run(command + ["--html", existing])
            #expect(refused.status == (command[0] == "diff" ? 2 : 1), "\(refused.stderr)")
            #expect(refused.stderr.contains("already exists"), "\(command[0]): \(refused.stderr)")
            #expect(try String(contentsOfFile: existing, encoding: .utf8) == "keep me")
            let replaced = try ToolBinary.run(command + ["--html", existing, "--overwrite"])
            #expect(replaced.stderr.isEmpty, "\(command[0]): \(replaced.stderr)")
            #expect(try String(contentsOfFile: existing, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
            try "keep me".write(toFile: existing, atomically: true, encoding: .utf8)
        }
        let target = directory + "/target.txt"
        try "target".write(toFile: target, atomically: true, encoding: .utf8)
        let link = directory + "/link.html"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let throughLink = try ToolBinary.run(["inspect", demo.bundle, "--html", link, "--overwrite"])
        #expect(throughLink.stderr.contains("is a symbolic link"), "\(throughLink.stderr)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "target")
        let missing = try ToolBinary.run(["diff", "--replicas", demo.bundle, "--html", directory + "/nope/report.html"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("does not exist"), "\(missing.stderr)")
        #expect(!missing.stderr.contains("NSCocoaErrorDomain"))
    }
}
