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

    @Test("-o with a kubectl output format (json, yaml, wide, name, jsonpath=…) exits 64 saying -o names the bundle, and writes nothing",
          arguments: ["json", "yaml", "wide", "name", "jsonpath={.items[*].metadata.name}", "custom-columns=NAME:.metadata.name"])
    func outputFormatWord(format: String) throws {
        let result = try ToolBinary.run(["collect", "--kubeconfig", "/nonexistent/kubeconfig", "-n", "shop", "-l", "app=checkout", "-o", format])
        #expect(result.status == 64, "\(format): \(result.stderr)")
        #expect(result.stderr.contains("-o names the bundle file here, not an output format"), "\(format): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: format))
    }

    @Test("a bundle path that only looks like a format word is still a bundle path: it reaches the kubeconfig", arguments: ["json.tar.gz", "wide-incident.tar.gz"])
    func ordinaryPaths(path: String) throws {
        let result = try ToolBinary.run(["collect", "--kubeconfig", "/nonexistent/kubeconfig", "-n", "shop", "-l", "app=checkout", "-o", path])
        #expect(!result.stderr.contains("not an output format"), "\(path): \(result.stderr)")
        #expect(result.stderr.contains("/nonexistent/kubeconfig"), "\(path): \(result.stderr)")
    }

    @Test("kubectl's joined short options (-nshop, -lapp=checkout, -capp) and --dry-run=client are read as kubectl reads them")
    func joinedShortOptions() throws {
        let result = try ToolBinary.run(["collect", "--kubeconfig", "/nonexistent/kubeconfig", "-nshop", "-lapp=checkout", "-capp", "--dry-run=client"])
        // Past validation: the next thing it does is read the kubeconfig.
        #expect(result.stderr.contains("/nonexistent/kubeconfig"), "\(result.stderr)")
        #expect(result.status != 64 || result.stderr.contains("/nonexistent/kubeconfig"), "\(result.stderr)")
    }

    @Test("--all-namespaces=true is read as -A, as kubectl reads it")
    func allNamespacesWithValue() throws {
        let result = try ToolBinary.run(["collect", "--kubeconfig", "/nonexistent/kubeconfig", "--all-namespaces=true", "-l", "app=checkout", "--dry-run"])
        #expect(result.stderr.contains("/nonexistent/kubeconfig"), "\(result.stderr)")
    }
}
