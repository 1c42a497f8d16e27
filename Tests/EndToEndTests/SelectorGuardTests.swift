import Foundation
import Testing

/// A selector that selects every pod by accident is refused before anything is read or
/// contacted: no kubeconfig is even opened (the one given does not exist).
@Suite("collect refuses a missing or empty selector")
struct SelectorGuardTests {
    @Test(
        "an empty or blank -l or --field-selector, or none at all, exits 64 naming the flag",
        arguments: [
            (["-A", "-l", ""], "-l was given an empty selector"),
            (["-A", "-l", "  "], "-l was given an empty selector"),
            (["-n", "shop", "--field-selector", ""], "--field-selector was given an empty selector"),
            (["-n", "shop", "-l", "", "--field-selector", "metadata.name=x"], "-l was given an empty selector"),
            (["-A"], "Give a label selector with -l"),
        ])
    func refused(arguments: [String], message: String) throws {
        for dryRun in [["--dry-run"], []] {
            let result = try ToolBinary.run(["collect", "--kubeconfig", "/nonexistent/kubeconfig"] + dryRun + arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("/nonexistent/kubeconfig"), "validation must come before the kubeconfig: \(result.stderr)")
        }
    }
}
