import Bundle
import Foundation
import Testing

/// Memory must not grow with the number of pods: the writer writes through
/// and keeps only (path, size, digest) per file. Measured in-process, so it
/// runs only when asked for, alone (`BUNDLE_MEMORY_CHECK=1 swift test
/// --filter MemoryTests`): other tests running beside it would move the figure.
@Suite struct MemoryTests {
    static func residentKiB(_ field: String) -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["BUNDLE_MEMORY_CHECK"] == "1"))
    func fiveHundredPodsOf100KBStayFlat() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/500.tar.gz"
            let writer = try BundleWriter(path: path)
            var payload = pseudoRandomBytes(count: 100_000, seed: 42)
            var afterFifty = 0
            let started = Date()
            for pod in 0..<500 {
                payload.withUnsafeMutableBytes { $0.storeBytes(of: UInt64(pod), as: UInt64.self) }
                try writer.add(path: .pod(namespace: "shop", pod: "checkout-\(pod)", file: "pod.json"),
                               data: Array(#"{"kind":"Pod"}"#.utf8), modified: Date())
                try writer.add(path: .container(namespace: "shop", pod: "checkout-\(pod)", container: "evidence-r1",
                                                file: "output.raw"), modified: Date()) { stream in
                    for start in stride(from: 0, to: payload.count, by: 16_384) {
                        try stream.write(payload[start..<min(payload.count, start + 16_384)])
                    }
                }
                if pod == 49 { afterFifty = Self.residentKiB("VmRSS") }
            }
            let afterAll = Self.residentKiB("VmRSS")
            let finished = try writer.finish(manifest: sampleManifest())
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            print("memory: VmRSS after 50 pods \(afterFifty) KiB, after 500 pods \(afterAll) KiB, peak VmHWM \(Self.residentKiB("VmHWM")) KiB; \(finished.manifest.files.count) files, bundle \(size / 1024) KiB, \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            #expect(afterAll - afterFifty < 8 * 1024, "memory grew by \(afterAll - afterFifty) KiB over 450 pods")
        }
    }
}
