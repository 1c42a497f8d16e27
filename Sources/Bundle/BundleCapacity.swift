/// How much one bundle can hold: the writer's limits, and the reader's.
///
/// ``BundleWriter`` refuses a file that would take a bundle past any of
/// these figures, with a ``BundleError`` that names the file and the limit.
/// ``BundleReader/Limits`` takes its defaults from the same figures (see
/// ``BundleReader/Limits/init(capacity:)``). So the tool reads back every
/// bundle it writes, and a bundle beyond them was not written by it, or was
/// altered, and is refused. Change a figure here and both sides move.
///
/// A bundle's files are of two kinds, each with its own room, so that one
/// can never crowd out the other:
///
/// - **evidence**: per pod `pod.json`, and for its target container
///   `evidence.raw` (the log exactly as read, which the termination
///   message's digest covers), `processes.json`, `sockets.json`,
///   `namespaces.json`, `decode-errors.txt` when some of the output could not
///   be decoded, and `gathered-left-out.txt` when `--explode` ran out of
///   room; plus a few run-wide files under `run/`.
/// - **exploded records**: the in-pod script's records unpacked one file
///   each under `…/containers/<c>/gathered/` by `collect --explode`, a copy
///   of what `evidence.raw` holds, for browsing with tar or a file manager.
///   They share one room per bundle; a pod whose records no longer fit keeps
///   them in `evidence.raw` only, and says so.
///
/// `manifest.json` lists every file (its path, size and digest in `files`,
/// and its path again in its pod's `files`), so each file also takes room
/// in the manifest, which is read into memory: its size is budgeted from the
/// same figures.
public struct BundleCapacity: Sendable, Equatable {
    /// Pods in one run, hence in one bundle.
    public var maxPods: Int
    /// Evidence files one pod may have (see the list above).
    public var filesPerPod: Int
    /// Run-wide files (`run/…`).
    public var runFiles: Int
    /// Evidence bytes per pod, on average over ``maxPods`` pods. An ordinary
    /// pod writes 50–100 KB (the lab's demo pods: 55 KB, most of it the pod's
    /// JSON); a pod whose output reached the profile's cap writes about
    /// 20 MiB (a 10 MiB log and its parsed files).
    public var bytesPerPod: UInt64
    /// The largest file. A run's largest are a pod's log (at most the
    /// profile's output cap, 9 MiB, and 1 MiB of slack) and the
    /// processes.json parsed from it.
    public var maxFileSize: UInt64
    /// Exploded records in the whole bundle: an ordinary pod has about 65
    /// (the lab's: 50 to 89), a pod of 2,000 processes about 60,000.
    public var explodedFiles: Int
    /// Their bytes in all (each pod's are at most its output, 9 MiB).
    public var explodedBytes: UInt64
    /// Room in `manifest.json` for the run: tool, command line, profile,
    /// cluster, selection.
    public var manifestBytesForRun: Int
    /// Room in `manifest.json` for one pod's entry, its files aside (names,
    /// image IDs, steps, outcome and message, summary): 2.3 KB in the lab;
    /// failure messages quote the server.
    public var manifestBytesPerPod: Int
    /// Room in `manifest.json` for one evidence file, on average:
    /// ``manifestBytes(forPath:)`` of a path of up to 166 bytes (a pod name
    /// of about 100 characters).
    public var manifestBytesPerFile: Int
    /// Likewise for one exploded record: paths of up to 102 bytes on average.
    public var manifestBytesPerExplodedFile: Int

    public init(maxPods: Int, filesPerPod: Int, runFiles: Int, bytesPerPod: UInt64, maxFileSize: UInt64,
                explodedFiles: Int, explodedBytes: UInt64, manifestBytesForRun: Int, manifestBytesPerPod: Int,
                manifestBytesPerFile: Int, manifestBytesPerExplodedFile: Int) {
        self.maxPods = maxPods
        self.filesPerPod = filesPerPod
        self.runFiles = runFiles
        self.bytesPerPod = bytesPerPod
        self.maxFileSize = maxFileSize
        self.explodedFiles = explodedFiles
        self.explodedBytes = explodedBytes
        self.manifestBytesForRun = manifestBytesForRun
        self.manifestBytesPerPod = manifestBytesPerPod
        self.manifestBytesPerFile = manifestBytesPerFile
        self.manifestBytesPerExplodedFile = manifestBytesPerExplodedFile
    }

    /// What `collect` writes and every command reads: 10,000 pods.
    public static let standard = BundleCapacity(
        maxPods: 10_000, filesPerPod: 7, runFiles: 16, bytesPerPod: 6 << 20, maxFileSize: 256 << 20,
        explodedFiles: 400_000, explodedBytes: 8 << 30, manifestBytesForRun: 1 << 20, manifestBytesPerPod: 8 << 10,
        manifestBytesPerFile: manifestBytes(forPathLength: 166), manifestBytesPerExplodedFile: manifestBytes(forPathLength: 102))

    /// Room for one kind of file: how many, how many bytes, and how much of
    /// the manifest their listing takes.
    public struct Room: Sendable, Equatable {
        public var files: Int
        public var bytes: UInt64
        public var manifestBytes: Int
    }

    /// Room for the evidence files: ``maxPods`` × ``filesPerPod`` + ``runFiles``.
    public var evidence: Room {
        let files = maxPods * filesPerPod + runFiles
        return Room(files: files, bytes: UInt64(maxPods) * bytesPerPod, manifestBytes: files * manifestBytesPerFile)
    }

    /// Room for the exploded records.
    public var exploded: Room {
        Room(files: explodedFiles, bytes: explodedBytes, manifestBytes: explodedFiles * manifestBytesPerExplodedFile)
    }

    // MARK: - What follows for the reader

    /// The largest `manifest.json`: the run, every pod's entry, every file's listing.
    public var maxManifestSize: UInt64 {
        UInt64(manifestBytesForRun + maxPods * manifestBytesPerPod + evidence.manifestBytes + exploded.manifestBytes)
    }

    /// Entries in all: every file, `manifest.json` and `manifest.json.sig`.
    public var maxEntries: Int { evidence.files + exploded.files + 2 }

    /// The largest entry: a file, or the manifest, or its signature.
    public var maxEntrySize: UInt64 { Swift.max(maxFileSize, maxManifestSize, ManifestSignature.maxSize) }

    /// The bundle's size unpacked: every file, the manifest and its signature.
    public var maxTotalSize: UInt64 { evidence.bytes + exploded.bytes + maxManifestSize + ManifestSignature.maxSize }

    /// The longest path: the longest shape ``BundlePath`` can build.
    public static var maxPathLength: Int { BundlePath.maxLength }

    /// What listing a file takes in `manifest.json` as
    /// ``Manifest/jsonData()`` writes it: its record in `files` (153 bytes
    /// and the path, with a size of up to 20 digits) and its path in its
    /// pod's `files` (12 bytes and the path), rounded up. Bundle paths need
    /// no JSON escaping.
    public static func manifestBytes(forPathLength length: Int) -> Int {
        2 * length + 180
    }

    /// Why these limits: one sentence for messages.
    var explanation: String {
        "a bundle holds at most \(maxPods) pods' evidence (\(filesPerPod) files and \(bytesPerPod >> 20) MiB each on average, and \(runFiles) run files) and \(explodedFiles) exploded records (\(explodedBytes >> 30) GiB), which is what kubectl-evidence reads back"
    }
}
