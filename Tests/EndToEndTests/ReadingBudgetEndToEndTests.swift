import Foundation
import Testing

/// A bundle whose decoded files would cost gigabytes of memory is refused by
/// inspect and diff at the first file past the reading budget, before it is
/// decoded, with a message that names it; one pod can still be read.
@Suite("reading budget, end to end")
struct ReadingBudgetEndToEndTests {
    @Test("a processes.json of 17 MiB (a few KB in the archive) is refused by inspect and diff, named, and inspect --pod reads the other pods")
    func oversizedProcessesFile() throws {
        let demo = try DemoBundle.get()
        let bundle = demo.path("padded-processes") + ".tar.gz"
        let target = "pods/shop/db-0/containers/db/processes.json"
        try TarRewrite.rewrite(demo.bundle, to: bundle, .pad, target, text: String(17 << 20))
        let compressed = try #require(try FileManager.default.attributesOfItem(atPath: bundle)[.size] as? Int)
        #expect(compressed < 2 << 20, "the padded bundle is \(compressed) bytes")

        let expected = "The file \"\(target)\" in the bundle \"\(bundle)\" is 17.0 MiB, more than the 16.0 MiB a processes.json may have to be read."
        let inspect = try ToolBinary.run(["inspect", bundle, "--json"])
        #expect(inspect.status == 1)
        #expect(inspect.stdout.isEmpty)
        #expect(inspect.stderr.hasPrefix("error: \(expected)"), "\(inspect.stderr)")
        #expect(inspect.stderr.contains("`kubectl-evidence inspect --pod NAMESPACE/NAME` reads one pod at a time"), "\(inspect.stderr)")

        let diff = try ToolBinary.run(["diff", "--replicas", bundle])
        #expect(diff.status == 2)
        #expect(diff.stderr.contains(expected), "\(diff.stderr)")

        // Another pod of the same bundle is read: the padded file is skipped, not charged.
        let one = try ToolBinary.run(["inspect", bundle, "--pod", "shop/db-1"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.contains("db-1"), "\(one.stdout.prefix(500))")
    }
}
