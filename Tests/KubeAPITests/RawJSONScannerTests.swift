import Foundation
import Testing
@testable import KubeAPI

/// The byte scanner behind `rawJSON`, on compact JSON (what a Swift client
/// receives) with the strings that trip naive scanners.
@Suite("Keeping each pod's exact bytes")
struct RawJSONScannerTests {
    /// Pods whose strings hold quotes, backslashes, brackets, commas and escapes.
    static let trickyItems: [String] = [
        #"{"metadata":{"name":"a","annotations":{"x":"}]},{\"items\":[","y":"back\\slash\\"}},"spec":{"containers":[{"name":"app"}]},"status":{}}"#,
        #"{"metadata":{"name":"b","labels":{"k":"\u00e9\ud83d\ude00\n\t\"q\""}},"spec":{"containers":[{"name":"c","command":["sh","-c","echo '[{'"]}]}}"#,
        #"{ "metadata" : { "name" : "c" } , "spec" : { "containers" : null } , "extra" : [ 1 , -2.5e3 , true , false , null , [ ] , { } ] }"#,
    ]

    @Test("each item's rawJSON is exactly the bytes written for it, escapes included")
    func trickyStringsKeepExactBytes() throws {
        let body = #"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"x\"]}"},"items":["#
            + Self.trickyItems.joined(separator: ",") + "]}\n"
        let list = try PodList.decode(json: Array(body.utf8))
        #expect(list.items.map(\.metadata.name) == ["a", "b", "c"])
        #expect(list.items.map { String(decoding: $0.rawJSON, as: UTF8.self) } == Self.trickyItems)
        #expect(list.items[0].metadata.annotations["x"] == #"}]},{"items":["#)
        #expect(list.items[1].spec.containers.first?.command.last == "echo '[{'")
        #expect(list.metadata.continueToken == #"x"]}"#)
    }

    @Test("items found after a decoy key spelled with an escape, and an escaped items key")
    func escapedKeys() throws {
        // "it\u0065ms" is the key "items" to a JSON parser; the decoy "itemsX" is not.
        let body = #"{"itemsX":[1,2],"it\u0065ms":[{"metadata":{"name":"only"}}]}"#
        let list = try PodList.decode(json: Array(body.utf8))
        #expect(list.items.count == 1)
        #expect(String(decoding: list.items[0].rawJSON, as: UTF8.self) == #"{"metadata":{"name":"only"}}"#)
    }

    @Test("an empty or null items list gives no pods")
    func emptyLists() throws {
        #expect(try PodList.decode(json: Array(#"{"items":[]}"#.utf8)).items.isEmpty)
        #expect(try PodList.decode(json: Array(#"{"items":null}"#.utf8)).items.isEmpty)
        #expect(try PodList.decode(json: Array(#"{"metadata":{}}"#.utf8)).items.isEmpty)
    }

    @Test("a single pod's rawJSON drops the trailing newline of compact replies only")
    func singlePodTrimsWhitespace() throws {
        let pod = #"{"metadata":{"name":"p"},"spec":{"containers":[]}}"#
        let decoded = try Pod.decode(json: Array((pod + "\n").utf8))
        #expect(decoded.rawJSON == Array(pod.utf8))
    }

    @Test("truncated JSON is an error, not a silent partial list")
    func truncatedJSONFails() {
        let body = #"{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b""#
        #expect(throws: (any Error).self) { try PodList.decode(json: Array(body.utf8)) }
    }

    @Test("a compacted real PodList keeps each item's bytes")
    func compactedFixture() throws {
        // Strip the pretty-print whitespace outside strings to get what a non-curl client receives.
        let pretty = try Fixtures.bytes("pods/podlist.json")
        var compact: [UInt8] = []
        var inString = false
        var escaped = false
        for byte in pretty {
            if inString {
                compact.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                compact.append(byte)
            } else if ![0x20, 0x0A, 0x0D, 0x09].contains(byte) {
                compact.append(byte)
            }
        }
        compact.append(0x0A)
        let list = try PodList.decode(json: compact)
        let prettyList = try PodList.decode(json: pretty)
        #expect(list.items.count == prettyList.items.count)
        let compactText = String(decoding: compact, as: UTF8.self)
        for item in list.items {
            let raw = String(decoding: item.rawJSON, as: UTF8.self)
            #expect(raw.hasPrefix("{\"metadata\":{\"name\":\"\(item.metadata.name)\""))
            #expect(compactText.contains(raw))
            #expect(try Pod.decode(json: item.rawJSON).metadata == item.metadata)
        }
    }
}
