/// JSON Schemas (draft 2020-12) of the bundle's JSON files. They are data,
/// kept as `.json` files in `Schemas/` and compiled into the binary (as the
/// profiles are), so that `kubectl-evidence schema NAME` prints the one
/// matching this tool's output, with no file to ship beside it.
///
/// Each schema is self-contained (its `$defs` repeat the shared parts), so a
/// consumer can validate with one document. Fields the writer leaves out when
/// they have no value are not `required`; the rest are. Objects refuse
/// properties they do not describe, so a change of the Swift models that is
/// not made in the schema too fails the schema tests instead of drifting silently.
enum Schemas {
    struct Document: Sendable {
        var name: String
        /// The file it describes, as found in a bundle.
        var file: String
        var text: String

        init(name: String, file: String, bytes: [UInt8]) {
            self.name = name
            self.file = file
            // `schema NAME` prints it with a newline of its own.
            var text = String(decoding: bytes, as: UTF8.self)
            while text.hasSuffix("\n") { text.removeLast() }
            self.text = text
        }
    }

    static let all: [Document] = [
        Document(name: "manifest", file: "manifest.json", bytes: PackageResources.manifest_schema_json),
        Document(name: "processes", file: "pods/<ns>/<pod>/containers/<target>/processes.json", bytes: PackageResources.processes_schema_json),
        Document(name: "sockets", file: "pods/<ns>/<pod>/containers/<target>/sockets.json", bytes: PackageResources.sockets_schema_json),
        Document(name: "namespaces", file: "pods/<ns>/<pod>/containers/<target>/namespaces.json", bytes: PackageResources.namespaces_schema_json),
        Document(name: "diff", file: "the output of kubectl-evidence diff --json", bytes: PackageResources.diff_schema_json),
    ]

    static func named(_ name: String) -> Document? { all.first { $0.name == name } }
}
