import Bundle
import Crypto
import Foundation
import Testing
import TestSupport

/// A failure of the test's own setup, with a sentence saying what.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under the system's temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("bundle-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(directory)
}

/// Runs a real program (tar, gzip, python3) through `env` and returns what it printed.
func run(_ arguments: [String], in directory: String? = nil) throws -> ProcessResult {
    try ProcessRunner.run("/usr/bin/env", arguments, directory: directory)
}

/// Deterministic, incompressible bytes (xorshift64), different for each seed.
func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var bytes = [UInt8](repeating: 0, count: count)
    var index = 0
    while index < count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        var word = state
        for _ in 0..<8 where index < count {
            bytes[index] = UInt8(truncatingIfNeeded: word)
            word >>= 8
            index += 1
        }
    }
    return bytes
}

/// SHA-256 in lower-case hex, computed here independently of the writer.
func sha256Hex(_ bytes: some DataProtocol) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// A manifest as the Collector would fill it, for `pods` pods in namespace `shop`.
func sampleManifest(pods: [String] = [], interrupted: Bool = false) -> Manifest {
    let started = Date(timeIntervalSince1970: 1_795_000_000.125)
    return Manifest(
        tool: .init(name: "kubectl-evidence", version: "0.1.0-test"),
        run: .init(id: "r4211", commandLine: ["kubectl-evidence", "collect", "-n", "shop", "-l", "app=checkout"],
                   profile: .init(name: "standard", sha256: String(repeating: "ab", count: 32)),
                   startedAt: started, finishedAt: started.addingTimeInterval(12.5), interrupted: interrupted),
        cluster: .init(server: "https://127.0.0.1:6443", contextName: "lab",
                       caFingerprintSHA256: String(repeating: "cd", count: 32), serverVersion: "v1.36.0",
                       user: .init(username: "kubernetes-admin", groups: ["kubeadm:cluster-admins", "system:authenticated"])),
        selection: .init(namespace: "shop", labelSelector: "app=checkout"),
        pods: pods.map { name in
            Manifest.Pod(namespace: "shop", name: name, uid: "uid-\(name)", node: "lab-node", phase: "Running",
                         podImageIDs: ["app": "docker.io/library/busybox@sha256:" + String(repeating: "1", count: 64)],
                         targetContainer: "app",
                         evidenceContainer: .init(name: "evidence-r4211", image: "docker.io/library/busybox:1.36"),
                         outcome: .collected, reason: "Collected", message: "The evidence of shop/\(name) was collected.",
                         steps: [.init(step: .inject, at: started.addingTimeInterval(1)),
                                 .init(step: .wait, at: started.addingTimeInterval(1.25))],
                         files: [])
        })
}

/// Expects `body` to throw a ``BundleError`` of `code` and returns it.
@discardableResult
func expectBundleError(_ code: BundleError.Code, sourceLocation: SourceLocation = #_sourceLocation,
                       _ body: () throws -> Void) -> BundleError? {
    do {
        try body()
        Issue.record("expected a BundleError .\(code), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as BundleError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a BundleError .\(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Writes a file, failing the test if it cannot.
func writeFile(_ path: String, _ data: some DataProtocol) throws {
    try Data(data).write(to: URL(fileURLWithPath: path))
}
