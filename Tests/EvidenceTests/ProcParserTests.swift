import Evidence
import Foundation
import Testing

/// The process parsers on real /proc files of this test process and on the
/// shapes a hostile process can give them.
struct ProcParserTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func parsesThisProcessesOwnStatAndStatus() throws {
        let stat = try ProcStat.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "/proc/self/stat"))), key: "proc/self/stat")
        #expect(stat.pid == Int(getpid()))
        #expect(stat.ppid == Int(getppid()))
        #expect(stat.threads ?? 0 >= 1 && stat.startTicks != nil && stat.rssPages != nil)
        var problems: [EvidenceProblem] = []
        let status = ProcStatus.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "/proc/self/status"))), key: "proc/self/status", problems: &problems)
        #expect(problems.isEmpty, "\(problems)")
        #expect(status.uids?[0] == UInt64(getuid()) && status.uids?[1] == UInt64(geteuid()))
        #expect(status.nspid?.last == UInt64(getpid()) && status.vmRSSKiB != nil && status.capEff != nil)
    }

    @Test func commWithSpacesAndParenthesesIsReadFromTheLastParenthesis() throws {
        let stat = try ProcStat.parse(Self.bytes("42 (a) b) (c ) R 7 42 42 0 -1 4194560 94 179 0 0 0 0 0 0 20 0 3 0 1234 2322432 99\n"), key: "proc/42/stat")
        #expect(stat.comm == Self.bytes("a) b) (c "))
        #expect(stat.state == "R" && stat.ppid == 7 && stat.threads == 3 && stat.startTicks == 1234 && stat.rssPages == 99)
        // The kernel does not escape comm in stat: a newline stays inside the parentheses.
        let forged = try ProcStat.parse(Self.bytes("43 (x\n44 (y) S 1\n) S 2 43 43 0 -1 0\n"), key: "proc/43/stat")
        #expect(forged.comm == Self.bytes("x\n44 (y) S 1\n") && forged.ppid == 2)
        #expect(DisplayText.escape(forged.comm) == "x\\n44 (y) S 1\\n")
    }

    @Test(arguments: [
        ("", "the file is empty"),
        ("42 (worker", "no ')' closes the command name"),
        ("42 worker) S 1", "no '(' opens the command name"),
        ("42 (worker) ", "field 3 (state) is missing"),
        ("42 (worker) S", "field 4 (ppid) is missing"),
        ("x42 (worker) S 1", "field 1 (pid) \"x42\" is not a pid"),
        ("42 (worker) SS 1", "field 3 (state) \"SS\" is not one letter"),
        ("42 (worker) S -1", "field 4 (ppid) \"-1\" is not a pid"),
        ("42 (w) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1180591620717411303424 0 0", "field 22 (starttime) \"1180591620717411303424\" is too large"),
        ("42 (w) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12 0 4x", "field 24 (rss) \"4x\" is not a decimal number"),
        ("99999999999 (w) S 1", "field 1 (pid) \"99999999999\" is not a pid"),
    ])
    func badStatLinesGivePreciseErrors(line: String, expected: String) {
        #expect {
            _ = try ProcStat.parse(Self.bytes(line), key: "proc/42/stat")
        } throws: { error in
            guard let problem = error as? EvidenceProblem else { return false }
            return problem.key == "proc/42/stat" && problem.message.hasPrefix("proc/42/stat: ") && problem.message.contains(expected)
        }
    }

    @Test func aMegabyteStatIsRefusedWithoutParsing() {
        let huge = Self.bytes("42 (") + Array(repeating: UInt8(ascii: "A"), count: 1 << 20) + Self.bytes(") S 1")
        #expect(throws: EvidenceProblem.self) { _ = try ProcStat.parse(huge, key: "proc/42/stat") }
    }

    @Test func argvIsSplitOnNulsAndEscaped() {
        let raw = Self.bytes("sh\u{0}-c\u{0}a\nb\u{0}\u{1B}[2J\u{1B}]0;owned\u{07}\u{0}tab\there\u{0}back\\slash\u{0}\u{0}")
            + [0xFF, 0xC2, 0x9B, 0x33, 0x31, 0x6D, 0xE2, 0x80, 0xAE, 0] + Self.bytes("é✓\u{0}")
        let c = ProcCmdline.parse(raw)
        #expect(c.argv == ["sh", "-c", "a\\nb", "\\x1B[2J\\x1B]0;owned\\x07", "tab\\there", "back\\\\slash", "",
                           "\\xFF\\u{9B}31m\\u{202E}", "é✓"])
        #expect(!c.truncated)
        #expect(ProcCmdline.commandLine(["sh", "-c", "echo hi", ""]) == "sh -c 'echo hi' ''")
    }

    @Test func argvWithoutAFinalNulAndOverCapsIsCutAndSaidSo() {
        #expect(ProcCmdline.parse(Self.bytes("python\u{0}app.py")).argv == ["python", "app.py"])
        var limits = EvidenceLimits()
        limits.maxArguments = 3
        limits.maxArgumentBytes = 4
        let c = ProcCmdline.parse(Self.bytes("aaaaaaaa\u{0}b\u{0}c\u{0}d\u{0}"), limits: limits)
        #expect(c.argv == ["aaaa…", "b", "c"] && c.truncated)
        let big = ProcCmdline.parse(Array(repeating: 0x41, count: 1 << 20))
        #expect(big.truncated && big.argv.count == 1 && big.argv[0].utf8.count <= EvidenceLimits().maxArgumentBytes + 3)
    }

    @Test func displayTextNeverCarriesRawControlsAndIsReversible() {
        for byte in UInt8(0)...UInt8(255) {
            let shown = DisplayText.escape([byte])
            #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) })
        }
        // Overlong, surrogate and too-large sequences are bytes, not characters.
        #expect(DisplayText.escape([0xC0, 0xAF]) == "\\xC0\\xAF")
        #expect(DisplayText.escape([0xED, 0xA0, 0x80]) == "\\xED\\xA0\\x80")
        #expect(DisplayText.escape([0xF4, 0x90, 0x80, 0x80]) == "\\xF4\\x90\\x80\\x80")
        #expect(DisplayText.escape([0xE2, 0x82]) == "\\xE2\\x82")
    }

    @Test func statusLinesThatLieAreProblemsForTheirFieldOnly() {
        var problems: [EvidenceProblem] = []
        let status = ProcStatus.parse(Self.bytes("Name:\tevil\nUid:\t0\t1180591620717411303424\t0\t0\nGid:\t1\t2\t3\t4\nThreads:\tmany\nVmRSS:\t12 MB\nNSpid:\t9\t1\nCapEff:\tzz\n"), key: "proc/9/status", problems: &problems)
        #expect(status.gids == [1, 2, 3, 4] && status.nspid == [9, 1] && status.name == Self.bytes("evil"))
        #expect(status.uids == nil && status.threads == nil && status.vmRSSKiB == nil && status.capEff == nil)
        #expect(problems.map(\.message) == [
            "proc/9/status: the Uid line \"\\t0\\t1180591620717411303424\\t0\\t0\" has a value that is too large for a 64-bit number.",
            "proc/9/status: the Threads line \"\\tmany\" has a value that is not a decimal number.",
            "proc/9/status: the VmRSS line \"\\t12 MB\" is not \"<number> kB\".",
            "proc/9/status: the CapEff line \"\\tzz\" is not a 64-bit hexadecimal mask.",
        ])
    }

    @Test func linksAndCgroups() {
        #expect(LinkTarget.parseTypedInode(Self.bytes("pid:[4026531836]"))! == ("pid", 4_026_531_836))
        #expect(LinkTarget.parseTypedInode(Self.bytes("pid:[]")) == nil)
        #expect(LinkTarget.parseTypedInode(Self.bytes("pid:[1180591620717411303424]")) == nil)
        #expect(LinkTarget.socketInode(Self.bytes("pipe:[12]")) == nil)
        #expect(LinkTarget.socketInode(Self.bytes("socket:[12]")) == 12)
        let (path, deleted) = LinkTarget.path(Self.bytes("/tmp/.x\n/evil (deleted)"))
        #expect(path == "/tmp/.x\\n/evil" && deleted)
        var problems: [EvidenceProblem] = []
        let lines = CgroupEntry.parseFile(Self.bytes("12:memory,pids:/kubepods/pod1\n0::/a:b\ngarbage\n"), key: "proc/3/cgroup", problems: &problems)
        #expect(lines == [CgroupEntry(hierarchy: 12, controllers: "memory,pids", path: "/kubepods/pod1"),
                          CgroupEntry(hierarchy: 0, controllers: "", path: "/a:b")])
        #expect(problems.map(\.message) == ["proc/3/cgroup: line 3 \"garbage\" is not \"<hierarchy-id>:<controllers>:<path>\"."])
    }
}
