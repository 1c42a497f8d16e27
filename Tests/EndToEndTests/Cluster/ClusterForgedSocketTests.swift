import Bundle
import Foundation
import Testing
import TestSupport

/// A pod binds a unix socket whose name holds a newline followed by the text of a
/// listening row: the kernel prints the name raw in /proc/net/unix, so it reads as a
/// socket of its own. On the lab and on a real cluster, the forged row must not be in
/// sockets.json, and the real socket must show its whole name.
@Suite("end to end on a cluster: a pod cannot forge a unix socket row", .serialized)
struct ClusterForgedSocketTests {
    static let forgedPath = "/run/forged-by-pod.sock"
    static let forgedRow = "0000000000000000: 00000002 00000000 00010000 0001 01 99999 \(forgedPath)"
    static let head = "pod-socket"

    /// A static program that binds the abstract name `head\nforgedRow`, listens, and
    /// stays in the background (the parent exits once the socket is bound).
    static let source = """
        #include <stddef.h>
        #include <string.h>
        #include <sys/socket.h>
        #include <sys/un.h>
        #include <unistd.h>
        int main(void) {
            static const char name[] = "\(head)\\n\(forgedRow)";
            struct sockaddr_un a;
            memset(&a, 0, sizeof a);
            a.sun_family = AF_UNIX;
            memcpy(a.sun_path + 1, name, sizeof name - 1);
            int fd = socket(AF_UNIX, SOCK_STREAM, 0);
            if (fd < 0 || bind(fd, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 1 + sizeof name - 1) != 0 || listen(fd, 1) != 0) return 1;
            if (fork() != 0) return 0;
            setsid();
            for (;;) pause();
        }
        """

    static func compile(in directory: URL) throws -> String {
        let c = directory.appendingPathComponent("forger.c")
        let binary = directory.appendingPathComponent("forger").path
        try source.write(to: c, atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run("/usr/bin/env", ["gcc", "-static", "-O1", "-o", binary, c.path])
        guard result.status == 0 else { throw TestFailure("gcc failed: \(result.stderr)") }
        return binary
    }

    /// Starts the program in the pod's app container, as uid 1000 on the lab. The lab
    /// serves no exec or cp: the host binary runs in the container's pid and network
    /// namespaces through nsenter, which is what exec does on a node.
    static func startForger(_ cluster: ClusterUnderTest, pod: String, binary: String) throws {
        switch cluster.kind {
        case .real:
            try cluster.kubectlOK(["cp", binary, "shop/\(pod):/tmp/forger", "-c", "app"])
            _ = try cluster.exec(namespace: "shop", pod: pod, container: "app", ["chmod", "755", "/tmp/forger"])
            try cluster.startDetached(namespace: "shop", pod: pod, container: "app", "/tmp/forger")
        case .lab:
            let uid = try cluster.kubectlOK(["get", "pod", "-n", "shop", pod, "-o", "jsonpath={.metadata.uid}"])
            let id = try cluster.kubectlOK(["get", "pod", "-n", "shop", pod, "-o", "jsonpath={.status.containerStatuses[?(@.name==\"app\")].containerID}"])
            let pid = try HostProcesses.appContainerInit(podUID: uid, containerID: id)
            let result = try DirectSpawn.run(["/usr/bin/nsenter", "-t", String(pid), "-n", "-p", "-S", "1000", "-G", "1000", binary])
            guard result.status == 0 else { throw TestFailure("nsenter \(binary) in \(pod) failed (\(result.status)): \(result.stderr)") }
        }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let table = try cluster.exec(namespace: "shop", pod: pod, container: "app", ["cat", "/proc/net/unix"])
            if table.contains(forgedPath) { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw TestFailure("the socket of the forger did not show in \(pod)'s /proc/net/unix within 20 s")
    }

    @Test("a unix socket named 'pod-socket\\n<a listening row of /run/forged-by-pod.sock>': with standard, sockets.json has no forged row and shows the real name whole; with restricted (no fd links), the table is unverifiable and names the row")
    func forgedRowIsNotASocket() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let binary = try Self.compile(in: cluster.directory)
        let label = "forged-\(UUID().uuidString.prefix(6).lowercased())"
        let pod = try cluster.createPod(namespace: "shop", prefix: "forged", labels: ["e2e": label], command: ["sleep", "3600"])
        defer { _ = try? cluster.kubectl(["delete", "pod", "-n", "shop", pod, "--wait=false"]) }
        try Self.startForger(cluster, pod: pod, binary: binary)

        let output = cluster.bundlePath(label)
        let result = try cluster.collect(["-n", "shop", "-l", "e2e=\(label)", "--profile", "standard", "--quiet"], output: output)
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout)")
        let bundle = try BundleContents(path: output)
        let manifestPod = try #require(bundle.manifest.pods.first { $0.name == pod })
        #expect(manifestPod.outcome == .collected, "\(manifestPod.reason) \(manifestPod.message)")
        let file = try #require(bundle.files["pods/shop/\(pod)/containers/app/sockets.json"], "\(bundle.files.keys.sorted().prefix(20))")
        let sockets = try #require(try JSONSerialization.jsonObject(with: Data(file)) as? [String: Any])
        let unix = sockets["unix"] as? [[String: Any]] ?? []
        let paths = unix.compactMap { $0["path"] as? String }

        #expect(!unix.contains { $0["inode"] as? Int == 99999 }, "the forged row is a socket: \(paths)")
        #expect(!paths.contains(Self.forgedPath), "\(paths)")
        let whole = "@\(Self.head)\\n\(Self.forgedRow)"
        let real = try #require(unix.first { $0["path"] as? String == whole }, "no socket shows the whole name; paths: \(paths)")
        #expect(real["abstract"] as? Bool == true && real["listening"] as? Bool == true)
        let owners = real["owners"] as? [[String: Any]] ?? []
        #expect(owners.contains { $0["comm"] as? String == "forger" }, "\(owners)")
        #expect(sockets["unixVerification"] as? String == "verified", "\(sockets["gaps"] ?? [])")
        let anomalies = sockets["anomalies"] as? [[String: Any]] ?? []
        #expect(anomalies.contains { $0["kind"] as? String == "unix path with a newline" && ($0["inodes"] as? [Int])?.contains(99999) == true },
                "\(anomalies)")

        let inspect = try ToolBinary.run(["inspect", output])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(try ToolBinary.run(["verify", output]).status == 0)

        // restricted has no SYS_PTRACE and runs as another uid: the fd links cannot be
        // read, so the rows cannot be checked; the table says so and names the suspect row.
        let restricted = cluster.bundlePath(label + "-restricted")
        let second = try cluster.collect(["-n", "shop", "-l", "e2e=\(label)", "--profile", "restricted", "--quiet"], output: restricted)
        #expect(second.status == 0, "\(second.stderr)\n\(second.stdout)")
        let unverified = try BundleContents(path: restricted)
        let file2 = try #require(unverified.files["pods/shop/\(pod)/containers/app/sockets.json"])
        let sockets2 = try #require(try JSONSerialization.jsonObject(with: Data(file2)) as? [String: Any])
        #expect(sockets2["unixVerification"] as? String == "unverifiable")
        let anomalies2 = sockets2["anomalies"] as? [[String: Any]] ?? []
        #expect(anomalies2.contains { $0["kind"] as? String == "unverifiable unix rows" && ($0["inodes"] as? [Int])?.contains(99999) == true },
                "\(anomalies2)")
    }
}
