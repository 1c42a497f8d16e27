/// JSON Schemas (draft 2020-12) of the bundle's JSON files, compiled into the
/// binary so that `kubectl-evidence schema NAME` prints the one matching this
/// tool's output, with no file to ship beside it.
///
/// Each schema is self-contained (its `$defs` repeat the shared parts), so a
/// consumer can validate with one document. Fields the writer leaves out when
/// they have no value are not `required`; the rest are. Objects refuse
/// properties they do not describe, so a change of the Swift models that is
/// not made here too fails the schema tests instead of drifting silently.
enum Schemas {
    struct Document: Sendable {
        var name: String
        /// The file it describes, as found in a bundle.
        var file: String
        var text: String
    }

    static let all: [Document] = [
        Document(name: "manifest", file: "manifest.json", text: manifest),
        Document(name: "processes", file: "pods/<ns>/<pod>/containers/<target>/processes.json", text: processes),
        Document(name: "sockets", file: "pods/<ns>/<pod>/containers/<target>/sockets.json", text: sockets),
        Document(name: "namespaces", file: "pods/<ns>/<pod>/containers/<target>/namespaces.json", text: namespaces),
        Document(name: "diff", file: "the output of kubectl-evidence diff --json", text: diff),
    ]

    static func named(_ name: String) -> Document? { all.first { $0.name == name } }

    static let draft = "https://json-schema.org/draft/2020-12/schema"

    /// `$defs` entries shared by the evidence files: a parse problem and a gap.
    static let evidenceDefs = #"""
        "problem": {
          "description": "A record that did not parse: which record, and what was wrong, in a full sentence.",
          "type": "object",
          "required": ["key", "message"],
          "additionalProperties": false,
          "properties": {
            "key": { "type": "string", "description": "The in-pod script's record key, e.g. proc/42/stat; \"-\" for the note that more problems were left out." },
            "message": { "type": "string" }
          }
        },
        "gap": {
          "description": "What the in-pod script could not read, grouped by what and why.",
          "type": "object",
          "required": ["area", "what", "reason", "count", "pids", "keys", "itemsLeftOut", "message"],
          "additionalProperties": false,
          "properties": {
            "area": { "enum": ["processes", "sockets", "namespaces", "run"] },
            "what": { "type": "string" },
            "reason": { "type": "string", "description": "The reason as the OS said it, escaped." },
            "count": { "type": "integer", "minimum": 0 },
            "pids": { "type": "array", "items": { "type": "integer" } },
            "keys": { "type": "array", "items": { "type": "string" } },
            "itemsLeftOut": { "type": "integer", "minimum": 0 },
            "message": { "type": "string" },
            "remedy": { "type": "string", "description": "What would have read it (for example a profile with SYS_PTRACE)." }
          }
        },
        "uint": { "type": "integer", "minimum": 0 }
    """#
}
