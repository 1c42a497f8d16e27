import Foundation
import Testing
import TestSupport

/// The JSON Schemas `kubectl-evidence schema` prints are valid draft 2020-12
/// schemas, and real bundles validate against them (Python's jsonschema).
@Suite("schemas")
struct SchemaEndToEndTests {
    private static let validator = #"""
    import json, sys, tarfile, jsonschema
    directory, bundle, inspected = sys.argv[1:4]
    schemas = {n: json.load(open(f"{directory}/{n}.schema.json")) for n in ["manifest", "processes", "sockets", "namespaces"]}
    validators = {}
    for name, schema in schemas.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        validators[name] = jsonschema.Draft202012Validator(schema)
    checked = []
    def check(name, document, where):
        errors = sorted(validators[name].iter_errors(document), key=lambda e: list(e.path))
        if errors:
            sys.exit(f"{where} does not match the {name} schema: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5]))
        checked.append(where)
    with tarfile.open(bundle, "r:gz") as archive:
        for member in archive.getmembers():
            base = member.name.rsplit("/", 1)[-1]
            if member.name == "manifest.json":
                check("manifest", json.load(archive.extractfile(member)), member.name)
            elif base in ("processes.json", "sockets.json", "namespaces.json") and member.name.startswith("pods/"):
                check(base[:-5], json.load(archive.extractfile(member)), member.name)
    for pod in json.load(open(inspected))["pods"]:
        for name in ("processes", "sockets", "namespaces"):
            if name in pod:
                check(name, pod[name], f"{pod['pod']['name']} {name} (inspect --json)")
    # The validator does reject: a manifest listing an absolute path and a short digest.
    manifest = json.load(tarfile.open(bundle, "r:gz").extractfile("manifest.json"))
    manifest["files"][0]["path"] = "/etc/passwd"
    manifest["files"][0]["sha256"] = "00"
    if len(list(validators["manifest"].iter_errors(manifest))) != 2:
        sys.exit("the manifest schema accepted an absolute path or a short digest")
    print("\n".join(checked))
    """#

    @Test("every schema is a valid draft 2020-12 schema, and a real bundle's manifest and every pod's evidence match")
    func realBundleValidates() throws {
        let demo = try DemoBundle.get()
        let directory = demo.path("schemas")
        try SchemaCheck.writeSchemas(to: directory)
        let inspected = directory + "/inspect.json"
        let inspect = try ToolBinary.run(["inspect", demo.bundle, "--json"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        try inspect.stdout.write(toFile: inspected, atomically: true, encoding: .utf8)

        let result = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", Self.validator, directory, demo.bundle, inspected])
        #expect(result.status == 0, "\(result.stderr)")
        let checked = result.stdout.split(separator: "\n")
        #expect(checked.contains("manifest.json"))
        // 5 pods × 3 documents from inspect, plus the manifest (and the bundle's own files once collect writes them).
        #expect(checked.count >= 16, "\(checked)")
    }

    @Test("schema without a name lists the four schemas; an unknown name is a usage error")
    func listing() throws {
        let list = try ToolBinary.run(["schema"])
        #expect(list.status == 0)
        for name in SchemaCheck.names { #expect(list.stdout.contains(name)) }
        let unknown = try ToolBinary.run(["schema", "pods"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("There is no schema named \"pods\""), "\(unknown.stderr)")
    }
}
