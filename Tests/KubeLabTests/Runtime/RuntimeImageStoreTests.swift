import Crypto
import Foundation
import Testing

@testable import KubeLab

@Suite("Runtime: image store")
struct RuntimeImageStoreTests {
    @Test("every busybox reference resolves to the one busybox root, with a repository digest of /bin/busybox")
    func busyboxReferences() throws {
        let fixture = try RuntimeFixture.make()
        defer { fixture.cleanUp() }
        let digest = SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: "/bin/busybox"))).map { String(format: "%02x", $0) }.joined()
        let cases = [
            ("busybox", "docker.io/library/busybox"), ("busybox:1.36", "docker.io/library/busybox"),
            ("docker.io/library/busybox:1.36.1", "docker.io/library/busybox"), ("localhost/busybox:1.35", "localhost/busybox"),
            ("index.docker.io/library/busybox", "docker.io/library/busybox"),
        ]
        var roots = Set<URL>()
        for (reference, repository) in cases {
            let image = try fixture.runtime.images.resolve(reference)
            #expect(image.imageID == "\(repository)@sha256:\(digest)", "\(reference)")
            #expect(image.reference == reference)
            roots.insert(image.rootfs)
        }
        #expect(roots.count == 1)
    }

    @Test("the busybox root has busybox, an applet per link, empty proc and dev, a 1777 tmp and the lab's users")
    func rootFileSystem() throws {
        let fixture = try RuntimeFixture.make()
        defer { fixture.cleanUp() }
        let root = try fixture.runtime.images.resolve("busybox").rootfs.path
        let fm = FileManager.default
        let attributes = try fm.attributesOfItem(atPath: "\(root)/bin/busybox")
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        #expect(fm.contentsEqual(atPath: "\(root)/bin/busybox", andPath: "/bin/busybox"))
        for applet in ["sh", "ps", "httpd", "nc", "wget", "ip", "sleep"] {
            #expect(try fm.destinationOfSymbolicLink(atPath: "\(root)/bin/\(applet)") == "/bin/busybox", "\(applet)")
        }
        #expect(try fm.contentsOfDirectory(atPath: "\(root)/proc").isEmpty)
        #expect(try fm.contentsOfDirectory(atPath: "\(root)/dev").isEmpty)
        let tmp = try fm.attributesOfItem(atPath: "\(root)/tmp")
        #expect((tmp[.posixPermissions] as? Int) == 0o1777)
        let passwd = try String(contentsOfFile: "\(root)/etc/passwd", encoding: .utf8)
        #expect(passwd.contains("root:x:0:0:"))
        #expect(passwd.contains(":65534:65534:"))
        #expect(passwd.contains(":1000:1000:"))
        #expect(fm.fileExists(atPath: "\(root)/etc/group"))
        #expect(fm.fileExists(atPath: "\(root)/etc/hostname"))
    }

    @Test("an unknown image fails to pull with the kubelet's wording; a malformed one is an invalid name")
    func unknownImages() throws {
        let fixture = try RuntimeFixture.make()
        defer { fixture.cleanUp() }
        #expect {
            try fixture.runtime.images.resolve("nope:1")
        } throws: { error in
            let e = error as? LabRuntimeError
            return e?.kind == .imagePullFailed
                && e?.message == "failed to pull and unpack image \"docker.io/library/nope:1\": failed to resolve reference "
                    + "\"docker.io/library/nope:1\": docker.io/library/nope:1: not found"
        }
        #expect {
            try fixture.runtime.images.resolve("localhost/nope:1")
        } throws: { error in
            (error as? LabRuntimeError)?.message.hasPrefix("failed to pull and unpack image \"localhost/nope:1\"") == true
        }
        #expect {
            try fixture.runtime.images.resolve("Busy Box")
        } throws: { error in
            (error as? LabRuntimeError)?.kind == .invalidImageName
        }
    }
}

@Suite("Runtime: capabilities")
struct RuntimeCapabilitiesTests {
    @Test("the runtime default has no SYS_PTRACE; add, drop and ALL combine as in containerd")
    func sets() {
        let all = LinuxCapabilities.names.count
        let base = LinuxCapabilities.effectiveSet(add: [], drop: [], available: all).set
        #expect(Set(base) == Set(LinuxCapabilities.runtimeDefault))
        #expect(!base.contains("SYS_PTRACE"))
        let general = LinuxCapabilities.effectiveSet(add: ["SYS_PTRACE"], drop: [], available: all).set
        #expect(Set(general) == Set(base).union(["SYS_PTRACE"]))
        let restricted = LinuxCapabilities.effectiveSet(add: ["NET_BIND_SERVICE"], drop: ["ALL"], available: all).set
        #expect(restricted == ["NET_BIND_SERVICE"])
        let dropped = LinuxCapabilities.effectiveSet(add: ["CAP_NET_ADMIN"], drop: ["net_raw"], available: all).set
        #expect(dropped.contains("NET_ADMIN") && !dropped.contains("NET_RAW"))
        #expect(LinuxCapabilities.effectiveSet(add: ["ALL"], drop: [], available: all).set.count == all)
        #expect(LinuxCapabilities.effectiveSet(add: ["SYS_WIZARD"], drop: [], available: all).unknown == ["SYS_WIZARD"])
    }

    @Test("setpriv arguments: uid change for non-root, bounding set unless privileged, no inheritable caps")
    func setpriv() {
        let root = LinuxCapabilities.setprivArguments(set: ["KILL", "SYS_PTRACE"], privileged: false, uid: 0, gid: 0, noNewPrivileges: false)
        #expect(root == ["--bounding-set", "-all,+kill,+sys_ptrace", "--inh-caps", "-all"])
        let user = LinuxCapabilities.setprivArguments(set: [], privileged: false, uid: 1000, gid: 1000, noNewPrivileges: true)
        #expect(user == ["--reuid", "1000", "--regid", "1000", "--clear-groups", "--bounding-set", "-all", "--inh-caps", "-all", "--no-new-privs"])
        let privileged = LinuxCapabilities.setprivArguments(set: [], privileged: true, uid: 0, gid: 0, noNewPrivileges: false)
        #expect(privileged == ["--inh-caps", "-all"])
    }
}

@Suite("Runtime: without root")
struct RuntimeWithoutRootTests {
    /// Runs only when the tests run as a user other than root (e.g. `setpriv --reuid 65534 …`).
    @Test("the runtime refuses to start and says it needs root", .enabled(if: geteuid() != 0))
    func needsRoot() throws {
        #expect {
            _ = try LabRuntime(stateDirectory: URL(fileURLWithPath: "/tmp/kubelab-runtime-not-root"))
        } throws: { error in
            let e = error as? LabRuntimeError
            return e?.kind == .needsRoot && e?.message.contains("needs root") == true
        }
    }
}
