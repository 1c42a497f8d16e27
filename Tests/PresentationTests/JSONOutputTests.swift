import Foundation
import Presentation
import Testing

/// JSON printed by the tool carries strings from pods and bundles: no raw
/// control character may reach a terminal through it, and jq must read back
/// the same strings.
@Suite("JSON output escapes every control character")
struct JSONOutputTests {
    @Test("DEL and the C1 controls (CSI U+009B among them) are written as \\u escapes; the strings decode back unchanged")
    func controlsAreEscaped() throws {
        let hostile = ["csi": "a\u{9B}2Jb", "del": "x\u{7F}y", "c0": "\u{1B}]0;t\u{07}", "plain": "ünïcode ok", "edge": "\u{80}\u{9F}\u{A0}"]
        let data = try JSONOutput.encode(hostile)
        let bytes = [UInt8](data)
        #expect(!bytes.contains(0x7F) && !bytes.contains(0x1B))
        #expect(!zip(bytes, bytes.dropFirst()).contains { $0.0 == 0xC2 && (0x80...0x9F).contains($0.1) })
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("a\\u009b2Jb") && text.contains("x\\u007fy") && text.contains("\\u0080\\u009f\u{A0}"), "\(text)")
        #expect(text.contains("ünïcode ok"))
        #expect(try JSONDecoder().decode([String: String].self, from: data) == hostile)
        // Nothing to escape: the bytes are JSONEncoder's own.
        let calm = try JSONOutput.encode(["a": "b"])
        #expect(JSONOutput.escapingControls(calm) == calm)
    }
}
