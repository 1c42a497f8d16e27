import Foundation
import Testing
@testable import KubeAPI

/// Every response recorded from the real API server decodes into our models.
@Suite("Decoding the recorded API server responses")
struct FixtureDecodingTests {
    /// Every fixture that is a single Pod (GET, PATCH and create replies).
    /// Throws (and so fails the tests that use it) when the recordings are missing.
    static func podFixtures() throws -> [String] {
        let ephemeral = try Fixtures.files(in: "ephemeral", suffix: ".json")
        let extra = ["pods/pod-running.json", "watch/patch-response.json", "errors/200-ephemeral-duplicate-name-smp-identical-noop.json",
                     "errors/200-podsecurity-ephemeral-compliant.json", "errors/201-podsecurity-pod-create.json"]
        return ephemeral.filter { !$0.hasSuffix("-request.json") } + extra
    }

    @Test("each recorded pod decodes, and rawJSON is the whole reply", arguments: try podFixtures())
    func singlePodDecodes(fixture: String) throws {
        let bytes = try Fixtures.bytes(fixture)
        let pod = try Pod.decode(json: bytes)
        #expect(!pod.metadata.name.isEmpty)
        #expect(pod.metadata.uid != nil)
        #expect(!pod.spec.containers.isEmpty)
        #expect(pod.rawJSON == Array(bytes))  // the fixtures carry no surrounding whitespace
    }

    @Test("pod A's running state, node, owner and container statuses are read")
    func runningPodFields() throws {
        let pod = try Pod.decode(json: Fixtures.bytes("pods/pod-running.json"))
        #expect(pod.metadata.name == "checkout-78b65f974c-7mtxn")
        #expect(pod.metadata.namespace == "fixtures")
        #expect(pod.metadata.resourceVersion == "1983")
        #expect(pod.metadata.generation == 1)
        #expect(pod.metadata.labels["app"] == "checkout")
        #expect(pod.metadata.ownerReferences.first?.kind == "ReplicaSet")
        #expect(pod.spec.nodeName == "node1")
        #expect(pod.status.phase == "Running")
        #expect(pod.status.containerStatuses.count == 2)
        #expect(pod.status.containerStatuses.allSatisfy { $0.state.running != nil && $0.ready })
        #expect(pod.status.containerStatuses.allSatisfy { ($0.imageID ?? "").hasPrefix("sha256:") })
        #expect(pod.spec.ephemeralContainers.isEmpty)
    }

    @Test("the ephemeral container's waiting, running and terminated states are read")
    func ephemeralStates() throws {
        let waiting = try Pod.decode(json: Fixtures.bytes("ephemeral/pod-ephemeral-waiting.json"))
        #expect(waiting.status.ephemeralContainerStatuses.first { $0.name == "evidence-1" }?.state.waiting?.reason == "ContainerCreating")

        let running = try Pod.decode(json: Fixtures.bytes("ephemeral/pod-ephemeral-running.json"))
        #expect(running.status.ephemeralContainerStatuses.first { $0.name == "evidence-1" }?.state.running?.startedAt != nil)

        let terminated = try Pod.decode(json: Fixtures.bytes("ephemeral/pod-ephemeral-terminated.json"))
        let state = try #require(terminated.status.ephemeralContainerStatuses.first { $0.name == "evidence-1" }?.state.terminated)
        #expect(state.exitCode == 0)
        #expect(state.reason == "Completed")
        #expect(state.message == "sha256:abc123")
        let container = try #require(terminated.spec.ephemeralContainers.first { $0.name == "evidence-1" })
        #expect(container.targetContainerName == "app")
        #expect(container.securityContext?.capabilities?.add == ["SYS_PTRACE"])
        // Never read back, and tens of KB per earlier run: not kept (the pod's bytes keep them).
        #expect(container.command.isEmpty && container.args.isEmpty)
        #expect(String(decoding: terminated.rawJSON, as: UTF8.self).contains(#""command""#))

        let backoff = try Pod.decode(json: Fixtures.bytes("ephemeral/pod-missing-image-after-39s-imagepullbackoff.json"))
        #expect(backoff.status.ephemeralContainerStatuses.first { $0.name == "evidence-missing" }?.state.waiting?.reason == "ImagePullBackOff")
    }

    static let listFixtures = ["pods/podlist.json", "pods/podlist-page1.json", "pods/podlist-page2.json", "pods/podlist-fieldselector-running.json"]

    @Test("each PodList item's rawJSON is exactly its bytes in the reply", arguments: listFixtures)
    func podListItemsKeepTheirBytes(fixture: String) throws {
        let bytes = try Fixtures.bytes(fixture)
        let list = try PodList.decode(json: bytes)
        #expect(!list.items.isEmpty)
        #expect(list.metadata.resourceVersion != nil)

        // Independent of the scanner: in the server's 2-space pretty print each item
        // starts at a line "    {" and ends at a line "    }" inside "items".
        let expected = Self.prettyPrintedItems(bytes)
        #expect(expected.count == list.items.count)
        for (item, slice) in zip(list.items, expected) {
            #expect(item.rawJSON == slice)
            let again = try Pod.decode(json: item.rawJSON)
            #expect(again.metadata == item.metadata)
            #expect(again.status == item.status)
        }
    }

    @Test("a list read only to plan keeps no item's bytes, and decodes the same pods", arguments: listFixtures)
    func planningListKeepsNoBytes(fixture: String) throws {
        let bytes = try Fixtures.bytes(fixture)
        let kept = try PodList.decode(json: bytes)
        let planned = try PodList.decode(json: bytes, keepingBytes: false)
        #expect(!planned.items.isEmpty)
        #expect(planned.items.allSatisfy { $0.rawJSON.isEmpty })
        #expect(planned.items.map(\.metadata) == kept.items.map(\.metadata))
        #expect(planned.items.map(\.spec) == kept.items.map(\.spec))
        #expect(planned.metadata.resourceVersion == kept.metadata.resourceVersion)
    }

    @Test("the first page carries a continue token and no remainingItemCount; the last page none")
    func paginationMetadata() throws {
        let first = try PodList.decode(json: Fixtures.bytes("pods/podlist-page1.json"))
        #expect(first.items.count == 2)
        #expect(first.metadata.continueToken?.hasPrefix("eyJ") == true)
        #expect(first.metadata.remainingItemCount == nil)
        let last = try PodList.decode(json: Fixtures.bytes("pods/podlist-page2.json"))
        #expect(last.metadata.continueToken == nil)
        #expect(last.metadata.resourceVersion == first.metadata.resourceVersion)
    }

    static let watchFixtures = ["watch/stream.jsonl", "watch/stream-timeoutseconds15.jsonl",
                                "errors/watch-rv1-200-stream-error-410.jsonl", "errors/watch-sendinitialevents-200-stream-error-500.jsonl"]

    @Test("every watch event line decodes; a pod's rawJSON is exactly the object value", arguments: watchFixtures)
    func watchLinesDecode(fixture: String) throws {
        let bytes = try Fixtures.bytes(fixture)
        let lines = bytes.split(separator: UInt8(ascii: "\n")).map(Array.init)
        #expect(!lines.isEmpty)
        for line in lines {
            let event = try WatchEvent.decode(line: line)
            switch event.object {
            case .pod(let pod):
                // `{"type":"X","object":` … `}`: the object is everything between.
                let prefix = Array("{\"type\":\"\(event.type.rawValue)\",\"object\":".utf8)
                #expect(Array(line.prefix(prefix.count)) == prefix)
                #expect(pod.rawJSON == Array(line[prefix.count..<(line.count - 1)]))
                #expect(pod.metadata.resourceVersion != nil)
            case .status(let status):
                #expect(event.type == .error)
                #expect(status.code != nil)
            }
        }
    }

    @Test("a BOOKMARK with containers: null decodes as a pod with only a resourceVersion")
    func bookmarkWithNullContainers() throws {
        let lines = try Fixtures.bytes("watch/stream-timeoutseconds15.jsonl").split(separator: UInt8(ascii: "\n")).map(Array.init)
        let bookmark = try #require(try lines.map(WatchEvent.decode(line:)).first { $0.type == .bookmark })
        #expect(bookmark.resourceVersion == "2132")
        #expect(bookmark.pod?.spec.containers == [])
        #expect(bookmark.pod?.metadata.name == "")
    }

    @Test("the four MODIFIED events of the recorded watch follow pod C's ephemeral container")
    func recordedWatchSequence() throws {
        let lines = try Fixtures.bytes("watch/stream.jsonl").split(separator: UInt8(ascii: "\n")).map(Array.init)
        let events = try lines.map(WatchEvent.decode(line:))
        #expect(events.map(\.type) == [.modified, .modified, .modified, .modified])
        #expect(events.map(\.resourceVersion) == ["2056", "2059", "2063", "2066"])
        let last = try #require(events.last?.pod?.status.ephemeralContainerStatuses.first { $0.name == "evidence-watch" })
        #expect(last.state.terminated?.message == "sha256:abc123")
    }

    @Test("the 410 ERROR event carries the Expired Status")
    func goneErrorEvent() throws {
        let line = try Fixtures.bytes("errors/watch-rv1-200-stream-error-410.jsonl").split(separator: UInt8(ascii: "\n")).map(Array.init)
        let event = try WatchEvent.decode(line: try #require(line.first))
        #expect(event.type == .error)
        #expect(event.status?.code == 410)
        #expect(event.status?.reason == "Expired")
        #expect(event.status?.message == "too old resource version: 1 (1544)")
    }

    /// Throws (and so fails the tests that use it) when the recordings are missing.
    static func statusFixtures() throws -> [String] {
        let all = try Fixtures.files(in: "errors", suffix: ".json")
        return all.filter { name in
            let file = name.split(separator: "/").last.map(String.init) ?? ""
            return !file.contains("request") && (file.hasPrefix("4") || file.hasPrefix("5"))
        }
    }

    @Test("every recorded error reply decodes as a Status with its HTTP code", arguments: try statusFixtures())
    func errorRepliesDecodeAsStatus(fixture: String) throws {
        let status = try JSONDecoder().decode(Status.self, from: Data(Fixtures.bytes(fixture)))
        let file = fixture.split(separator: "/").last.map(String.init) ?? ""
        #expect(status.code.map(String.init) == String(file.prefix(3)))
        #expect(status.status == "Failure")
        #expect(status.reason?.isEmpty == false)
        #expect(status.message?.isEmpty == false)
    }

    @Test("a 422 Status keeps each cause with its field, reason and message")
    func statusCauses() throws {
        let status = try JSONDecoder().decode(Status.self, from: Data(Fixtures.bytes("errors/422-ephemeral-remove.json")))
        #expect(status.details?.name == "checkout-78b65f974c-7mtxn")
        #expect(status.details?.kind == "Pod")
        #expect(status.details?.causes.count == 2)
        #expect(status.details?.causes.allSatisfy { $0.field == "spec.ephemeralContainers" && $0.reason == "FieldValueForbidden" } == true)
        #expect(status.details?.causes.first?.message?.hasSuffix("may not be removed\n") == true)
    }

    @Test("SelfSubjectAccessReview replies: allowed for admin, not for the service account", arguments: [
        ("auth/ssar-patch-ephemeralcontainers-response.json", true), ("auth/ssar-patch-ephemeralcontainers-response-as-nobody.json", false),
        ("auth/ssar-get-pods-log-response.json", true), ("auth/ssar-get-pods-log-response-as-nobody.json", false),
        ("auth/ssar-list-pods-response.json", true), ("auth/ssar-list-pods-response-as-nobody.json", false),
    ])
    func accessReviews(fixture: String, allowed: Bool) throws {
        let review = try JSONDecoder().decode(SelfSubjectAccessReview.self, from: Data(Fixtures.bytes(fixture)))
        #expect(review.status?.allowed == allowed)
        #expect(review.status?.denied == nil)
        #expect(review.spec.resourceAttributes?.namespace == "fixtures")
    }

    @Test("the SSAR for ephemeralcontainers echoes verb, resource and subresource")
    func accessReviewAttributes() throws {
        let review = try JSONDecoder().decode(
            SelfSubjectAccessReview.self, from: Data(Fixtures.bytes("auth/ssar-patch-ephemeralcontainers-response.json")))
        #expect(review.spec.resourceAttributes?.verb == "patch")
        #expect(review.spec.resourceAttributes?.resource == "pods")
        #expect(review.spec.resourceAttributes?.subresource == "ephemeralcontainers")
    }

    @Test("SelfSubjectReview replies give the user name, groups and extra")
    func selfSubjectReviews() throws {
        let admin = try JSONDecoder().decode(SelfSubjectReview.self, from: Data(Fixtures.bytes("auth/selfsubjectreview-response.json")))
        #expect(admin.status?.userInfo.username == "admin")
        #expect(admin.status?.userInfo.groups == ["system:masters", "system:authenticated"])
        #expect(admin.status?.userInfo.extra["authentication.kubernetes.io/credential-id"]?.first?.hasPrefix("X509SHA256=") == true)

        let nobody = try JSONDecoder().decode(SelfSubjectReview.self, from: Data(Fixtures.bytes("auth/selfsubjectreview-response-as-nobody.json")))
        #expect(nobody.status?.userInfo.username == "system:serviceaccount:fixtures:nobody")
        #expect(nobody.status?.userInfo.uid != nil)
        #expect(nobody.status?.userInfo.groups.count == 3)
    }

    @Test("the /version reply decodes")
    func version() throws {
        let version = try JSONDecoder().decode(ServerVersion.self, from: Data(Fixtures.bytes("discovery/version.json")))
        #expect(version.major == "1")
        #expect(version.minor == "36")
        #expect(version.gitVersion == "v1.36.2")
        #expect(version.platform == "linux/amd64")
    }

    /// Item byte ranges of a pretty-printed PodList, found by its line structure.
    static func prettyPrintedItems(_ bytes: [UInt8]) -> [[UInt8]] {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let itemsRange = text.range(of: "\n  \"items\": [") else { return [] }
        var result: [[UInt8]] = []
        var searchFrom = itemsRange.upperBound
        while let open = text.range(of: "\n    {\n", range: searchFrom..<text.endIndex),
            let close = text.range(of: "\n    }", range: open.upperBound..<text.endIndex)
        {
            let start = text.utf8.distance(from: text.startIndex, to: open.lowerBound) + 5  // skip "\n    "
            let end = text.utf8.distance(from: text.startIndex, to: close.upperBound)
            result.append(Array(bytes[start..<end]))
            searchFrom = close.upperBound
        }
        return result
    }
}
