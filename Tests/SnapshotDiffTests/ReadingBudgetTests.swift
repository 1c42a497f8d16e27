import Bundle
import BundleSamples
import Foundation
import SnapshotDiff
import Testing

/// A bundle's decoded files cost memory and time; a reading stops at the
/// first file past its kind's allowance, and says which, how much and why.
@Suite("reading budget")
struct ReadingBudgetTests {
    let pods = (0..<4).map { TestPod(name: "checkout-\($0)", uid: "u\($0)", evidence: RealEvidence.decoded()) }

    @Test("the processes.json files of a bundle together may not pass the total allowance")
    func total() throws {
        let path = try TestBundle.write(pods)
        let one = UInt64(try Data(JSONEncoder().encode(RealEvidence.decoded().processes)).count)
        var allowances = ReadingBudget.standardAllowances
        allowances[.processes]!.totalBytes = one * 3 + one / 2
        // Three fit, the fourth does not.
        let error = try #require(throws: ReadingBudgetExceeded.self) { try Snapshot.read(path: path, budget: ReadingBudget(allowances: allowances)) }
        #expect(error.kind == .processes)
        #expect(error.path == "pods/shop/checkout-3/containers/app/processes.json")
        #expect(error.limit == .total(files: 4, bytes: one * 4, allowed: one * 3 + one / 2))
        #expect(error.message.hasPrefix("Reading stopped at \"pods/shop/checkout-3/containers/app/processes.json\" in the bundle \""), "\(error.message)")
        #expect(error.message.contains("the bundle's 4 processes.json files come to \(one * 4) bytes, more than the \(one * 3 + one / 2) bytes one reading decodes."), "\(error.message)")
        #expect(error.message.contains("`kubectl-evidence inspect --pod NAMESPACE/NAME` reads one pod at a time"))
        // The standard budget reads it.
        #expect(try Snapshot.read(path: path).pods.allSatisfy { $0.evidence != nil })
    }

    @Test("one file past the file allowance is refused before it is read")
    func file() throws {
        let path = try TestBundle.write(pods)
        var allowances = ReadingBudget.standardAllowances
        allowances[.sockets]!.fileBytes = 100
        let error = try #require(throws: ReadingBudgetExceeded.self) { try Snapshot.read(path: path, budget: ReadingBudget(allowances: allowances)) }
        #expect(error.kind == .sockets)
        #expect(error.path == "pods/shop/checkout-0/containers/app/sockets.json")
        guard case .file(let size, 100) = error.limit else { Issue.record("\(error.limit)"); return }
        #expect(error.message.contains("is \(size) bytes, more than the 100 bytes a sockets.json may have to be read."), "\(error.message)")
    }

    @Test("decoding time is charged per kind: past its allowance the reading stops at the file that passed it")
    func time() throws {
        let path = try TestBundle.write(pods)
        var allowances = ReadingBudget.standardAllowances
        allowances[.namespaces]!.time = .zero
        let error = try #require(throws: ReadingBudgetExceeded.self) { try Snapshot.read(path: path, budget: ReadingBudget(allowances: allowances)) }
        #expect(error.kind == .namespaces)
        #expect(error.path == "pods/shop/checkout-0/containers/app/namespaces.json")
        guard case .time(1, let spent, .zero) = error.limit else { Issue.record("\(error.limit)"); return }
        #expect(spent > .zero)
        #expect(error.message.contains("decoding the bundle's first 1 namespaces.json files took"), "\(error.message)")
    }
}
