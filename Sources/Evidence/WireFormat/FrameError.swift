/// A problem the decoder found in the framed stream, at a byte offset.
public struct FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset in the stream where the problem starts.
    public var offset: Int
    public var problem: Problem

    public init(offset: Int, _ problem: Problem) {
        self.offset = offset
        self.problem = problem
    }

    public enum Problem: Sendable, Equatable {
        /// The stream is empty: the container wrote nothing.
        case empty
        /// The first line is not `#kubectl-evidence frame v1`; carries it, sanitised.
        case missingStreamHeader(found: String)
        /// The first line names a frame version this decoder does not read.
        case unsupportedVersion(String)
        /// A header line that does not parse; carries the line (sanitised) and why.
        case badHeader(line: String, reason: String)
        /// A header whose kind is not one of the known kinds (the record is kept).
        case unknownKind(String)
        /// A second record with the same kind and key (both are kept). The
        /// script never writes one; files named after keys would collide.
        case duplicateRecord(kind: String, key: String)
        /// A record's declared length runs past the end of the stream.
        case lengthPastEnd(key: String, declared: Int, available: Int)
        /// A record's payload is not followed by `\n`.
        case missingTerminator(key: String)
        /// Bytes between records that are not a record.
        case garbage(length: Int)
        /// The stream ends without a trailer: the log was cut short.
        case truncated
        /// The trailer's record count differs from the records decoded.
        case wrongRecordCount(declared: Int, decoded: Int)
        /// The trailer's byte count differs from where the trailer is.
        case wrongByteCount(declared: Int, actual: Int)
        /// The trailer's payload does not parse.
        case badTrailer(String)
        /// Bytes after the trailer.
        case dataAfterTrailer(length: Int)
        /// A limit of ``FrameDecoder/Limits`` was reached; decoding stopped there.
        case limitReached(String)
        /// The log is not the script's base64 encoding of the stream (see
        /// ``LogTransport``); its offset is in the log. Says why, and whether
        /// that means the log was cut short (rather than altered).
        case badEncoding(String, cut: Bool)
        /// A `same` record names no earlier file record.
        case badSameReference(key: String, reference: String)
    }

    public var description: String {
        switch problem {
        case .empty:
            return "The evidence output is empty: the container wrote nothing to stdout."
        case .missingStreamHeader(let found):
            return "The evidence output does not start with \"#kubectl-evidence frame v1\" (it starts with \"\(found)\"): it was not written by the in-pod script, or something was written before it."
        case .unsupportedVersion(let line):
            return "The evidence output is in a frame format this version does not read (\"\(line)\"); upgrade kubectl-evidence."
        case .badHeader(let line, let reason):
            return "Byte \(offset) of the evidence output should start a record, but the line \"\(line)\" is not a record header: \(reason)."
        case .unknownKind(let kind):
            return "The record at byte \(offset) has the unknown kind \"\(kind)\"; it was kept as it is."
        case .duplicateRecord(let kind, let key):
            return "The record at byte \(offset) repeats the \(kind) record \(key); the script writes each once, so the output was altered."
        case .lengthPastEnd(let key, let declared, let available):
            return "The record \(key) at byte \(offset) declares \(declared) bytes but only \(available) remain: the output was cut short."
        case .missingTerminator(let key):
            return "The record \(key) ends at byte \(offset) without the newline that closes every record: its length is wrong or the output was altered."
        case .garbage(let length):
            return "\(length) bytes at byte \(offset) of the evidence output belong to no record."
        case .truncated:
            return "The evidence output ends at byte \(offset) without the trailer record: the log was cut short or the script was stopped."
        case .wrongRecordCount(let declared, let decoded):
            return "The trailer at byte \(offset) counts \(declared) records but \(decoded) were decoded: records were lost or added."
        case .wrongByteCount(let declared, let actual):
            return "The trailer says it starts at byte \(declared) but it is at byte \(actual): bytes were lost or added."
        case .badTrailer(let payload):
            return "The trailer at byte \(offset) does not read \"records=<n> bytes=<m>\" (it reads \"\(payload)\")."
        case .dataAfterTrailer(let length):
            return "\(length) bytes follow the trailer at byte \(offset); nothing should."
        case .limitReached(let what):
            return "Decoding stopped at byte \(offset): \(what)."
        case .badSameReference(let key, let reference):
            return "The record \(key) at byte \(offset) says it is the same file as \(reference), but no earlier record is that file: the output was altered."
        case .badEncoding(let why, _):
            return "The evidence log is not the script's encoding of its output: \(why); what came before it was decoded."
        }
    }

    /// True for the problems that mean the output is incomplete.
    public var meansTruncated: Bool {
        switch problem {
        case .truncated, .lengthPastEnd, .empty: true
        case .badEncoding(_, let cut): cut
        default: false
        }
    }
}

/// Text from the stream made safe to show: control bytes and non-ASCII as
/// `\xNN`, capped, so an error message cannot carry terminal escapes.
public func sanitisedExcerpt(_ bytes: ArraySlice<UInt8>, limit: Int = 80) -> String {
    var out = ""
    for byte in bytes.prefix(limit) {
        if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") {
            out.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }
    }
    if bytes.count > limit { out += "…" }
    return out
}
