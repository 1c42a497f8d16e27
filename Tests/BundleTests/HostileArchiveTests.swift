import Bundle
import Foundation
import Testing

/// Bundles attached to tickets are untrusted. These archives are built with
/// Python's tarfile, not with our writer, exactly as an attacker would.
@Suite struct HostileArchiveTests {
    /// Writes a tar.gz with Python's tarfile. `entries` is Python code run
    /// with `t` (the TarFile) and `add(name, data=b"", **attributes)`.
    static func pythonTar(_ path: String, _ entries: String) throws {
        let script = """
        import io, sys, tarfile
        t = tarfile.open(sys.argv[1], "w:gz", format=tarfile.PAX_FORMAT)
        def add(name, data=b"", **attributes):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            for key, value in attributes.items():
                setattr(info, key, value)
            t.addfile(info, io.BytesIO(data) if info.type in (tarfile.REGTYPE, tarfile.AREGTYPE) else None)
        \(entries)
        t.close()
        """
        let result = try run(["python3", "-c", script, path])
        guard result.status == 0 else { throw TestFailure("python3 could not build the archive: \(result.stderr)") }
    }

    /// Builds the archive, reads it, and expects a refusal that names `entry`.
    func expectRefused(_ entries: String, code: BundleError.Code = .unsafeEntry, naming entry: String,
                       because words: String, limits: BundleReader.Limits = .init(),
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/hostile.tar.gz"
            try Self.pythonTar(path, "add(\"pods/shop/a/pod.json\", b\"{}\")\n" + entries)
            let error = expectBundleError(code, sourceLocation: sourceLocation) {
                try BundleReader(path: path, limits: limits).forEachEntry { _ = try $0.readBytes() }
            }
            let message = error?.message ?? ""
            #expect(message.contains("\"\(entry)\""), "the message does not name \(entry): \(message)", sourceLocation: sourceLocation)
            #expect(message.contains(path), "the message does not name the bundle: \(message)", sourceLocation: sourceLocation)
            #expect(message.contains(words), "the message does not say \(words): \(message)", sourceLocation: sourceLocation)
            // verify and manifest() refuse it just the same.
            expectBundleError(code, sourceLocation: sourceLocation) { _ = try BundleReader(path: path, limits: limits).verify() }
        }
    }

    @Test func anAbsolutePathIsRefused() throws {
        try expectRefused(#"add("/etc/cron.d/evil", b"* * * * * root sh")"#, naming: "/etc/cron.d/evil", because: "absolute path")
    }

    @Test(arguments: ["../x", "pods/../../x", "pods/shop/..", "pods\\..\\..\\x"])
    func aDotDotComponentIsRefused(name: String) throws {
        let escaped = name.replacingOccurrences(of: "\\", with: "\\\\")
        try expectRefused("add(\"\(escaped)\", b\"x\")", naming: escaped, because: "\"..\" component")
    }

    @Test func aSymbolicLinkIsRefused() throws {
        try expectRefused(#"add("pods/shop/a/link", type=tarfile.SYMTYPE, linkname="/etc/passwd")"#,
                          naming: "pods/shop/a/link", because: "symbolic link to \"/etc/passwd\"")
    }

    @Test func aHardLinkIsRefused() throws {
        try expectRefused(#"add("pods/shop/a/hard", type=tarfile.LNKTYPE, linkname="pods/shop/a/pod.json")"#,
                          naming: "pods/shop/a/hard", because: "hard link to \"pods/shop/a/pod.json\"")
    }

    @Test func devicesAndFIFOsAreRefused() throws {
        try expectRefused(#"add("pods/shop/a/mem", type=tarfile.CHRTYPE, devmajor=1, devminor=1)"#,
                          naming: "pods/shop/a/mem", because: "character device")
        try expectRefused(#"add("pods/shop/a/sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0)"#,
                          naming: "pods/shop/a/sda", because: "block device")
        try expectRefused(#"add("pods/shop/a/pipe", type=tarfile.FIFOTYPE)"#, naming: "pods/shop/a/pipe", because: "FIFO")
    }

    @Test func aHugeDeclaredSizeIsRefusedBeforeAnyDataIsRead() throws {
        try withTemporaryDirectory { directory in
            // A header that declares 1 TiB, with no data behind it: the kind of
            // entry that makes a naive reader allocate or loop for hours.
            let path = directory + "/huge.tar.gz"
            let script = """
            import gzip, sys, tarfile
            info = tarfile.TarInfo("pods/shop/a/huge")
            info.size = 1 << 40
            with gzip.open(sys.argv[1], "wb") as out:
                out.write(info.tobuf(tarfile.PAX_FORMAT))
                out.write(b"\\0" * 1024)
            """
            let built = try run(["python3", "-c", script, path])
            try #require(built.status == 0, "python3: \(built.stderr)")
            let error = expectBundleError(.tooLarge) { try BundleReader(path: path).forEachEntry { _ in } }
            #expect(error?.message.contains("\"pods/shop/a/huge\"") == true)
            #expect(error?.message.contains("1099511627776 bytes") == true)
        }
        // A smaller configured cap applies the same way, to a real entry.
        try expectRefused(#"add("pods/shop/a/big", b"x" * 5000)"#, code: .tooLarge, naming: "pods/shop/a/big",
                          because: "more than the limit of 4096 bytes", limits: .init(maxEntrySize: 4096))
    }

    @Test func tooManyEntriesAreRefused() throws {
        try expectRefused(#"for i in range(10): add("pods/shop/a/f%d" % i, b"x")"#, code: .tooManyEntries,
                          naming: "pods/shop/a/f4", because: "limit of 5 entries", limits: .init(maxEntries: 5))
    }

    @Test func tooMuchInAllIsRefused() throws {
        try expectRefused(#"for i in range(10): add("pods/shop/a/f%d" % i, b"x" * 1000)"#, code: .tooLarge,
                          naming: "pods/shop/a/f3", because: "limit of 3500 bytes in all", limits: .init(maxTotalSize: 3500))
    }

    @Test func controlCharactersInANameAreRefusedAndNotPrinted() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/escape.tar.gz"
            try Self.pythonTar(path, #"add("pods/shop/\x1b]0;pwned\x07\x1b[2J", b"x")"#)
            let error = expectBundleError(.unsafeEntry) { try BundleReader(path: path).forEachEntry { _ in } }
            let message = error?.message ?? ""
            #expect(message.contains("control characters"))
            #expect(!message.unicodeScalars.contains { $0.value < 0x20 }, "the message carries the raw escape: \(message.debugDescription)")
            #expect(message.contains(#"pods/shop/\u{1B}]0;pwned"#))
        }
    }

    @Test func aPathThatAppearsTwiceIsRefused() throws {
        try expectRefused(#"add("pods/shop/a/pod.json", b"replaced")"#, naming: "pods/shop/a/pod.json", because: "second time")
    }

    @Test func anEntryAfterTheManifestIsRefused() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/appended.tar.gz"
            try Self.pythonTar(path, #"""
            add("manifest.json", b"{}")
            add("pods/shop/a/added-later", b"x")
            """#)
            let error = expectBundleError(.manifest) { _ = try BundleReader(path: path).manifest() }
            #expect(error?.message.contains("\"pods/shop/a/added-later\" after manifest.json") == true, "\(error?.message ?? "")")
        }
    }

    @Test func aFileThatIsNotABundleGivesLibarchivesReasonAndThePath() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/notes.tar.gz"
            try writeFile(path, Data(pseudoRandomBytes(count: 4096, seed: 3)))
            let error = expectBundleError(.archive) { try BundleReader(path: path).forEachEntry { _ in } }
            #expect(error?.message.contains(path) == true)
            #expect(error?.message.contains("Unrecognized archive format") == true, "\(error?.message ?? "")")

            let missing = expectBundleError(.archive) { try BundleReader(path: directory + "/absent.tar.gz").forEachEntry { _ in } }
            #expect(missing?.message.contains("absent.tar.gz") == true)
        }
    }

    @Test func aBundleCutShortIsReportedNotMisread() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/whole.tar.gz"
            _ = try BundleRoundTripTests.writeSampleBundle(to: path)
            let bytes = try #require(FileManager.default.contents(atPath: path))
            let cut = directory + "/cut.tar.gz"
            try writeFile(cut, bytes.prefix(bytes.count / 2))
            let error = expectBundleError(.archive) { _ = try BundleReader(path: cut).verify() }
            #expect(error?.message.contains(cut) == true)
            #expect(error?.message.contains("cut short") == true, "\(error?.message ?? "")")
        }
    }
}
