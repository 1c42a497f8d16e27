import Foundation
import TestSupport

/// One signed bundle of the demo's checkout and db pods, collected once for
/// every `inspect`, `verify` and schema test: a lab is started, a key pair is
/// made with `keygen`, `collect --sign-key` runs, and the lab is stopped at
/// once (the tests only read the bundle, so no lab outlives them).
struct DemoBundle: Sendable {
    let directory: String
    let bundle: String
    /// The private key that signed it, and its public half.
    let key: String
    let publicKey: String
    /// The manifest digest `collect` printed.
    let manifestSHA256: String

    static func get() throws -> DemoBundle { try shared.get() }

    private static let shared: Result<DemoBundle, any Error> = Result { try make() }

    private static func make() throws -> DemoBundle {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("demo-bundle-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = directory + "/signing.key"
        let keygen = try ToolBinary.run(["keygen", "--out", key])
        guard keygen.status == 0 else { throw TestFailure("keygen failed: \(keygen.stderr)") }

        let lab = try LabProcess.start()
        defer { lab.stop() }
        let bundle = directory + "/demo.tar.gz"
        let collect = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app in (checkout,db)",
                                          "--sign-key", key, "-q", "-o", bundle], timeout: 180)
        guard collect.status == 0 else { throw TestFailure("collect failed (\(collect.status)): \(collect.stderr)\n\(collect.stdout)") }
        guard let range = collect.stdout.range(of: "manifest SHA-256 ") else {
            throw TestFailure("collect did not print the manifest's SHA-256: \(collect.stdout)")
        }
        let digest = String(collect.stdout[range.upperBound...].prefix(64))
        return DemoBundle(directory: directory, bundle: bundle, key: key, publicKey: key + ".pub", manifestSHA256: digest)
    }

    /// A fresh path in the bundle's directory.
    func path(_ name: String) -> String { "\(directory)/\(name)-\(UUID().uuidString.prefix(8))" }
}

/// Rewrites a bundle with Python's tarfile, member by member in the same
/// order, doing one thing to one member: how an attacker or a bad copy would
/// change it.
enum TarRewrite {
    enum Action: String {
        /// Flip the lowest bit of the middle byte.
        case flip
        /// Leave the member out.
        case remove
        /// Change the SHA-256 the manifest lists for the target (manifest.json is re-serialised).
        case editManifestHash = "edit-manifest-hash"
        /// Add an extra member after every other one.
        case append
        /// Replace the target's content with the given text; a new target goes right before manifest.json.
        case put
        /// Append as many spaces as the text says: valid JSON stays valid, and grows at almost no cost in the archive.
        case pad
    }

    static func rewrite(_ source: String, to destination: String, _ action: Action, _ target: String, text: String = "") throws {
        let script = #"""
        import io, json, sys, tarfile
        source, destination, action, target, text_file = sys.argv[1:6]
        with open(text_file, encoding="utf-8") as f:
            text = f.read()
        found = False
        def add(out, name, data, template=None):
            info = template if template is not None else tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
        with tarfile.open(source, "r:gz") as original, tarfile.open(destination, "w:gz", format=tarfile.PAX_FORMAT) as out:
            for member in original.getmembers():
                data = original.extractfile(member).read()
                if action == "put" and not found and member.name == "manifest.json":
                    add(out, target, text.encode())  # a new file goes before the manifest, as the writer puts it
                    found = True
                if action == "edit-manifest-hash" and member.name == "manifest.json":
                    manifest = json.loads(data)
                    for f in manifest["files"]:
                        if f["path"] == target:
                            f["sha256"] = ("0" if f["sha256"][0] != "0" else "1") + f["sha256"][1:]
                            found = True
                    data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
                elif member.name == target:
                    found = True
                    if action == "remove":
                        continue
                    if action == "flip":
                        middle = len(data) // 2
                        data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]
                    if action == "put":
                        data = text.encode()
                    if action == "pad":
                        data = data + b" " * int(text)
                add(out, member.name, data, member)
            if action == "append":
                add(out, target, text.encode())
                found = True
        if not found:
            sys.exit("no member " + target)
        """#
        // The text goes through a file: one argument may not exceed 128 KiB (MAX_ARG_STRLEN), and a
        // sockets.json of a busy machine's /proc/net/unix is larger.
        let textFile = destination + ".text"
        try Data(text.utf8).write(to: URL(fileURLWithPath: textFile))
        defer { try? FileManager.default.removeItem(atPath: textFile) }
        let result = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, source, destination, action.rawValue, target, textFile])
        guard result.status == 0 else { throw TestFailure("python3 could not rewrite \(source): \(result.stderr)") }
    }
}
