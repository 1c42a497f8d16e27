import JSONBytes
/// Decoding that keeps the server's bytes next to the partial model.
///
/// Each function decodes with `JSONDecoder` (which also validates the JSON)
/// and then uses `JSONByteScanner` to cut out the exact bytes of every pod.
extension Pod {
    /// Decodes a single pod (a GET or PATCH reply); `rawJSON` is the body
    /// without surrounding whitespace (the server ends compact JSON with `\n`).
    public static func decode(json bytes: [UInt8]) throws -> Pod {
        var pod = try JSONDecoderFactory.shared.decode(Pod.self, from: bytes)
        let range = try JSONByteScanner.with(bytes) { try $0.topLevelValue() }
        pod.rawJSON = Array(bytes[range])
        pod.objectSize = range.count
        return pod
    }
}

extension PodList {
    /// Decodes a PodList page; each item's `rawJSON` is exactly that element of
    /// `items`, or empty with `keepingBytes: false` (a list read only to plan).
    public static func decode(json bytes: [UInt8], keepingBytes: Bool = true) throws -> PodList {
        var list = try JSONDecoderFactory.shared.decode(PodList.self, from: bytes)
        // JSONDecoder has validated the document; the scanner only needs to find the items
        // (without allocating: the sizes are kept even when the bytes are not).
        let ranges: [Range<Int>] = try JSONByteScanner.with(bytes) { scanner in
            let start = scanner.skipWhitespace(0)
            guard let items = try scanner.memberValue(named: "items", inObjectAt: start) else { return [] }
            if bytes[items.lowerBound] == UInt8(ascii: "n") { return [] }  // "items": null
            return try scanner.elements(ofArrayAt: items.lowerBound)
        }
        guard ranges.count == list.items.count else {
            throw JSONByteScanner.Failure(
                offset: 0,
                problem: "found \(ranges.count) items by scanning but \(list.items.count) by decoding")
        }
        for index in list.items.indices {
            list.items[index].objectSize = ranges[index].count
            if keepingBytes { list.items[index].rawJSON = Array(bytes[ranges[index]]) }
        }
        return list
    }
}

extension WatchEvent {
    /// Decodes one line of a watch stream; the pod's `rawJSON` is exactly the `object` value.
    public static func decode(line bytes: [UInt8]) throws -> WatchEvent {
        var event = try JSONDecoderFactory.shared.decode(WatchEvent.self, from: bytes)
        if case .pod(var pod) = event.object {
            let range = try JSONByteScanner.with(bytes) { scanner -> Range<Int>? in
                try scanner.memberValue(named: "object", inObjectAt: scanner.skipWhitespace(0))
            }
            if let range {
                pod.rawJSON = Array(bytes[range])
                pod.objectSize = range.count
            }
            event.object = .pod(pod)
        }
        return event
    }
}
