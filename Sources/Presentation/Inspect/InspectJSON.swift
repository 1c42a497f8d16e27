import Bundle
import Evidence
import Foundation

/// `inspect --json`: the manifest's run parts, and per pod its manifest entry
/// with the three evidence documents (the shapes of `kubectl-evidence schema
/// processes|sockets|namespaces`). JSON escapes every control character, so
/// hostile strings are safe here as they are.
///
/// Written as a stream, as `JSONOutput` prints (pretty, keys sorted): each
/// container's documents are encoded while the bundle is read and wait in an
/// ``EvidenceSpill``, so a bundle of thousands of pods is printed without its
/// tables, or its JSON, held in memory.
public enum InspectJSON {
    /// One container's documents, encoded and put aside until the manifest says where they go.
    public struct EncodedEvidence: Sendable {
        var source: InspectedBundle.ContainerEvidence.Source
        var processes: EvidenceSpill.Span
        var sockets: EvidenceSpill.Span
        var namespaces: EvidenceSpill.Span
    }

    /// Encodes a container's evidence into `spill` (the reduction ``InspectedBundle/read`` applies).
    static func encode(_ evidence: InspectedBundle.ContainerEvidence, into spill: EvidenceSpill) throws -> EncodedEvidence {
        let encoder = Manifest.makeEncoder()
        return EncodedEvidence(
            source: evidence.source,
            processes: try spill.append(try encoder.encode(evidence.processes)),
            sockets: try spill.append(try encoder.encode(evidence.sockets)),
            namespaces: try spill.append(try encoder.encode(evidence.namespaces)))
    }

    /// Writes the document in pieces, in order; `spill` holds the pods' encoded evidence.
    public static func render(_ bundle: InspectedBundle, spill: EvidenceSpill?, to output: (Data) throws -> Void) throws {
        // Each piece is whole JSON text (no UTF-8 sequence is split), escaped as JSONOutput escapes.
        try renderEscaped(bundle, spill: spill) { try output(JSONOutput.escapingControls($0)) }
    }

    private static func renderEscaped(_ bundle: InspectedBundle, spill: EvidenceSpill?, to write: (Data) throws -> Void) throws {
        var outcomes: [String: Int] = [:]
        for outcome in Manifest.Outcome.allCases { outcomes[outcome.rawValue] = 0 }
        for pod in bundle.manifest.pods { outcomes[pod.outcome.rawValue, default: 0] += 1 }
        let manifest = bundle.manifest
        // Keys in sorted order, as JSONOutput writes every object.
        // A bundle of one cluster has `cluster` and `selection`; one of several has `clusters` instead.
        var members: [(String, any Encodable)] = [("bundle", bundle.path)]
        if let cluster = manifest.cluster { members.append(("cluster", cluster)) }
        if let clusters = manifest.clusters { members.append(("clusters", clusters)) }
        members += [("manifestSHA256", bundle.manifestSHA256), ("outcomes", outcomes)]
        var after: [(String, any Encodable)] = [("run", manifest.run)]
        if let selection = manifest.selection { after.append(("selection", selection)) }
        after += [("signature", bundle.signature.word), ("tool", manifest.tool)]
        try write(Data("{\n".utf8))
        for (key, value) in members { try write(try member(key, value, depth: 1, last: false)) }
        try write(Data("  \"pods\" : [".utf8))
        for (index, pod) in bundle.pods.enumerated() {
            try write(Data((index == 0 ? "\n" : ",\n").utf8))
            try writePod(pod, spill: spill, to: write)
        }
        // An empty array as JSONEncoder prints one at this depth.
        try write(Data((bundle.pods.isEmpty ? "\n\n  ],\n" : "\n  ],\n").utf8))
        for (index, (key, value)) in after.enumerated() {
            try write(try member(key, value, depth: 1, last: index == after.count - 1))
        }
        try write(Data("}\n".utf8))
    }

    /// One element of `pods`, at depth 2: `evidenceSource`, `namespaces`, `pod`, `processes`, `sockets`.
    private static func writePod(_ pod: InspectedBundle.Pod, spill: EvidenceSpill?, to write: (Data) throws -> Void) throws {
        var members: [(String, Data)] = []
        let encoder = Manifest.makeEncoder()
        if let encoded = pod.encoded, let spill {
            members = [
                ("evidenceSource", try encoder.encode(encoded.source)), ("namespaces", try spill.read(encoded.namespaces)),
                ("pod", try encoder.encode(pod.entry)), ("processes", try spill.read(encoded.processes)),
                ("sockets", try spill.read(encoded.sockets)),
            ]
        } else if let evidence = pod.evidence {
            members = [
                ("evidenceSource", try encoder.encode(evidence.source)), ("namespaces", try encoder.encode(evidence.namespaces)),
                ("pod", try encoder.encode(pod.entry)), ("processes", try encoder.encode(evidence.processes)),
                ("sockets", try encoder.encode(evidence.sockets)),
            ]
        } else {
            members = [("pod", try encoder.encode(pod.entry))]
        }
        var out = Data("    {\n".utf8)
        for (index, (key, value)) in members.enumerated() {
            out.append(encodedMember(key, value, depth: 3, last: index == members.count - 1))
        }
        out.append(Data("    }".utf8))
        try write(out)
    }

    private static func member(_ key: String, _ value: any Encodable, depth: Int, last: Bool) throws -> Data {
        encodedMember(key, try Manifest.makeEncoder().encode(value), depth: depth, last: last)
    }

    /// `"key" : value` at `depth` (two spaces a level), the value's own lines indented to match.
    /// The keys are this file's own names, which need no escaping.
    private static func encodedMember(_ key: String, _ value: Data, depth: Int, last: Bool) -> Data {
        let indent = [UInt8](repeating: UInt8(ascii: " "), count: 2 * depth)
        var out = [UInt8]()
        out.reserveCapacity(value.count + value.count / 8 + key.utf8.count + 16)
        out += indent
        out += Array("\"\(key)\" : ".utf8)
        // A JSON string never holds a raw newline: every newline is the encoder's own layout.
        value.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var start = 0
            while let newline = raw[start...].firstIndex(of: UInt8(ascii: "\n")) {
                out += raw[start...newline]
                // The blank line of an empty array or object stays blank.
                if newline + 1 < raw.count, raw[newline + 1] != UInt8(ascii: "\n") { out += indent }
                start = newline + 1
            }
            out += raw[start...]
        }
        out += Array((last ? "\n" : ",\n").utf8)
        return Data(out)
    }
}
