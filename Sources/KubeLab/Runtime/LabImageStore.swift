import Crypto
import Foundation
import Synchronization

/// A resolved image: what a container runs in, and what its status reports.
public struct LabImage: Sendable, Equatable {
    /// The reference as the pod spec wrote it (`status.image` repeats it).
    public var reference: String
    /// `status.imageID`: the repository digest, e.g. `docker.io/library/busybox@sha256:…`.
    public var imageID: String
    /// The root file system every container of this image sees (read-only).
    public var rootfs: URL
}

/// The lab's local image store. Every busybox reference (`busybox`, `busybox:1.36`,
/// `docker.io/library/busybox:…`, `localhost/busybox:…`, a mirror's `…/busybox:…`) resolves to
/// one root file system built once from the host's static busybox; any other image fails to
/// "pull" with the kubelet's wording, so that ErrImagePull paths can be exercised for real.
public final class LabImageStore: Sendable {
    /// `<stateDir>/images`.
    public let directory: URL
    let busyboxPath: String
    private let built = Mutex<LabImageBuild?>(nil)

    public init(directory: URL, busyboxPath: String = "/bin/busybox") {
        self.directory = directory
        self.busyboxPath = busyboxPath
    }

    /// Resolves a reference, building the busybox root file system on first use.
    public func resolve(_ reference: String) throws(LabRuntimeError) -> LabImage {
        guard let ref = LabImageReference(reference) else {
            throw LabRuntimeError(
                .invalidImageName,
                "Failed to apply default image tag \"\(reference)\": couldn't parse image name \"\(reference)\": invalid reference format")
        }
        guard ref.shortName == "busybox" else {
            let n = ref.normalized
            throw LabRuntimeError(
                .imagePullFailed,
                "failed to pull and unpack image \"\(n)\": failed to resolve reference \"\(n)\": \(n): not found")
        }
        let build = try busyboxBuild()
        return LabImage(reference: reference, imageID: "\(ref.repository)@sha256:\(build.digest)", rootfs: build.rootfs)
    }

    /// The busybox root file system, built once per store (and reused across labs while
    /// /bin/busybox does not change: the digest is kept beside it).
    func busyboxBuild() throws(LabRuntimeError) -> LabImageBuild {
        try built.withLock { (cached: inout LabImageBuild?) throws(LabRuntimeError) -> LabImageBuild in
            if let cached { return cached }
            let build = try LabImageBuild.make(busybox: busyboxPath, imageDirectory: directory.appendingPathComponent("busybox"))
            cached = build
            return build
        }
    }
}

/// The busybox image on disk: `<images>/busybox/rootfs` and the SHA-256 of the busybox binary.
struct LabImageBuild: Sendable {
    var rootfs: URL
    var digest: String

    static func make(busybox: String, imageDirectory: URL) throws(LabRuntimeError) -> LabImageBuild {
        let fm = FileManager.default
        guard let binary = fm.contents(atPath: busybox) else {
            throw LabRuntimeError.missingTool(busybox, package: "busybox-static")
        }
        let digest = SHA256.hash(data: binary).map { String(format: "%02x", $0) }.joined()
        let rootfs = imageDirectory.appendingPathComponent("rootfs")
        let marker = imageDirectory.appendingPathComponent("digest")
        if (try? String(contentsOf: marker, encoding: .utf8)) == digest, fm.fileExists(atPath: rootfs.appendingPathComponent("bin/busybox").path) {
            return LabImageBuild(rootfs: rootfs, digest: digest)
        }
        let applets = try listApplets(busybox)
        let staging = imageDirectory.appendingPathComponent("rootfs.building-\(getpid())")
        do {
            try? fm.removeItem(at: staging)
            try fm.createDirectory(at: imageDirectory, withIntermediateDirectories: true)
            for dir in ["bin", "dev", "etc", "home/user", "proc", "root", "sys", "tmp", "usr/bin", "usr/sbin", "var", "var/www"] {
                try fm.createDirectory(at: staging.appendingPathComponent(dir), withIntermediateDirectories: true)
            }
            try binary.write(to: staging.appendingPathComponent("bin/busybox"))
            chmod(staging.appendingPathComponent("bin/busybox").path, 0o755)
            for applet in applets where applet != "busybox" && !applet.contains("/") {
                try fm.createSymbolicLink(atPath: staging.appendingPathComponent("bin/\(applet)").path, withDestinationPath: "/bin/busybox")
            }
            chmod(staging.appendingPathComponent("tmp").path, 0o1777)
            chmod(staging.appendingPathComponent("root").path, 0o700)
            let home = staging.appendingPathComponent("home/user").path
            chown(home, 1000, 1000)
            let files: [(String, String)] = [
                ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nuser:x:1000:1000:user:/home/user:/bin/sh\n"),
                ("etc/group", "root:x:0:\nnobody:x:65534:\nuser:x:1000:\n"),
                ("etc/hostname", "busybox\n"),
                // Placeholders the pod's own files are bind-mounted onto, as the kubelet does.
                ("etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"),
                ("etc/resolv.conf", ""),
            ]
            for (path, text) in files {
                try Data(text.utf8).write(to: staging.appendingPathComponent(path))
            }
            try? fm.removeItem(at: rootfs)
            try fm.moveItem(at: staging, to: rootfs)
            try Data(digest.utf8).write(to: marker)
        } catch {
            try? fm.removeItem(at: staging)
            throw LabRuntimeError(.stateDirectory, "Could not build the busybox image's root file system in \(imageDirectory.path): \(error).")
        }
        return LabImageBuild(rootfs: rootfs, digest: digest)
    }

    /// `busybox --list`: one applet name per line.
    private static func listApplets(_ busybox: String) throws(LabRuntimeError) -> [String] {
        let result: ToolRun.Result
        do {
            result = try ToolRun.run(busybox, ["--list"])
        } catch {
            throw LabRuntimeError.missingTool(busybox, package: "busybox-static")
        }
        guard result.status == 0 else { throw LabRuntimeError.missingTool(busybox, package: "busybox-static") }
        return result.output.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }
}
