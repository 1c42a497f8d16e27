import Evidence
import Foundation

/// A tiny reader of the in-pod script's frame format (version 1), for tests
/// only: the log is the stream in base64 and a newline (Foundation decodes
/// it here; the Collector's LogTransport is the strict decoder), and the
/// stream is `#kubectl-evidence frame v1\n`, then `@<kind> <key> <length>\n`,
/// `<length bytes>\n`, until `@end trailer …`. It trusts lengths, as the
/// Collector's decoder does, so fake headers inside payloads stay payload.
enum FrameReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func read(_ log: [UInt8]) throws -> GatheredEvidence {
        let text = String(decoding: log, as: UTF8.self).trimmingCharacters(in: .newlines)
        guard let decoded = Data(base64Encoded: text) else {
            throw Failure(description: "the script's output is not base64: \(String(decoding: log.prefix(80), as: UTF8.self))")
        }
        let bytes = [UInt8](decoded)
        let header = Array("#kubectl-evidence frame v1\n".utf8)
        guard bytes.starts(with: header) else {
            throw Failure(description: "the script's output does not start with the frame header: \(String(decoding: bytes.prefix(80), as: UTF8.self))")
        }
        var records: [EvidenceRecord] = []
        var i = header.count
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "@"), let nl = bytes[i...].firstIndex(of: 10) else {
                throw Failure(description: "no record header at byte \(i)")
            }
            let fields = bytes[(i + 1)..<nl].split(separator: 32).map { String(decoding: $0, as: UTF8.self) }
            guard fields.count == 3, let length = Int(fields[2]), nl + 1 + length < bytes.count else {
                throw Failure(description: "bad record header at byte \(i): \(fields)")
            }
            let payload = Array(bytes[(nl + 1)..<(nl + 1 + length)])
            i = nl + 1 + length + 1
            if fields[0] == "end" { return GatheredEvidence(records: records) }
            records.append(EvidenceRecord(kind: EvidenceRecord.Kind(rawValue: fields[0]) ?? .other, key: fields[1], payload: payload))
        }
        throw Failure(description: "the output ends without a trailer")
    }
}
