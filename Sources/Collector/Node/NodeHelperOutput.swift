import Crypto
import Evidence

/// The node helper's log (`node-collect.sh`'s stdout), split into one section
/// per target container as the bytes arrive, so that a node's hundreds of pods
/// are written to the bundle one by one and never held all at once.
///
/// The log is hostile input twice over: the helper's own lines come from a
/// container the tool started, but each section's body is what the in-pod
/// script wrote inside a target's namespaces, where a process of that target
/// can add to it. The body's length is the helper's count, so nothing a target
/// writes can end its section early or open another's; a header that does not
/// parse ends the splitting, and the rest is reported, not guessed at.
public struct NodeHelperOutput: Sendable {
    /// One target's section.
    public struct Section: Sendable, Equatable {
        /// The target's index in the helper's command.
        public var index: Int
        /// The host pid the helper entered (0: no process was found).
        public var hostPID: Int
        /// The helper's count and SHA-256 of the body (`-` when it had none).
        public var byteCount: Int
        public var sha256: String
        /// The in-pod script's exit code (-1: it did not run).
        public var exitCode: Int
        /// How the process was found (`cgroup <path> first|lowest`, or `none: …`).
        public var match: String
        /// The script's termination message (its digest, or `error: …`).
        public var terminationMessage: String
        /// The start of the script's stderr.
        public var stderr: String
        /// The script's stdout, exactly: what its termination message's digest covers.
        public var body: [UInt8]

        /// True when the helper found no process of the container.
        public var notFound: Bool { hostPID == 0 }
    }

    /// Why the log could not be split further, in a sentence.
    public struct Damage: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    private var buffer: [UInt8] = []
    private var pending: Section?
    private var headerLines: [String] = []
    /// The targets the helper said it went through (its last line), once seen.
    public private(set) var doneTargets: Int?
    /// Set once the log stops making sense; nothing after it is parsed.
    public private(set) var damage: Damage?
    /// The most bytes a section's body may claim (the script's cap and some room).
    let bodyLimit: Int
    /// The indices the helper was given (nil: any); a section of another, a second
    /// section of one, or a last line that counts otherwise is damage.
    let expected: Set<Int>?
    /// The indices whose sections were read.
    private var seen: Set<Int> = []

    public init(bodyLimit: Int, expected: Set<Int>? = nil) {
        self.bodyLimit = bodyLimit
        self.expected = expected
    }

    static let headerPrefix = "#kubectl-evidence node v1 "

    /// Adds `chunk` and returns the sections it completed.
    public mutating func consume(_ chunk: [UInt8]) -> [Section] {
        guard damage == nil else { return [] }
        buffer.append(contentsOf: chunk)
        var done: [Section] = []
        var start = 0
        defer { buffer.removeFirst(start) }
        while damage == nil {
            if var section = pending, headerLines.count == 3 {
                // The body, then "#end <i>\n".
                let trailer = Array("#end \(section.index)\n".utf8)
                guard buffer.count - start >= section.byteCount + trailer.count else { return done }
                section.body = Array(buffer[start..<(start + section.byteCount)])
                let after = start + section.byteCount
                guard Array(buffer[after..<(after + trailer.count)]) == trailer else {
                    fail("the section of target \(section.index) does not end with its #end line after \(section.byteCount) bytes")
                    return done
                }
                start = after + trailer.count
                // The helper's own digest of the body: a mismatch is the log changed on its way.
                if section.byteCount > 0 || section.sha256 != "-" {
                    let actual = SHA256.hash(data: section.body).map { String(format: "%02x", $0) }.joined()
                    guard actual == section.sha256 else {
                        fail("the body of target \(section.index) does not match the helper's SHA-256 for it (\(Self.shown(section.sha256)), read \(actual))")
                        return done
                    }
                }
                done.append(section)
                pending = nil
                headerLines = []
                continue
            }
            guard let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                if buffer.count - start > 4096 { fail("a line of the helper's own is longer than 4096 bytes") }
                return done
            }
            let line = String(decoding: buffer[start..<newline], as: UTF8.self)
            start = newline + 1
            if doneTargets != nil {
                fail("a line after the helper's last line: \(Self.shown(line))")
                return done
            }
            if pending == nil {
                parseHeader(line)
            } else {
                let names = ["#match ", "#message ", "#stderr "]
                let expected = names[headerLines.count]
                guard line.hasPrefix(expected) else {
                    fail("expected a \(expected.dropLast()) line for target \(pending!.index), found \(Self.shown(line))")
                    return done
                }
                let value = String(line.dropFirst(expected.count))
                switch headerLines.count {
                case 0: pending?.match = value
                case 1: pending?.terminationMessage = value
                default: pending?.stderr = value
                }
                headerLines.append(value)
            }
        }
        return done
    }

    private mutating func parseHeader(_ line: String) {
        guard line.hasPrefix(Self.headerPrefix) else {
            fail("a line that is not a target's header: \(Self.shown(line))")
            return
        }
        var fields: [String: String] = [:]
        for pair in line.dropFirst(Self.headerPrefix.count).split(separator: " ") {
            guard let eq = pair.firstIndex(of: "=") else { continue }
            fields[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        if let targets = fields["targets"], line.hasPrefix(Self.headerPrefix + "done "), let count = Int(targets) {
            if let expected, count != expected.count {
                fail("the helper's last line counts \(count) targets, but it was given \(expected.count)")
                return
            }
            doneTargets = count
            return
        }
        guard let index = fields["target"].flatMap({ Int($0) }), let pid = fields["pid"].flatMap({ Int($0) }),
              let bytes = fields["bytes"].flatMap({ Int($0) }), let exit = fields["exit"].flatMap({ Int($0) }),
              let sha = fields["sha256"], bytes >= 0, bytes <= bodyLimit
        else {
            fail("a target's header does not parse or claims more than \(bodyLimit) bytes: \(Self.shown(line))")
            return
        }
        if let expected, !expected.contains(index) {
            fail("a section for target \(index), which the helper was not given")
            return
        }
        guard seen.insert(index).inserted else {
            fail("a second section for target \(index)")
            return
        }
        pending = Section(index: index, hostPID: pid, byteCount: bytes, sha256: sha, exitCode: exit,
                          match: "", terminationMessage: "", stderr: "", body: [])
        headerLines = []
    }

    /// A line of the log as a message quotes it: control bytes escaped, long ones cut.
    static func shown(_ line: String) -> String { "\"" + DisplayText.line(line, cutAfter: 200) + "\"" }

    private mutating func fail(_ why: String) {
        damage = Damage(description: "The node helper's output cannot be read past this point: \(why).")
    }

    /// The target whose section was being read when the log ended, if any.
    public var unfinishedTarget: Int? { pending?.index }
}
