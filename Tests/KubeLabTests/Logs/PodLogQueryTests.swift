import Foundation
import Testing

@testable import KubeLab

/// The options of `GET pods/{pod}/log` and their errors, each as a v1.36.2 cluster answered it
/// (`curl …/pods/streams/log?…` against the reference cluster; the texts below are its own).
@Suite("pod log options")
struct PodLogQueryTests {
    /// The demo's db-0: one container (`db`), no default-container annotation needed.
    static let base = "/api/v1/namespaces/shop/pods/db-0/log"

    static func status(_ r: CurlResponse) throws -> (code: Int, reason: String, message: String, details: NSDictionary?) {
        let o = try r.json()
        return (o["code"] as? Int ?? 0, o["reason"] as? String ?? "", o["message"] as? String ?? "", o["details"] as? NSDictionary)
    }

    @Test("timestamps=true: each line starts with its time, nine fraction digits, and a space (true unless 0 or false)")
    func timestamps() async throws {
        try await LabFixture.with { lab in
            let t = CRILogTime(seconds: 1_796_024_944, nanoseconds: 238_927_600)
            lab.server.logs.append(namespace: "shop", pod: "db-0", container: "db", at: t, Array("out1\n".utf8))
            lab.server.logs.append(namespace: "shop", pod: "db-0", container: "db", stream: .stderr, at: t, Array("err1\n".utf8))
            let curl = Curl(lab: lab)
            let r = try await curl.request(Self.base + "?timestamps=true")
            #expect(r.status == 200)
            #expect(r.text == "2026-11-30T07:49:04.238927600Z out1\n2026-11-30T07:49:04.238927600Z err1\n")
            // Go's query conversion: anything but 0/false is true, even an empty value.
            #expect(try await curl.request(Self.base + "?timestamps=").text == r.text)
            #expect(try await curl.request(Self.base + "?timestamps=FALSE").text == "out1\nerr1\n")
            // On disk, the stream of each line and containerd's trimmed fraction.
            #expect(String(decoding: lab.server.logs.file(namespace: "shop", pod: "db-0", container: "db"), as: UTF8.self)
                == "2026-11-30T07:49:04.2389276Z stdout F out1\n2026-11-30T07:49:04.2389276Z stderr F err1\n")
        }
    }

    @Test("tailLines counts lines of the file (a long line is several), limitBytes counts the timestamps too")
    func tailAndLimit() async throws {
        try await LabFixture.with { lab in
            let a = String(repeating: "a", count: 40_000)
            lab.server.appendLog(namespace: "shop", pod: "db-0", container: "db", Array("first\n\(a)\npartial\ndone\n".utf8))
            let curl = Curl(lab: lab)
            // As on the real cluster: --tail=4 gives the long line's second piece onwards, 23630 bytes.
            let tail = try await curl.request(Self.base + "?tailLines=4")
            #expect(tail.body.count == 23_630)
            #expect(tail.text == String(repeating: "a", count: 16_384 + 7_232) + "\npartial\ndone\n")
            let stamped = try await curl.request(Self.base + "?tailLines=4&timestamps=true")
            #expect(stamped.text.split(separator: "\n").count == 3, "the pieces of a line share the first piece's timestamp")
            #expect(try await curl.request(Self.base + "?limitBytes=3&timestamps=true").text == "202")
            #expect(try await curl.request(Self.base + "?tailLines=0").text == "")
        }
    }

    @Test("sinceSeconds leaves out older lines, by the time the lines were written")
    func sinceSeconds() async throws {
        try await LabFixture.with { (lab: LabFixture) async throws in
            let old = CRILogTime.now().adding(seconds: -120)
            lab.server.logs.append(namespace: "shop", pod: "db-0", container: "db", at: old, Array("old\n".utf8))
            lab.server.logs.append(namespace: "shop", pod: "db-0", container: "db", Array("new\n".utf8))
            let curl = Curl(lab: lab)
            #expect(try await curl.request(Self.base + "?sinceSeconds=60").text == "new\n")
            #expect(try await curl.request(Self.base + "?sinceSeconds=600").text == "old\nnew\n")
            let since = CRILogTime.now().adding(seconds: -60).rfc3339Nano
            #expect(try await curl.request(Self.base + "?sinceTime=" + q(String(since.prefix(19)) + "Z")).text == "new\n")
        }
    }

    @Test("previous: the lab restarts nothing, so the kubelet's 400 for a container without a previous instance")
    func previous() async throws {
        try await LabFixture.with { lab in
            let curl = Curl(lab: lab)
            let r = try await curl.request(Self.base + "?previous=true")
            #expect(r.status == 400)
            let s = try Self.status(r)
            #expect(s.reason == "BadRequest" && s.code == 400 && s.details == nil)
            #expect(s.message == #"previous terminated container "db" in pod "db-0" not found"#)
            #expect(Set(try r.json().keys) == ["kind", "apiVersion", "metadata", "status", "message", "reason", "code"])
            #expect(try await curl.request(Self.base + "?previous=yes").status == 400)
            #expect(try await curl.request(Self.base + "?previous=false").status == 200)
        }
    }

    @Test("bad options: 400 with strconv's text for a number that does not parse, 422 PodLogOptions for one out of range")
    func invalidOptions() async throws {
        try await LabFixture.with { lab in
            let curl = Curl(lab: lab)
            func expect400(_ query: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let r = try await curl.request(Self.base + "?" + query)
                #expect(r.status == 400, sourceLocation: sourceLocation)
                #expect(try Self.status(r).message == message, sourceLocation: sourceLocation)
            }
            try await expect400("tailLines=abc", #"strconv.ParseInt: parsing "abc": invalid syntax"#)
            try await expect400("tailLines=", #"strconv.ParseInt: parsing "": invalid syntax"#)
            try await expect400("limitBytes=99999999999999999999", #"strconv.ParseInt: parsing "99999999999999999999": value out of range"#)
            // The first field of PodLogOptions that does not parse is the one named.
            try await expect400("tailLines=z&sinceSeconds=y", #"strconv.ParseInt: parsing "y": invalid syntax"#)
            try await expect400("sinceTime=bad", #"parsing time "bad" as "2006-01-02T15:04:05Z07:00": cannot parse "bad" as "2006""#)

            let one = try await curl.request(Self.base + "?tailLines=-1")
            #expect(one.status == 422)
            let s = try Self.status(one)
            #expect(s.reason == "Invalid")
            #expect(s.message == #"PodLogOptions "db-0" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0"#)
            let cause: NSDictionary = ["reason": "FieldValueInvalid", "message": "Invalid value: -1: must be greater than or equal to 0", "field": "tailLines"]
            #expect(s.details == ["name": "db-0", "kind": "PodLogOptions", "causes": [cause]])

            let several = try await curl.request(Self.base + "?tailLines=-1&limitBytes=0&sinceSeconds=0&stream=x")
            #expect(try Self.status(several).message == """
                PodLogOptions "db-0" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, \
                limitBytes: Invalid value: 0: must be greater than 0, sinceSeconds: Invalid value: 0: must be greater than 0, \
                stream: Forbidden: may not be specified]
                """)
            let both = try await curl.request(Self.base + "?sinceSeconds=5&sinceTime=2020-01-01T00:00:00Z")
            #expect(try Self.status(both).message == #"PodLogOptions "db-0" is invalid: []: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"#)
            #expect(((try Self.status(both).details?["causes"] as? [NSDictionary])?.first?["reason"] as? String) == "FieldValueForbidden")
            // The reference cluster has PodLogsQuerySplitStreams off: any stream is refused.
            #expect(try await curl.request(Self.base + "?stream=Stdout").status == 422)
            // Options are checked before the pod is looked up.
            #expect(try await curl.request("/api/v1/namespaces/shop/pods/nope/log?tailLines=-1").status == 422)
            #expect(try await curl.request("/api/v1/namespaces/shop/pods/nope/log?previous=true").status == 404)
        }
    }

    @Test("a container waiting on its image: ErrImagePull and ImagePullBackOff worded as the kubelet words them")
    func waitingOnImage() async throws {
        try await LabFixture.with { lab in
            let curl = Curl(lab: lab)
            for (reason, why) in [("ErrImagePull", "image can't be pulled"), ("ImagePullBackOff", "trying and failing to pull image")] {
                lab.server.updatePod(namespace: "shop", name: "db-0") { $0.containerStatuses[0].state = .waiting(reason: reason, message: "x") }
                let r = try await curl.request(Self.base)
                #expect(r.status == 400)
                #expect(try Self.status(r).message == #"container "db" in pod "db-0" is waiting to start: \#(why)"#)
                // previous is answered first.
                #expect(try Self.status(try await curl.request(Self.base + "?previous=true")).message.hasPrefix("previous terminated container"))
            }
        }
    }

    @Test("follow of a log that stays quiet: the 200 and its headers come at once, as from the real server")
    func quietFollow() async throws {
        try await LabFixture.with { lab in
            // curl gives up after 2 s; what it had by then is the status line and headers.
            let r = try await Curl(lab: lab).request(Self.base + "?follow=true", maxTime: 2)
            #expect(r.status == 200)
            #expect(r.headers["content-type"] == "text/plain")
            #expect(r.body.isEmpty)
        }
    }

    @Test("after a rotation (10 MiB) the log starts where the new file starts; followers go on across it")
    func rotation() async throws {
        try await LabFixture.with { lab in
            let curl = Curl(lab: lab)
            async let followed = curl.request(Self.base + "?follow=true&limitBytes=\(11 * 1024 * 1024)", maxTime: 60)
            try await Task.sleep(for: .milliseconds(500))
            lab.server.appendLog(namespace: "shop", pod: "db-0", container: "db", Array("head\n".utf8))
            let line = Array((String(repeating: "x", count: 1023) + "\n").utf8)
            var chunk: [UInt8] = []
            for _ in 0..<256 { chunk += line }
            for _ in 0..<41 { lab.server.appendLog(namespace: "shop", pod: "db-0", container: "db", chunk) }
            #expect(lab.server.logs.rotations(namespace: "shop", pod: "db-0", container: "db") == 1)
            let now = try await curl.request(Self.base)
            #expect(!now.text.hasPrefix("head"), "the head went with the rotated file")
            #expect(now.body.count < 41 * chunk.count && now.body.count.isMultiple(of: line.count))
            lab.server.endLog(namespace: "shop", pod: "db-0", container: "db")
            let f = try await followed
            #expect(f.text.hasPrefix("head\n") && f.body.count == 5 + 41 * chunk.count)
        }
    }
}
