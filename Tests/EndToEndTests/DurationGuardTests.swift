import Foundation
import Testing

/// A duration the tool cannot wait for is refused before anything is read or
/// contacted. `--timeout 99999999999h` used to pass, inject every pod, and
/// trap when it became a deadline, leaving a 0-byte partial file.
@Suite("collect refuses durations it cannot wait for")
struct DurationGuardTests {
    @Test(
        "an absurd, infinite or malformed --timeout or --request-timeout exits 64 naming the flag, before the kubeconfig",
        arguments: [
            (["--timeout", "99999999999h"], "--timeout \"99999999999h\" is longer than a week"),
            (["--timeout", "169h"], "--timeout \"169h\" is longer than a week"),
            (["--timeout", "inf"], "--timeout \"inf\" is not a positive duration"),
            (["--timeout", "1e400"], "--timeout \"1e400\" is not a positive duration"),
            (["--request-timeout", "99999999999h"], "--request-timeout \"99999999999h\" is longer than a week"),
            (["--request-timeout", "nan"], "--request-timeout \"nan\" is not a duration"),
            (["--request-timeout", "٣s"], "is not a duration"),
        ])
    func refused(arguments: [String], message: String) throws {
        let result = try ToolBinary.run(["collect", "--kubeconfig", "/nonexistent/kubeconfig", "-n", "shop", "-l", "app=checkout", "--dry-run"] + arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        #expect(!result.stderr.contains("/nonexistent/kubeconfig"), "validation must come before the kubeconfig: \(result.stderr)")
    }

    @Test("a week and less still pass validation and reach the kubeconfig", arguments: ["168h", "90s", "1m30s", "500ms"])
    func accepted(duration: String) throws {
        let result = try ToolBinary.run(["collect", "--kubeconfig", "/nonexistent/kubeconfig", "-n", "shop", "-l", "app=checkout",
                                         "--dry-run", "--timeout", duration, "--request-timeout", duration])
        #expect(result.status != 64 || result.stderr.contains("/nonexistent/kubeconfig"), "\(duration): \(result.stderr)")
        #expect(result.stderr.contains("/nonexistent/kubeconfig"), "\(duration): \(result.stderr)")
    }
}
