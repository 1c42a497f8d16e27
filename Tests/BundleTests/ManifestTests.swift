import Bundle
import Foundation
import Testing

@Suite struct ManifestTests {
    @Test func theJSONIsStableSortedAndRoundTrips() throws {
        let manifest = sampleManifest(pods: ["checkout-0", "checkout-1"])
        let first = try manifest.jsonData(), second = try manifest.jsonData()
        #expect(first == second)
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.hasSuffix("}\n"))
        // Top-level keys in sorted order, pretty-printed.
        let keys = ["\"cluster\"", "\"files\"", "\"pods\"", "\"run\"", "\"schemaVersion\"", "\"selection\"", "\"tool\""]
        let offsets = try keys.map { key in try #require(text.range(of: "\n  \(key) : ")?.lowerBound, "\(key) not at the top level") }
        #expect(offsets == offsets.sorted())
        #expect(text.contains("\"schemaVersion\" : 1"))
        #expect(text.contains("\"server\" : \"https://127.0.0.1:6443\""), "slashes must not be escaped")
        #expect(try Manifest.decode(from: first) == manifest)
    }

    @Test func timesAreRFC3339InUTCWithMilliseconds() throws {
        let manifest = sampleManifest(pods: ["a"])
        let text = String(decoding: try manifest.jsonData(), as: UTF8.self)
        #expect(text.contains("\"startedAt\" : \"2026-11-18T11:06:40.125Z\""), "\(text)")
        #expect(text.contains("\"finishedAt\" : \"2026-11-18T11:06:52.625Z\""))
        #expect(text.contains("\"at\" : \"2026-11-18T11:06:41.125Z\""))
        // Times written by others, without fractions or with an offset, are read too.
        var json = text.replacingOccurrences(of: "2026-11-18T11:06:40.125Z", with: "2026-11-18T12:06:40+01:00")
        var decoded = try Manifest.decode(from: Data(json.utf8))
        #expect(decoded.run.startedAt == Date(timeIntervalSince1970: 1_795_000_000))
        json = text.replacingOccurrences(of: "2026-11-18T11:06:40.125Z", with: "yesterday")
        let error = expectBundleError(.manifest) { decoded = try Manifest.decode(from: Data(json.utf8), source: "m.json") }
        #expect(error?.message.contains("m.json") == true)
        #expect(error?.message.contains("yesterday") == true)
        #expect(error?.message.contains("run.startedAt") == true, "\(error?.message ?? "")")
    }

    @Test func absentOptionalsAreLeftOutAndAllNamespacesIsNoNamespace() throws {
        var manifest = sampleManifest()
        manifest.selection = .init(namespace: nil, labelSelector: "app=checkout")
        manifest.cluster?.user = nil
        let text = String(decoding: try manifest.jsonData(), as: UTF8.self)
        #expect(!text.contains("\"namespace\""))
        #expect(!text.contains("\"user\""))
        #expect(!text.contains("null"))
        #expect(try #require(try Manifest.decode(from: Data(text.utf8)).selection).namespace == nil)
    }

    @Test func outcomesAndStepsHaveStableNames() throws {
        #expect(Manifest.Outcome.allCases.map(\.rawValue) == ["collected", "failed", "skipped", "interrupted"])
        #expect(Manifest.Step.allCases.map(\.rawValue) == ["preflight", "helper", "inject", "wait", "attach", "log", "decode", "write"])
        var manifest = sampleManifest(pods: ["a"])
        manifest.pods[0].outcome = .failed
        manifest.pods[0].failedStep = .wait
        manifest.pods[0].reason = "ErrImagePull"
        let text = String(decoding: try manifest.jsonData(), as: UTF8.self)
        #expect(text.contains("\"failedStep\" : \"wait\""))
        #expect(text.contains("\"outcome\" : \"failed\""))
    }

    @Test func aNewerSchemaOrAMissingFieldIsRefusedByName() throws {
        let text = String(decoding: try sampleManifest().jsonData(), as: UTF8.self)
        let newer = text.replacingOccurrences(of: "\"schemaVersion\" : 1", with: "\"schemaVersion\" : 3")
        let versionError = expectBundleError(.manifest) { _ = try Manifest.decode(from: Data(newer.utf8)) }
        #expect(versionError?.message.contains("schemaVersion 3") == true)
        #expect(versionError?.message.contains("reads only versions 1 and 2") == true, "\(versionError?.message ?? "")")
        // Version 2 is a bundle of several clusters: a document of one relabelled 2 lacks them.
        let relabelled = text.replacingOccurrences(of: "\"schemaVersion\" : 1", with: "\"schemaVersion\" : 2")
        let sectionsError = expectBundleError(.manifest) { _ = try Manifest.decode(from: Data(relabelled.utf8)) }
        #expect(sectionsError?.message.contains("\"clusters\" is missing or empty") == true, "\(sectionsError?.message ?? "")")

        let noServer = text.replacingOccurrences(of: "\"server\" : \"https://127.0.0.1:6443\",", with: "")
        let fieldError = expectBundleError(.manifest) { _ = try Manifest.decode(from: Data(noServer.utf8)) }
        #expect(fieldError?.message.contains("\"server\" is missing at cluster") == true, "\(fieldError?.message ?? "")")
    }

    /// The reader decodes a manifest's pods one at a time from its bytes.
    static func decodedFromBytes(_ text: String, source: String = "manifest.json") throws -> Manifest {
        try Array(text.utf8).withUnsafeBytes { try Manifest.decode(from: $0, source: source) }
    }

    @Test func podByPodDecodingGivesWhatTheWholeDocumentGives() throws {
        let manifest = sampleManifest(pods: ["checkout-0", "checkout-1", "checkout-2"])
        let text = String(decoding: try manifest.jsonData(), as: UTF8.self)
        #expect(try Self.decodedFromBytes(text) == manifest)
        #expect(try Self.decodedFromBytes(text) == (try Manifest.decode(from: Data(text.utf8))))
        // Compact, with the pods first or last: the place of the key does not matter.
        let compact = String(decoding: try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(text.utf8))), as: UTF8.self)
        #expect(try Self.decodedFromBytes(compact) == manifest)
        let empty = sampleManifest(pods: [])
        #expect(try Self.decodedFromBytes(String(decoding: try empty.jsonData(), as: UTF8.self)) == empty)
    }

    @Test func aBadPodIsNamedByItsIndexAndTheSchemaIsCheckedFirst() throws {
        let manifest = sampleManifest(pods: ["a", "b", "c"])
        let text = String(decoding: try manifest.jsonData(), as: UTF8.self)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var pods = try #require(object["pods"] as? [[String: Any]])
        pods[2]["outcome"] = "lost"
        object["pods"] = pods
        let broken = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let error = expectBundleError(.manifest) { _ = try Self.decodedFromBytes(broken, source: "m.json") }
        #expect(error?.message.contains("m.json") == true)
        #expect(error?.message.contains("pods[2].outcome") == true, "\(error?.message ?? "")")

        let newer = text.replacingOccurrences(of: "\"schemaVersion\" : 1", with: "\"schemaVersion\" : 3")
        let versionError = expectBundleError(.manifest) { _ = try Self.decodedFromBytes(newer) }
        #expect(versionError?.message.contains("schemaVersion 3") == true)
    }

    @Test func oddDocumentsAreDecodedWholeAndRefusedAsBefore() throws {
        let text = String(decoding: try sampleManifest(pods: ["a"]).jsonData(), as: UTF8.self)
        // Trailing bytes, a truncated document, pods that are not an array: JSONDecoder's own words.
        for odd in [text + "{}", String(text.dropLast(40)), text.replacingOccurrences(of: "\"pods\" : [", with: "\"pods\" : 7, \"x\" : [")] {
            let error = expectBundleError(.manifest) { _ = try Self.decodedFromBytes(odd) }
            #expect(error?.message.contains("is not valid") == true, "\(error?.message ?? "")")
        }
        // The key named twice (once with an escape): decoded whole, as JSONDecoder reads it, never half and half.
        let twice = text.replacingOccurrences(of: "\"pods\" : [", with: "\"p\\u006fds\" : [], \"pods\" : [")
        let whole = try? Manifest.decode(from: Data(twice.utf8))
        let split = try? Self.decodedFromBytes(twice)
        #expect(whole == split)
    }
}
