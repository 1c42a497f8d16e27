import Crypto

/// Checks the log read from the evidence container against the digest the
/// in-pod script put in its termination message. A mismatch or a short log
/// means truncated or altered evidence, and the bundle records it so.
public enum OutputIntegrity {
    public enum Verdict: Sendable, Equatable {
        /// The log is exactly what the script wrote.
        case matches(OutputDigest)
        /// The log has the script's byte count or more but other bytes.
        case mismatch(expected: OutputDigest, actual: OutputDigest)
        /// The log is shorter than what the script wrote (kubelet log rotation,
        /// a cut connection, a runtime that dropped output).
        case truncated(expected: OutputDigest, actual: OutputDigest)
        /// No termination message: the container did not finish, or the
        /// message was lost; the log cannot be checked.
        case noMessage(actual: OutputDigest)
        /// The script said it could not work.
        case scriptFailed(String)
        /// The termination message is not one the script writes.
        case unrecognisedMessage(String, actual: OutputDigest)

        /// True only when the log is proven to be the script's whole output.
        public var isVerified: Bool {
            if case .matches = self { return true }
            return false
        }

        /// One sentence for the user and the manifest.
        public var summary: String {
            switch self {
            case .matches(let digest):
                return "The output matches the SHA-256 the script reported (\(digest.byteCount) bytes)."
            case .mismatch(let expected, let actual):
                return "The log does not match what the script wrote: the script reported \(expected.byteCount) bytes with SHA-256 \(expected.sha256), the log has \(actual.byteCount) bytes with SHA-256 \(actual.sha256). The evidence was altered in transit or in the node's log."
            case .truncated(let expected, let actual):
                return "The log is shorter than what the script wrote: \(actual.byteCount) of \(expected.byteCount) bytes. The kubelet's log rotation or the log connection cut it."
            case .noMessage(let actual):
                return "The container left no termination message, so the log (\(actual.byteCount) bytes, SHA-256 \(actual.sha256)) cannot be checked against what the script wrote."
            case .scriptFailed(let message):
                return "The in-pod script could not collect: \(message)"
            case .unrecognisedMessage(let message, let actual):
                return "The container's termination message \"\(message)\" is not the script's digest, so the log (\(actual.byteCount) bytes) cannot be checked."
            }
        }
    }

    /// The SHA-256 and size of `bytes`.
    public static func digest(of bytes: [UInt8]) -> OutputDigest {
        let hash = SHA256.hash(data: bytes)
        let hex = hash.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
        return OutputDigest(sha256: hex, byteCount: bytes.count)
    }

    /// Compares `log` with the termination message (nil or empty when the
    /// container status had none).
    public static func verify(log: [UInt8], terminationMessage: String?) -> Verdict {
        let actual = digest(of: log)
        guard let terminationMessage, !terminationMessage.isEmpty else {
            return .noMessage(actual: actual)
        }
        switch TerminationMessage.parse(terminationMessage) {
        case .digest(let expected):
            if expected == actual { return .matches(actual) }
            if actual.byteCount < expected.byteCount { return .truncated(expected: expected, actual: actual) }
            return .mismatch(expected: expected, actual: actual)
        case .scriptError(let message):
            return .scriptFailed(message)
        case .unrecognised(let text):
            return .unrecognisedMessage(text, actual: actual)
        }
    }
}
