@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// listAllPods follows continue tokens and restarts once on 410 Gone.
@Suite("Listing in pages")
struct PaginationTests {
    /// A server holding `count` pods, paging by `limit` with opaque continue tokens (the offset in base64).
    final class PagingServer: @unchecked Sendable {
        let pods: [String]
        private let lock = NSLock()
        private var expireNextContinue: Int
        let resourceVersion = "91234"

        init(count: Int, expireContinueTimes: Int = 0) {
            pods = (0..<count).map { index in
                let name = String(format: "checkout-7d9f8b6c5-%05d", index)
                // Escapes and brackets inside strings, as real pods carry in annotations.
                return #"{"metadata":{"name":"\#(name)","namespace":"shop","uid":"uid-\#(index)","resourceVersion":"\#(1000 + index)","annotations":{"note":"a \"quoted\" } ] value\\"}},"spec":{"nodeName":"node1","containers":[{"name":"app","image":"busybox"}]},"status":{"phase":"Running"}}"#
            }
            expireNextContinue = expireContinueTimes
        }

        func respond(_ request: ScriptedAPIServer.Request) -> ScriptedAPIServer.Action {
            let query = request.query
            let limit = Int(query["limit"] ?? "") ?? pods.count
            var start = 0
            if let token = query["continue"] {
                let expire = lock.withLock { () -> Bool in
                    if expireNextContinue > 0 { expireNextContinue -= 1; return true }
                    return false
                }
                if expire {
                    return .json(410, #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.","reason":"Expired","code":410}"#)
                }
                start = Data(base64Encoded: token).flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
            }
            let end = min(start + limit, pods.count)
            var metadata = #""resourceVersion":"\#(resourceVersion)""#
            if end < pods.count {
                metadata += #","continue":"\#(Data(String(end).utf8).base64EncodedString())","remainingItemCount":\#(pods.count - end)"#
            }
            let body = #"{"kind":"PodList","apiVersion":"v1","metadata":{\#(metadata)},"items":["# + pods[start..<end].joined(separator: ",") + "]}\n"
            return .json(200, body)
        }
    }

    @Test("2,500 pods in pages of 500: five requests, every pod once, each with its exact bytes")
    func twoThousandFiveHundredPods() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let paging = PagingServer(count: 2500)
        try await withServer(paging.respond) { server in
            let list = try await withClient(server, in: dir) {
                try await $0.listAllPods(namespace: "shop", labelSelector: "app=checkout", pageSize: 500)
            }
            #expect(list.items.count == 2500)
            #expect(list.metadata.resourceVersion == paging.resourceVersion)
            #expect(list.metadata.continueToken == nil)
            #expect(list.items.map { String(decoding: $0.rawJSON, as: UTF8.self) } == paging.pods)
            #expect(Set(list.items.map(\.metadata.name)).count == 2500)
            #expect(list.items[0].metadata.annotations["note"] == #"a "quoted" } ] value\"#)

            let requests = server.requests
            #expect(requests.count == 5)
            #expect(requests.allSatisfy { $0.query["limit"] == "500" && $0.query["labelSelector"] == "app=checkout" })
            #expect(requests.first?.query["continue"] == nil)
            #expect(requests.dropFirst().map { $0.query["continue"] ?? "" }.map { String(decoding: Data(base64Encoded: $0) ?? Data(), as: UTF8.self) } == ["500", "1000", "1500", "2000"])
        }
    }

    @Test("an expired continue token restarts the list once from the first page")
    func expiredContinueRestartsOnce() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let paging = PagingServer(count: 1200, expireContinueTimes: 1)
        try await withServer(paging.respond) { server in
            let list = try await withClient(server, in: dir) {
                try await $0.listAllPods(namespace: "shop", labelSelector: nil, pageSize: 500)
            }
            #expect(list.items.count == 1200)
            #expect(Set(list.items.map(\.metadata.name)).count == 1200)
            // page 1, page 2 → 410, then page 1, 2, 3 again.
            #expect(server.requests.map { $0.query["continue"] == nil } == [true, false, true, false, false])
        }
    }

    @Test("a second expiry is thrown as .gone")
    func secondExpiryThrows() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let paging = PagingServer(count: 1200, expireContinueTimes: 2)
        try await withServer(paging.respond) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { try await $0.listAllPods(namespace: "shop", labelSelector: nil, pageSize: 500) }
            }
            #expect(error?.isGone == true)
            #expect(error?.description.contains("too old to display a consistent list") == true)
            #expect(server.requests.count == 4)
        }
    }
}
