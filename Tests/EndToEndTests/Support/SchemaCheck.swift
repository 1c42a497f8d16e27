import Foundation
import TestSupport

/// Validates a bundle's manifest.json and every pod's processes.json,
/// sockets.json and namespaces.json against the schemas `kubectl-evidence
/// schema` prints (Python's jsonschema, draft 2020-12), so that every bundle a
/// test makes, on the lab or a real cluster, keeps the schemas honest.
enum SchemaCheck {
    static let names = ["manifest", "processes", "sockets", "namespaces"]

    /// Writes each schema the tool prints into `directory`.
    static func writeSchemas(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in names {
            let result = try ToolBinary.run(["schema", name])
            guard result.status == 0 else { throw TestFailure("schema \(name) failed: \(result.stderr)") }
            try result.stdout.write(toFile: "\(directory)/\(name).schema.json", atomically: true, encoding: .utf8)
        }
    }

    /// The documents that were checked (`manifest.json`, then each pod file,
    /// or the first `podDocuments` of them, for a bundle of thousands of pods);
    /// throws naming the first document that does not match, and why.
    static func validate(bundle: String, podDocuments: Int? = nil) throws -> [String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schemas-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try writeSchemas(to: directory)
        let result = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, directory, bundle, String(podDocuments ?? -1)], timeout: 300)
        guard result.status == 0 else { throw TestFailure("\(bundle): \(result.stderr)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    private static let script = #"""
    import json, sys, tarfile, jsonschema
    directory, bundle, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    pod_documents = 0
    validators = {}
    for name in ["manifest", "processes", "sockets", "namespaces"]:
        schema = json.load(open(f"{directory}/{name}.schema.json"))
        jsonschema.Draft202012Validator.check_schema(schema)
        validators[name] = jsonschema.Draft202012Validator(schema)
    with tarfile.open(bundle, "r:gz") as archive:
        for member in archive.getmembers():
            base = member.name.rsplit("/", 1)[-1]
            if member.name == "manifest.json":
                name = "manifest"
            elif base in ("processes.json", "sockets.json", "namespaces.json") and member.name.startswith(("pods/", "clusters/")):
                if 0 <= limit <= pod_documents:
                    continue
                pod_documents += 1
                name = base[:-5]
            else:
                continue
            errors = sorted(validators[name].iter_errors(json.load(archive.extractfile(member))), key=lambda e: list(e.path))
            if errors:
                sys.exit(f"{member.name} does not match the {name} schema: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5]))
            print(member.name)
    """#
}
