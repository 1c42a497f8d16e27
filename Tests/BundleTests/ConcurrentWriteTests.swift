import Bundle
import Dispatch
import Foundation
import Testing

/// Many producers, one writer: pods finish on Dispatch queues in any order.
@Suite struct ConcurrentWriteTests {
    @Test func eightThreadsAtOnceProduceAConsistentArchive() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/concurrent.tar.gz"
            let writer = try BundleWriter(path: path)
            let threads = 8, filesPerThread = 24
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                for file in 0..<filesPerThread {
                    let seed = UInt64(thread * 1000 + file)
                    let bytes = pseudoRandomBytes(count: 1_000 + (file * 997) % 40_000, seed: seed)
                    do {
                        if file % 3 == 0 {
                            // Every third file is streamed, so that spooling and
                            // direct writes interleave.
                            let path = BundlePath.container(namespace: "ns\(thread)", pod: "pod-\(file)", container: "c", file: "output.raw")
                            try writer.add(path: path, modified: Date()) { stream in
                                for start in stride(from: 0, to: bytes.count, by: 4096) {
                                    try stream.write(bytes[start..<min(bytes.count, start + 4096)])
                                }
                            }
                        } else {
                            try writer.add(path: .pod(namespace: "ns\(thread)", pod: "pod-\(file)", file: "pod.json"),
                                           data: bytes, modified: Date())
                        }
                    } catch {
                        failures.append("thread \(thread) file \(file): \(error)")
                    }
                }
            }
            #expect(failures.all == [])
            let finished = try writer.finish(manifest: sampleManifest())
            #expect(finished.manifest.files.count == threads * filesPerThread)

            // Every file is whole and has the bytes its producer gave.
            var seen = 0
            try BundleReader(path: path).forEachEntry { entry in
                guard entry.path != "manifest.json" else { return }
                let components = entry.path.split(separator: "/")
                let thread = Int(components[1].dropFirst(2))!, file = Int(components[2].dropFirst(4))!
                let expected = pseudoRandomBytes(count: 1_000 + (file * 997) % 40_000, seed: UInt64(thread * 1000 + file))
                let bytes = try entry.readBytes()
                #expect(bytes == expected, "\(entry.path) was mixed with another producer's bytes")
                seen += 1
            }
            #expect(seen == threads * filesPerThread)
            #expect(try BundleReader(path: path).verify().problems == [])
            #expect(try run(["tar", "-tzf", path]).status == 0)
        }
    }
}

/// Failures gathered from many threads.
final class Failures: @unchecked Sendable {
    // @unchecked: `items` is only touched under `lock`.
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}
