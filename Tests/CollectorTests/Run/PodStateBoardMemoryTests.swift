import Foundation
import KubeAPI
import RecordedResponses
import Testing

@testable import Collector

/// The board keeps what a target's wait needs, and nothing once it is done.
@Suite("the shared watch's board keeps only targets in flight")
struct PodStateBoardMemoryTests {
    @Test("pods that are not targets are not kept; a pod forgotten when done is dropped and its later events ignored")
    func keepsOnlyTargetsInFlight() throws {
        let pods = try PodList.decode(json: try Fixtures.bytes("pods/podlist.json")).items
        #expect(pods.count >= 3)
        let keys = pods.map { PodKey(namespace: $0.metadata.namespace ?? "", name: $0.metadata.name) }
        let board = PodStateBoard()
        board.track([keys[0], keys[1]])
        board.relisted(pods, tracked: Set(keys))
        #expect(board.keptCount == 2)
        #expect(board.latest(keys[2]) == nil)

        board.forget(keys[0])
        #expect(board.keptCount == 1)
        board.observe(pods[0])
        board.observe(pods[0], deleted: true)
        board.relisted([], tracked: Set(keys))
        #expect(board.latest(keys[0]) == nil, "a forgotten pod came back")
        guard case .deleted? = board.latest(keys[1]) else {
            Issue.record("a target missing from a relist should read as gone")
            return
        }
    }
}
