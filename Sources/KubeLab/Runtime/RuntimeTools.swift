import Foundation

/// The host tools the runtime drives, checked once when the runtime starts.
///
/// The last step into a container is util-linux `setpriv` (capabilities, uid, gid), and it
/// must run *after* the pivot into the container's root (which needs CAP_SYS_ADMIN, which the
/// container may not keep).
/// setpriv is dynamically linked, so it cannot simply run inside the busybox root. Instead the
/// setup script opens setpriv, the dynamic loader and a directory with setpriv's libraries
/// before the pivot and runs them through `/proc/self/fd/N` afterwards; the descriptors are
/// closed before the container's command starts, so nothing of the host stays visible.
struct RuntimeTools: Sendable {
    static let unshare = "/usr/bin/unshare"
    static let nsenter = "/usr/bin/nsenter"
    static let setpriv = "/usr/bin/setpriv"
    static let env = "/usr/bin/env"
    static let mount = "/usr/bin/mount"
    static let umount = "/usr/bin/umount"
    static let ldd = "/usr/bin/ldd"

    var busybox: String
    /// `<stateDir>/runtime-tools`: copies of setpriv, its loader and its libraries.
    var directory: String
    var setprivCopy: String { "\(directory)/setpriv" }
    var loaderCopy: String
    var libraryDirectory: String { "\(directory)/lib" }

    static func prepare(busybox: String, stateDirectory: URL) throws(LabRuntimeError) -> RuntimeTools {
        let fm = FileManager.default
        let packages = [
            unshare: "util-linux", nsenter: "util-linux", setpriv: "util-linux", env: "coreutils",
            mount: "mount", umount: "mount", ldd: "libc-bin", busybox: "busybox-static",
        ]
        for (tool, package) in packages.sorted(by: { $0.key < $1.key }) where !fm.isExecutableFile(atPath: tool) {
            throw LabRuntimeError.missingTool(tool, package: package)
        }
        let directory = stateDirectory.appendingPathComponent("runtime-tools").path
        let lib = "\(directory)/lib"
        let output: String
        do {
            let result = try ToolRun.run(ldd, [setpriv])
            guard result.status == 0 else { throw LabRuntimeError.missingTool(setpriv, package: "util-linux") }
            output = result.output
        } catch {
            throw LabRuntimeError.missingTool(ldd, package: "libc-bin")
        }
        // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" and "/lib64/ld-linux-x86-64.so.2 (0x…)".
        var libraries: [String] = []
        var loader: String?
        for line in output.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if let arrow = words.firstIndex(of: "=>"), arrow + 1 < words.count, words[arrow + 1].hasPrefix("/") {
                libraries.append(words[arrow + 1])
            } else if let first = words.first, first.hasPrefix("/") {
                loader = first
            }
        }
        guard let loader else {
            throw LabRuntimeError(.missingTool, "Could not find the dynamic loader of \(setpriv) in the output of ldd: \(output)")
        }
        let loaderName = (loader as NSString).lastPathComponent
        do {
            try? fm.removeItem(atPath: directory)
            try fm.createDirectory(atPath: lib, withIntermediateDirectories: true)
            // Copies of the files themselves, not of symlinks: inside the container's root an absolute
            // symlink would point into the busybox root.
            try fm.copyItem(atPath: realPath(setpriv), toPath: "\(directory)/setpriv")
            try fm.copyItem(atPath: realPath(loader), toPath: "\(lib)/\(loaderName)")
            for library in libraries {
                try fm.copyItem(atPath: realPath(library), toPath: "\(lib)/\((library as NSString).lastPathComponent)")
            }
        } catch {
            throw LabRuntimeError(.stateDirectory, "Could not copy setpriv and its libraries into \(directory): \(error).")
        }
        return RuntimeTools(busybox: busybox, directory: directory, loaderCopy: "\(lib)/\(loaderName)")
    }

    private static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
