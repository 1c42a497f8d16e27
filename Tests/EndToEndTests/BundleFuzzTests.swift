import Foundation
import Testing
import TestSupport

/// A fuzz run, bounded in time: the demo bundle, mutated at random (in its
/// gzip stream and in the tar inside it, headers and file data alike, with
/// terminal escapes, bidi overrides and NULs written into names and JSON),
/// is read by `inspect`, `inspect --json`, `verify --key` and `diff`. Every
/// run must end by itself with a status the command documents, print no raw
/// control byte on stdout or stderr, and stay within a memory budget.
///
/// `KUBECTL_EVIDENCE_FUZZ_SECONDS` sets the time (default 45 s) and
/// `KUBECTL_EVIDENCE_FUZZ_SEED` the seed (default: the clock); a failure
/// names the seed, the mutant's number and its operations, and keeps the
/// mutant on disk, so it can be replayed.
@Suite("fuzz: mutated real bundles", .serialized)
struct BundleFuzzTests {
    /// Peak memory one command may use on a bundle of the demo's size (a few
    /// hundred KB unpacked): the reading budget bounds what a mutant can claim.
    static let memoryBudgetKiB = 400 << 10
    /// Longest a single command may take before it counts as a hang.
    static let hangSeconds: TimeInterval = 30

    @Test("inspect, verify and diff on mutated bundles: no crash, no hang, no raw control byte, memory within budget")
    func fuzz() throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["KUBECTL_EVIDENCE_FUZZ_SECONDS"].flatMap(Double.init) ?? 45
        let seed = environment["KUBECTL_EVIDENCE_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64(Date().timeIntervalSince1970 * 1000)
        var random = SeededRandom(seed: seed)

        let demo = try DemoBundle.get()
        let directory = demo.path("fuzz")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let gzipped = try Array(Data(contentsOf: URL(fileURLWithPath: demo.bundle)))
        let tar = try Self.gunzip(demo.bundle)
        let files = TarLayout(tar).files
        #expect(files.count > 10, "the demo bundle's tar has \(files.count) files")

        let deadline = Date().addingTimeInterval(seconds)
        var mutants = 0
        var runs = 0
        var exits: [String: Int] = [:]
        var peakKiB = 0
        while Date() < deadline {
            mutants += 1
            let path = "\(directory)/mutant-\(mutants).tar.gz"
            var operations: [String] = []
            if random.next() % 4 == 0 {
                var bytes = gzipped
                operations.append(Self.mutateStream(&bytes, &random))
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            } else {
                var bytes = tar
                for _ in 0...(random.next() % 3) { operations.append(Self.mutateTar(&bytes, files: files, &random)) }
                try Self.gzip(bytes, to: path)
            }
            let commands: [[String]] = [
                ["inspect", path], ["inspect", path, "--json"], ["verify", path, "--key", demo.publicKey],
                ["diff", demo.bundle, path], ["diff", "--replicas", path],
            ]
            for arguments in commands {
                let run = try MeasuredRun(ToolBinary.path, arguments, timeout: Self.hangSeconds)
                runs += 1
                peakKiB = max(peakKiB, run.maxRSSKiB)
                let what = "seed \(seed), mutant \(mutants) (\(operations.joined(separator: "; "))), kubectl-evidence \(arguments.joined(separator: " "))"
                guard case .exited(let status) = run.end else {
                    Issue.record("\(what) did not exit by itself: \(run.end). The mutant is kept at \(path). stderr: \(run.stderr.prefix(2000))")
                    return
                }
                exits["\(arguments[0]) \(status)", default: 0] += 1
                var problems: [String] = []
                if ![0, 1, 2].contains(status) { problems.append("exited with \(status)") }
                for (stream, bytes) in [("stdout", run.stdoutBytes), ("stderr", run.stderrBytes)] {
                    if let offset = Self.rawControl(in: bytes) {
                        problems.append("printed a raw control byte on \(stream) at \(offset): \(String(decoding: bytes, as: UTF8.self).prefix(2000).debugDescription)")
                    }
                }
                if run.maxRSSKiB >= Self.memoryBudgetKiB { problems.append("used \(run.maxRSSKiB) KiB") }
                // verify's report and diff's differences are on stdout; errors on stderr.
                if status != 0, run.stderrBytes.isEmpty, run.stdoutBytes.isEmpty { problems.append("failed without a word") }
                if !problems.isEmpty {
                    Issue.record("\(what) \(problems.joined(separator: "; ")). The mutant is kept at \(path). stderr: \(run.stderr.prefix(2000))")
                    return
                }
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        print("fuzz: seed \(seed), \(mutants) mutants, \(runs) runs in \(Int(seconds)) s, peak \(peakKiB >> 10) MiB; exits: \(exits.sorted { $0.key < $1.key })")
        #expect(mutants >= 5, "only \(mutants) mutants in \(seconds) s")
        // The mutations reach the readers' refusals and their successes alike.
        #expect(exits.keys.contains { $0.hasPrefix("verify ") && !$0.hasSuffix(" 0") })
        #expect(exits.keys.contains { $0.hasPrefix("inspect ") })
    }

    @Test("the fuzz run's check finds raw C0, DEL and C1 controls and invalid UTF-8, and passes escaped text")
    func controlDetector() {
        #expect(Self.rawControl(in: Array("ok \u{1B}]0;x\u{07}".utf8)) == 3)
        #expect(Self.rawControl(in: Array("a\u{7F}".utf8)) == 1)
        #expect(Self.rawControl(in: Array("ab\u{9B}2J".utf8)) == 2)
        #expect(Self.rawControl(in: [0x61, 0xFF]) == 0)
        #expect(Self.rawControl(in: Array("error: \\u{1B}]0;x\\u{07} \u{202E} é\tcol\n".utf8)) == nil)
    }

    // MARK: - Mutations

    /// Escapes, a bidi override, a C1 control, NUL and invalid UTF-8: what a hostile name or value holds.
    static let hostileSnippets: [[UInt8]] = [
        Array("\u{1B}]0;pwned\u{07}".utf8), Array("\u{1B}[2J".utf8), Array("\u{202E}".utf8), Array("\u{9B}".utf8), [0], [0xFF, 0xFE],
        Array("\\u001b".utf8), Array("99999999999999999999".utf8), Array("-1".utf8), Array("{\"".utf8),
    ]

    /// One change to the compressed stream: flipped bytes, a cut, bytes appended.
    static func mutateStream(_ bytes: inout [UInt8], _ random: inout SeededRandom) -> String {
        switch random.next() % 3 {
        case 0:
            let at = Int(random.next() % UInt64(bytes.count))
            bytes[at] ^= UInt8(1 << (random.next() % 8))
            return "gzip: flip a bit at \(at)"
        case 1:
            let at = Int(random.next() % UInt64(bytes.count))
            bytes.removeSubrange(at...)
            return "gzip: cut at \(at)"
        default:
            let count = Int(random.next() % 64) + 1
            bytes += (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            return "gzip: append \(count) bytes"
        }
    }

    /// One length-preserving change to the tar: a file's data or a header
    /// (its name, size, type, checksum), overwritten with bytes or a hostile snippet.
    static func mutateTar(_ bytes: inout [UInt8], files: [TarLayout.File], _ random: inout SeededRandom) -> String {
        let file = files[Int(random.next() % UInt64(files.count))]
        let snippet = hostileSnippets[Int(random.next() % UInt64(hostileSnippets.count))]
        func overwrite(_ start: Int, _ length: Int) -> Int {
            guard length > 0 else { return start }
            let at = start + Int(random.next() % UInt64(length))
            for (i, byte) in snippet.enumerated() where at + i < start + length { bytes[at + i] = byte }
            return at
        }
        switch random.next() % 5 {
        case 0, 1:
            let at = overwrite(file.dataOffset, file.size)
            return "data of \(file.name): \(snippet) at \(at)"
        case 2:
            let at = overwrite(file.headerOffset, 100)
            return "name of \(file.name): \(snippet) at \(at)"
        case 3:
            // The size field (octal, 12 bytes at 124): a digit changed, so the size lies.
            let at = file.headerOffset + 124 + Int(random.next() % 11)
            bytes[at] = UInt8(ascii: "0") + UInt8(random.next() % 8)
            return "size of \(file.name) at \(at)"
        default:
            let at = file.headerOffset + Int(random.next() % 512)
            bytes[at] = UInt8(truncatingIfNeeded: random.next())
            return "header of \(file.name) at \(at)"
        }
    }

    /// The offset of the first C0 control (other than tab and newline), DEL or
    /// C1 control (U+0080–U+009F), or of bytes that are not UTF-8.
    static func rawControl(in bytes: [UInt8]) -> Int? {
        if let bad = bytes.firstIndex(where: { ($0 < 0x20 && $0 != 0x0A && $0 != 0x09) || $0 == 0x7F }) { return bad }
        guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
        var offset = 0
        for scalar in text.unicodeScalars {
            if (0x80..<0xA0).contains(scalar.value) { return offset }
            offset += String(scalar).utf8.count
        }
        return nil
    }

    static func gunzip(_ path: String) throws -> [UInt8] {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString).tar").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try ProcessRunner.run("/bin/sh", ["-c", "gzip -dc \"$0\" > \"$1\"", path, out])
        guard run.status == 0 else { throw TestFailure("gzip -dc \(path) failed: \(run.stderr)") }
        return try Array(Data(contentsOf: URL(fileURLWithPath: out)))
    }

    static func gzip(_ tar: [UInt8], to path: String) throws {
        let input = path + ".tar"
        try Data(tar).write(to: URL(fileURLWithPath: input))
        defer { try? FileManager.default.removeItem(atPath: input) }
        let run = try ProcessRunner.run("/bin/sh", ["-c", "gzip -1 -n -c \"$0\" > \"$1\"", input, path])
        guard run.status == 0 else { throw TestFailure("gzip \(input) failed: \(run.stderr)") }
    }
}

/// Where each regular file's header and data are in a ustar/pax archive.
struct TarLayout {
    struct File {
        var name: String
        var headerOffset: Int
        var dataOffset: Int
        var size: Int
    }

    var files: [File] = []

    init(_ tar: [UInt8]) {
        var offset = 0
        while offset + 512 <= tar.count {
            let header = tar[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { break }
            let name = String(decoding: header.prefix(100).prefix { $0 != 0 }, as: UTF8.self)
            let sizeField = String(decoding: tar[(offset + 124)..<(offset + 136)].prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
            let size = Int(sizeField, radix: 8) ?? 0
            let type = tar[offset + 156]
            if type == UInt8(ascii: "0") || type == 0 {
                files.append(File(name: name, headerOffset: offset, dataOffset: offset + 512, size: size))
            }
            offset += 512 + (size + 511) / 512 * 512
        }
    }
}

/// A program run with posix_spawn and reaped with wait4, for its peak memory
/// (`ru_maxrss`), which Foundation's Process does not report. Output goes to
/// files, so a chatty program never blocks on a pipe.
struct MeasuredRun {
    enum End: CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)
        case hung

        var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "killed by signal \(signal)"
            case .hung: "still running at the time limit (killed)"
            }
        }
    }

    var end: End
    var maxRSSKiB: Int
    var stdoutBytes: [UInt8]
    var stderrBytes: [UInt8]
    var stderr: String { String(decoding: stderrBytes, as: UTF8.self) }

    init(_ executable: String, _ arguments: [String], timeout: TimeInterval) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("measured-\(UUID().uuidString)").path
        defer { for suffix in [".out", ".err"] { try? FileManager.default.removeItem(atPath: base + suffix) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, base + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, base + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestFailure("could not start \(executable): \(String(cString: strerror(spawned)))") }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        var usage = rusage()
        var end: End = .hung
        while true {
            let reaped = wait4(pid, &status, WNOHANG, &usage)
            if reaped == pid {
                let signal = status & 0x7F
                end = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
                break
            }
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = wait4(pid, &status, 0, &usage)
                break
            }
            usleep(5_000)
        }
        self.end = end
        maxRSSKiB = Int(usage.ru_maxrss)
        stdoutBytes = Array((try? Data(contentsOf: URL(fileURLWithPath: base + ".out"))) ?? Data())
        stderrBytes = Array((try? Data(contentsOf: URL(fileURLWithPath: base + ".err"))) ?? Data())
    }
}
