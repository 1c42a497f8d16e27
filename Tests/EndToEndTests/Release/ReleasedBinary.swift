import Foundation
import TestSupport

/// The archive `scripts/release` wrote (`KUBECTL_EVIDENCE_RELEASE` names it), unpacked,
/// and a root to run its binary in that holds nothing but the binary and the C and C++
/// runtimes every Linux host has: no Swift toolchain, no libarchive, no zlib, no shell.
/// Each command runs in a fresh mount namespace chrooted there, as on a bare host.
final class ReleasedBinary: @unchecked Sendable {
    // @unchecked: immutable after init; the directories are removed in remove().

    /// The archive's path, when a release was built for this run (CI: `.ci/run` builds one).
    static let archive: String? = {
        guard let path = ProcessInfo.processInfo.environment["KUBECTL_EVIDENCE_RELEASE"], !path.isEmpty else { return nil }
        return path
    }()

    /// The libraries a host without any of the project's dependencies has: glibc and
    /// its loader, and the C++ runtime (Debian's libc6, libstdc++6, libgcc-s1).
    static let hostLibraries: Set<String> = [
        "ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libutil.so.1",
        "libstdc++.so.6", "libgcc_s.so.1",
    ]

    let directory: URL
    /// The unpacked archive's folder (kubectl-evidence, kubectl_complete-evidence, LICENSE, …).
    let unpacked: URL
    /// The bare root the binary runs in; the binary is `/kubectl-evidence` there, beside
    /// the host's /etc/hosts, resolv.conf and nsswitch.conf (no exec plugin: the
    /// kubeconfigs used here hold their credentials).
    let root: URL
    /// What `ldd` said the binary loads, by file name.
    let loadedLibraries: [String]

    init(archive: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("release-\(UUID().uuidString.prefix(8))")
        root = directory.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let untar = try ProcessRunner.run("/bin/tar", ["-xzf", archive, "-C", directory.path])
        guard untar.status == 0 else { throw TestFailure("tar could not unpack \(archive): \(untar.stderr)") }
        let folders = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("kubectl-evidence_") }
        guard folders.count == 1 else { throw TestFailure("the archive holds \(folders), not one kubectl-evidence_<version>_linux_amd64 folder") }
        unpacked = directory.appendingPathComponent(folders[0])
        let binary = unpacked.appendingPathComponent("kubectl-evidence").path

        // The root: the binary, the libraries it loads (each must be a host library),
        // /dev/null and /dev/urandom, /proc, an empty /tmp, and nothing else.
        let ldd = try ProcessRunner.run("/usr/bin/ldd", [binary])
        guard ldd.status == 0 else { throw TestFailure("ldd \(binary) failed: \(ldd.stderr)") }
        var loaded: [String] = []
        for line in ldd.stdout.split(separator: "\n") {
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let first = words.first, first != "linux-vdso.so.1" else { continue }
            let path = words.count >= 3 && words[1] == "=>" ? words[2] : first
            loaded.append(URL(fileURLWithPath: first).lastPathComponent)
            let target = root.appendingPathComponent(String(path.drop { $0 == "/" }))
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: URL(fileURLWithPath: path).resolvingSymlinksInPath(), to: target)
        }
        loadedLibraries = loaded
        try FileManager.default.copyItem(atPath: binary, toPath: root.appendingPathComponent("kubectl-evidence").path)
        for folder in ["dev", "proc", "tmp", "out"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        // How the host resolves names (a cluster's server may be a host name): configuration, not code.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        for file in ["hosts", "resolv.conf", "nsswitch.conf"] where FileManager.default.fileExists(atPath: "/etc/\(file)") {
            try FileManager.default.copyItem(at: URL(fileURLWithPath: "/etc/\(file)").resolvingSymlinksInPath(),
                                             to: root.appendingPathComponent("etc/\(file)"))
        }
        for device in ["null", "urandom"] {
            _ = FileManager.default.createFile(atPath: root.appendingPathComponent("dev/\(device)").path, contents: nil)
        }
    }

    /// The archive's README, LICENSE, completion and manual pages are there.
    func has(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: unpacked.appendingPathComponent(relativePath).path)
    }

    /// Copies a file into the root (a kubeconfig, a bundle); its path there.
    func place(_ source: String, as name: String) throws -> String {
        let target = root.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(atPath: source, toPath: target.path)
        return "/" + name
    }

    /// Runs `/kubectl-evidence ARGUMENTS` chrooted into the bare root, in a fresh mount
    /// namespace (devices and /proc mounted in it, gone with it: every host has them, and
    /// Swift reads a program's arguments from /proc/self/cmdline). The network is the
    /// host's: the lab and the cluster are reached as from any machine.
    func run(_ arguments: [String], timeout: TimeInterval = 240) throws -> ProcessResult {
        let rootPath = root.path
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let script = """
            set -e
            mount --bind /dev/null '\(rootPath)/dev/null'
            mount --bind /dev/urandom '\(rootPath)/dev/urandom'
            mount -t proc proc '\(rootPath)/proc'
            exec env -i HOME=/tmp LANG=C "$(command -v chroot)" '\(rootPath)' /kubectl-evidence \(quoted)
            """
        return try ProcessRunner.run("/usr/bin/unshare", ["--mount", "--propagation", "private", "--fork", "/bin/sh", "-c", script],
                                     environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], timeout: timeout)
    }

    /// The path inside the root of a file the binary wrote there.
    func hostPath(_ pathInRoot: String) -> String {
        root.appendingPathComponent(String(pathInRoot.drop { $0 == "/" })).path
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
