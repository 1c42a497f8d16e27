@testable import Collector
import Evidence
import Foundation
import TestSupport
import Testing

/// The in-pod script streams its records to stdout and hashes the same bytes
/// as they go: no file that any process could open ever holds the output, the
/// termination message is the digest of exactly what reached stdout, and the
/// cap counts what the kubelet's log file stores.
@Suite("in-pod script streams and hashes its output", .enabled(if: NamespaceSandbox.available, "needs root, util-linux (unshare, nsenter, setpriv) and /bin/busybox"))
struct InPodStreamingTests {
    /// 200 sleeping processes: a run of about a second and several hundred KB.
    static let manyProcesses = "i=0; while [ $i -lt 200 ]; do sleep 1000 & i=$((i+1)); done"

    /// The stream's first bytes, as they are and as the log carries them.
    static let frameHeaders = [Array("#kubectl-evidence frame v1".utf8),
                               Array(LogTransport.wrap(Array("#kubectl-evidence frame v1\n".utf8)).prefix(24))]

    /// A directory for the script's private temporary directory that other
    /// users may reach (1777, like /tmp), inside the sandbox's directory.
    static func sharedTmp(in sandbox: NamespaceSandbox, name: String = "tmp") throws -> String {
        let path = sandbox.directory.path + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        guard chmod(path, 0o1777) == 0, chmod(sandbox.directory.path, 0o755) == 0 else {
            throw HostCommand.Failure(description: "chmod \(path): \(String(cString: strerror(errno)))")
        }
        return path
    }

    @Test("while it runs, no file in its temporary directory holds the output: none starts with the frame header, none grows past a batch")
    func noOutputFile() throws {
        let sandbox = try NamespaceSandbox(setup: Self.manyProcesses)
        defer { sandbox.stop() }
        let tmp = try Self.sharedTmp(in: sandbox)
        let watcher = TemporaryFilesWatcher(directory: tmp, headers: Self.frameHeaders)
        watcher.start()
        let run = try Collection.run(in: sandbox, options: InPodScript.Options(temporaryDirectory: tmp))
        let seen = watcher.stop()

        #expect(run.output.status == 0, "stderr: \(run.output.stderr)")
        #expect(OutputIntegrity.verify(log: run.output.stdoutBytes, terminationMessage: run.terminationMessage).isVerified)
        #expect(run.output.stdoutBytes.count > 256 * 1024, "the output is only \(run.output.stdoutBytes.count) bytes")
        #expect(seen.samplesWithFiles >= 5, "the watcher saw the temporary directory with files only \(seen.samplesWithFiles) times")
        #expect(seen.filesWithHeader.isEmpty, "files holding the framed stream: \(seen.filesWithHeader.sorted())")
        #expect(seen.largest.size < 64 * 1024, "\(seen.largest.path) reached \(seen.largest.size) bytes of an output of \(run.output.stdoutBytes.count)")
        #expect(!seen.names.contains("out"), "an output file: \(seen.names.sorted())")
    }

    @Test("the termination message's SHA-256 and byte count are those of stdout, exactly, with and without a cut")
    func messageIsStdout() throws {
        let sandbox = try NamespaceSandbox(setup: InPodScriptRunTests.webSetup)
        defer { sandbox.stop() }
        for cap in [InPodScript.Options.defaultOutputCap, 6000] {
            let run = try Collection.run(in: sandbox, options: InPodScript.Options(outputCapBytes: cap))
            #expect(run.output.status == 0, "stderr: \(run.output.stderr)")
            let message = try #require(run.terminationMessage)
            #expect(TerminationMessage.parse(message) == .digest(OutputIntegrity.digest(of: run.output.stdoutBytes)), "cap \(cap): \(message)")
            #expect(message == OutputIntegrity.digest(of: run.output.stdoutBytes).description)
            #expect(run.decoded.isIntact, "\(run.decoded.errors)")
            #expect(run.decoded.trailer?.records == run.decoded.records.count)
        }
    }

    /// An attacker in the pod overwriting evidence while the script runs, in a
    /// loop, as in the issue: `dd conv=notrunc` of the marker FORGED 600 bytes
    /// into each file it attacks (inside the records, so the framing still
    /// holds). The marker is not in its own command line, which the script
    /// gathers. Its rounds and the files it overwrote go to the attack directory.
    static func attacker(targets: String, in sandbox: NamespaceSandbox) -> String {
        """
        cd '\(sandbox.directory.path)/\(attackDirectory)' || exit 1
        m=$(echo FORGEX | busybox tr X D)
        n=0
        while [ ! -e stop ]; do
            n=$((n+1))
            for f in \(targets); do
                [ -f "$f" ] || continue
                printf %s "$m" | busybox dd of="$f" bs=1 seek=600 conv=notrunc 2>/dev/null && echo "$f" >> hits
            done
            echo $n > rounds.new && busybox mv rounds.new rounds
        done
        """
    }

    static let attackDirectory = "attack"
    static let marker = Array("FORGE".utf8) + [UInt8(ascii: "D")]

    @Test("the issue's attacker, with the script's uid, finds no output file to forge: the output verifies and holds no forged bytes")
    func sameUidAttackFindsNothing() throws {
        let sandbox = try NamespaceSandbox(setup: Self.manyProcesses)
        defer { sandbox.stop() }
        let tmp = try Self.sharedTmp(in: sandbox)
        // Every `out` file and every file that holds the framed stream, through
        // every process's root and directly, like the loop over
        // /proc/[0-9]*/root/tmp/evidence.*/out in the issue.
        let targets = "/proc/[0-9]*/root\(tmp)/evidence.*/out '\(tmp)'/evidence.*/out $(busybox grep -rl '^#kubectl-evidence frame v1' '\(tmp)' 2>/dev/null)"
        // The script runs as root here; so does the attacker, without any capability.
        let attack = try startAttacker(in: sandbox, script: Self.attacker(targets: targets, in: sandbox),
                                       as: ["/usr/bin/setpriv", "--inh-caps=-all", "--bounding-set=-all", "--"])
        defer { kill(attack, SIGKILL) }
        try waitForRounds(in: sandbox, atLeast: 1)
        let run = try Collection.run(in: sandbox, options: InPodScript.Options(temporaryDirectory: tmp))
        let rounds = try stopAttacker(in: sandbox)

        #expect(run.output.status == 0, "stderr: \(run.output.stderr)")
        #expect(rounds >= 2, "the attacker ran \(rounds) rounds")
        let verdict = OutputIntegrity.verify(log: run.output.stdoutBytes, terminationMessage: run.terminationMessage)
        let forged = contains(run.stream, Self.marker)
        #expect(!(forged && verdict.isVerified), "forged bytes in an output that verifies")
        #expect(verdict.isVerified && !forged, "\(verdict.summary)")
        #expect(hits(in: sandbox).isEmpty, "the attacker overwrote \(hits(in: sandbox))")
    }

    @Test("an attacker with another uid (as the evidence container's will be) reaches no file of the script's at all")
    func otherUidAttackReachesNothing() throws {
        let sandbox = try NamespaceSandbox(setup: Self.manyProcesses)
        defer { sandbox.stop() }
        let tmp = try Self.sharedTmp(in: sandbox)
        // Every regular file under the temporary directory, through every process's root and cwd, and directly.
        let targets = "$(busybox find /proc/[0-9]*/root\(tmp) /proc/[0-9]*/cwd/ '\(tmp)' -path '*/evidence.*' -type f 2>/dev/null)"
        let attack = try startAttacker(in: sandbox, script: Self.attacker(targets: targets, in: sandbox),
                                       as: ["/usr/bin/setpriv", "--reuid", "1000", "--regid", "1000", "--clear-groups", "--"])
        defer { kill(attack, SIGKILL) }
        try waitForRounds(in: sandbox, atLeast: 1)
        let run = try Collection.run(in: sandbox, options: InPodScript.Options(temporaryDirectory: tmp))
        let rounds = try stopAttacker(in: sandbox)

        #expect(run.output.status == 0, "stderr: \(run.output.stderr)")
        #expect(rounds >= 2, "the attacker ran \(rounds) rounds")
        #expect(hits(in: sandbox).isEmpty, "the attacker overwrote \(hits(in: sandbox))")
        #expect(OutputIntegrity.verify(log: run.output.stdoutBytes, terminationMessage: run.terminationMessage).isVerified)
        #expect(!contains(run.stream, Self.marker))
    }

    @Test("with a small cap, the kubelet's log of the output stays under the cap: containerd's pieces of 16 KiB and conmon's of one pipe write (1 KiB), 46 bytes of prefix each")
    func capCountsTheKubeletsPrefixes() throws {
        // A 40 000-byte argument: one line the runtime splits into partial records.
        let setup = InPodScriptRunTests.webSetup + "\nbusybox sh -c 'sleep 1003; :' \"$(busybox awk 'BEGIN { while (i++ < 40000) printf \"x\" }')\" &\nsleep 0.2"
        let sandbox = try NamespaceSandbox(setup: setup)
        defer { sandbox.stop() }
        for cap in [4096, 8192, 20_000, 65_536, 200_000] {
            let run = try Collection.run(in: sandbox, options: InPodScript.Options(outputCapBytes: cap))
            #expect(run.output.status == 0, "stderr: \(run.output.stderr)")
            #expect(run.decoded.isIntact, "cap \(cap): \(run.decoded.errors)")
            #expect(OutputIntegrity.verify(log: run.output.stdoutBytes, terminationMessage: run.terminationMessage).isVerified)
            let lines = run.output.stdoutBytes.count { $0 == UInt8(ascii: "\n") }
            #expect(run.output.stdoutBytes.count + 36 * lines <= cap, "cap \(cap): \(run.output.stdoutBytes.count) bytes in \(lines) lines")
            #expect(lines == 1, "the log is one line of base64")
            for piece in [16384, 1024] {
                let logged = Self.criLogSize(run.output.stdoutBytes, piece: piece)
                #expect(logged <= cap, "cap \(cap): the kubelet's log would hold \(logged) bytes in pieces of \(piece)")
            }
            if cap == 200_000 {
                #expect(run.pids(withArgument: "sleep 1003; :").count == 1, "the 40 000-byte argument's process is gathered whole")
            }
        }
    }

    @Test("when the cap stops gathering, every process left out is counted and listed in meta script/left-out")
    func leftOutProcessesAreCounted() throws {
        let sandbox = try NamespaceSandbox(setup: "i=0; while [ $i -lt 40 ]; do sleep 1000 & i=$((i+1)); done")
        defer { sandbox.stop() }
        let whole = try Collection.run(in: sandbox)
        let all = Set(whole.processes.keys)
        #expect(all.count == 42)
        let run = try Collection.run(in: sandbox, options: InPodScript.Options(outputCapBytes: 30_000))
        #expect(run.output.status == 0, "stderr: \(run.output.stderr)")
        #expect(run.decoded.cut != nil)
        let text = try #require(run.record(.meta, "script/left-out")).text
        let fields = text.split(separator: " ", maxSplits: 2)
        #expect(fields.count == 3 && fields[0].hasPrefix("processes=") && fields[1].hasPrefix("listed=") && fields[2].hasPrefix("pids="), "\(text)")
        let count = Int(fields[0].dropFirst("processes=".count)) ?? -1
        let pids = fields.count == 3 ? fields[2].dropFirst("pids=".count).split(separator: " ").compactMap { Int($0) } : []
        #expect(count > 0 && count == pids.count && fields[1] == "listed=\(count)", "\(text)")
        // Each process is gathered whole (down to its last record, the fd summary) or left out: never both, never neither.
        let gathered = Set(run.processes.filter { pid, records in records.contains { $0.kind == .meta && $0.key == "proc/\(pid)/fd" } }.keys)
        #expect(Set(pids).isDisjoint(with: gathered), "gathered \(gathered.sorted()), left out \(pids)")
        #expect(Set(pids).union(gathered) == all, "gathered \(gathered.sorted()), left out \(pids)")
    }

    /// Runs the script with a POSIX shell (dash: busybox sh runs its own
    /// applets whatever PATH says) and a `busybox` first in PATH that fails
    /// `applet` as `fault` says, passing every other applet to /bin/busybox.
    static func runWithFault(applet: String, fault: String) throws -> (output: ProcessResult, message: String?) {
        let directory = try TemporaryDirectory(prefix: "fault")
        let fake = directory.path + "/busybox"
        let text = "#!/bin/sh\n[ \"$1\" = \(applet) ] && { shift; \(fault); }\nexec /bin/busybox \"$@\"\n"
        guard FileManager.default.createFile(atPath: fake, contents: Data(text.utf8)), chmod(fake, 0o755) == 0 else {
            throw HostCommand.Failure(description: "cannot write \(fake)")
        }
        let message = directory.path + "/termination-log"
        let options = InPodScript.Options(sections: [.sockets], terminationLogPath: message)
        let output = try HostCommand.run(["/usr/bin/env", "PATH=\(directory.path):/usr/bin:/bin", "/bin/dash", "-c", InPodScript.text,
                                          InPodScript.programName] + options.arguments)
        return (output, try? String(contentsOfFile: message, encoding: .utf8))
    }

    @Test("when the hashing pipeline fails, the script fails loudly: exit status 2, the reason on stderr and in the termination message, no digest",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/dash")),
          arguments: [
              ("sha256sum", "cat > /dev/null; exit 1", ["cannot compute the SHA-256 of the output (sha256sum exit status 1)"]),
              ("sha256sum", "cat > /dev/null; exit 0", ["sha256sum gave no digest of the output"]),
              ("wc", "cat > /dev/null; exit 1", ["cannot count the bytes of the output (wc exit status 1)"]),
              // tee stops reading: collect dies of SIGPIPE, in cat or in the shell itself, or (when
              // the shell's echo fails with EIO first) the byte count finds what was lost.
              ("tee", "exec /bin/busybox head -c 1000", ["cannot write the output (cat)", "the collection stopped before it finished",
                                                       "encoding the output failed (base64 exit status 141)", "the output hashed has "]),
          ])
    func hashingFails(applet: String, fault: String, reasons: [String]) throws {
        let (output, message) = try Self.runWithFault(applet: applet, fault: fault)
        #expect(output.status == 2, "stderr: \(output.stderr)")
        #expect(reasons.contains { output.stderr.contains("evidence-collect: \($0)") }, "stderr: \(output.stderr)")
        // A reason given as a sentence's start ("the output hashed has ") matches the whole sentence with its figures.
        let parsed = message.map(TerminationMessage.parse) ?? .unrecognised("none")
        #expect(reasons.contains { reason in
            guard case .scriptError(let said) = parsed else { return false }
            return reason.hasSuffix(" ") ? said.hasPrefix(reason) : said == reason
        }, "termination message: \(message ?? "none")")
    }

    @Test("the same run without a fault, with dash, verifies", .enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/dash")))
    func noFaultWithDash() throws {
        let (output, message) = try Self.runWithFault(applet: "none", fault: "exit 1")
        #expect(output.status == 0, "stderr: \(output.stderr)")
        #expect(OutputIntegrity.verify(log: output.stdoutBytes, terminationMessage: message).isVerified)
    }

    // MARK: - helpers

    /// The size of the CRI log the runtime writes for `stdout`: per line a
    /// record "<RFC3339Nano timestamp, at most 35 bytes> stdout F <line>\n",
    /// lines over 16384 bytes split into records of 16384 bytes.
    static func criLogSize(_ stdout: [UInt8], piece: Int) -> Int {
        let prefix = 35 + " stdout F ".utf8.count
        var total = 0
        for line in stdout.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
            let records = max(1, (line.count + piece - 1) / piece)
            total += records * (prefix + 1) + line.count
        }
        return total
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// Starts `script` in the sandbox's namespaces in the background; returns the host pid.
    func startAttacker(in sandbox: NamespaceSandbox, script: String, as wrapper: [String]) throws -> Int32 {
        _ = try Self.sharedTmp(in: sandbox, name: Self.attackDirectory)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["-t", String(sandbox.initPid), "-p", "-n", "-m", "--"] + wrapper + ["/bin/busybox", "sh", "-c", script]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process.processIdentifier
    }

    func rounds(in sandbox: NamespaceSandbox) -> Int {
        (try? String(contentsOfFile: sandbox.directory.path + "/\(Self.attackDirectory)/rounds", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
    }

    func waitForRounds(in sandbox: NamespaceSandbox, atLeast n: Int) throws {
        let deadline = Date().addingTimeInterval(20)
        while rounds(in: sandbox) < n {
            guard Date() < deadline else { throw HostCommand.Failure(description: "the attacker did not run") }
            usleep(10_000)
        }
    }

    /// Stops the attacker after one more round; returns the rounds it ran.
    func stopAttacker(in sandbox: NamespaceSandbox) throws -> Int {
        let before = rounds(in: sandbox)
        try? waitForRounds(in: sandbox, atLeast: before + 1)
        _ = FileManager.default.createFile(atPath: sandbox.directory.path + "/\(Self.attackDirectory)/stop", contents: nil)
        return rounds(in: sandbox)
    }

    func hits(in sandbox: NamespaceSandbox) -> [String] {
        ((try? String(contentsOfFile: sandbox.directory.path + "/\(Self.attackDirectory)/hits", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}

/// Polls a directory tree from a thread of its own while a test runs: the
/// largest regular file, the files that start with one of `headers`, the names seen.
final class TemporaryFilesWatcher: @unchecked Sendable {
    struct Seen {
        var largest: (path: String, size: Int) = ("", 0)
        var filesWithHeader: Set<String> = []
        var names: Set<String> = []
        var samplesWithFiles = 0
    }

    let directory: String
    let headers: [[UInt8]]
    private let lock = NSLock()
    private var seen = Seen()
    private var stopping = false
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    init(directory: String, headers: [[UInt8]]) {
        self.directory = directory
        self.headers = headers
    }

    func start() {
        let thread = Thread { [self] in
            while !lock.withLock({ stopping }) {
                sample()
            }
            done.signal()
        }
        self.thread = thread
        thread.start()
    }

    func stop() -> Seen {
        lock.withLock { stopping = true }
        done.wait()
        return lock.withLock { seen }
    }

    private func sample() {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return }
        var any = false
        while let relative = walker.nextObject() as? String {
            let path = directory + "/" + relative
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            any = true
            let size = Int(info.st_size)
            var startsWithHeader = false
            if let handle = FileHandle(forReadingAtPath: path) {
                let longest = headers.map(\.count).max() ?? 0
                let first = (try? handle.read(upToCount: longest)).map { [UInt8]($0) } ?? []
                startsWithHeader = headers.contains { !$0.isEmpty && first.starts(with: $0) }
                try? handle.close()
            }
            lock.withLock {
                seen.names.insert((relative as NSString).lastPathComponent)
                if size > seen.largest.size { seen.largest = (relative, size) }
                if startsWithHeader { seen.filesWithHeader.insert(relative) }
            }
        }
        if any { lock.withLock { seen.samplesWithFiles += 1 } }
    }
}
