import Foundation

/// How much of a bundle `inspect` and `diff` decode into memory in one
/// reading: bytes per file, bytes in all, and decoding time, per kind of file.
///
/// The tar limits (``BundleReader/Limits``) bound what is hashed, which
/// streams; decoding JSON does not. A JSON file costs about 13 times its size
/// in memory while it is decoded, and a processes.json of 62 MB compresses to
/// under 1 MB: a handed-over bundle could make a reader allocate gigabytes and
/// spend minutes before saying anything. So each kind of file the readers
/// decode has an allowance, and the reading stops, with a message naming the
/// file, the kind and the figures, at the first file past one.
///
/// The figures hold what a collection writes with room to spare (an
/// ordinary pod's processes.json is 3 to 10 KB, a pod of 2,000 processes'
/// about 6 MB; 10,000 ordinary pods' come to under 128 MiB) and bound a
/// reading: decoded evidence is held about 12 times its JSON size (five
/// processes.json of 31 MiB took 1.8 GB and 32 s in `inspect --json`), so at
/// most about 1.5 GB for each of processes and sockets, and a minute of
/// decoding per kind.
public struct ReadingBudget: Sendable {
    /// The files a reader decodes, by their name in a pod's directory.
    public enum Kind: String, Sendable, CaseIterable {
        case podObject = "pod.json"
        case processes = "processes.json"
        case sockets = "sockets.json"
        case namespaces = "namespaces.json"
        /// The raw log, decoded into records when a bundle has no parsed files.
        case rawOutput = "evidence.raw"
    }

    /// What one kind of file may cost in one reading.
    public struct Allowance: Sendable, Equatable {
        /// The largest single file.
        public var fileBytes: UInt64
        /// All files of the kind together.
        public var totalBytes: UInt64
        /// Time spent reading and decoding them, all together.
        public var time: Duration

        public init(fileBytes: UInt64, totalBytes: UInt64, time: Duration) {
            self.fileBytes = fileBytes
            self.totalBytes = totalBytes
            self.time = time
        }
    }

    public var allowances: [Kind: Allowance]
    private var spentBytes: [Kind: UInt64] = [:]
    private var spentTime: [Kind: Duration] = [:]
    private var files: [Kind: Int] = [:]

    public init(allowances: [Kind: Allowance] = ReadingBudget.standardAllowances) {
        self.allowances = allowances
    }

    /// The default allowances. A pod.json is at most what the API server
    /// stores (1.5 MiB in etcd); the raw log at most the profile's cap of
    /// 9 MiB plus slack; the parsed files are about half the log each.
    /// pod.json is decoded into a few facts, so its total costs little.
    public static let standardAllowances: [Kind: Allowance] = [
        .podObject: Allowance(fileBytes: 4 << 20, totalBytes: 768 << 20, time: .seconds(60)),
        .processes: Allowance(fileBytes: 16 << 20, totalBytes: 128 << 20, time: .seconds(60)),
        .sockets: Allowance(fileBytes: 16 << 20, totalBytes: 128 << 20, time: .seconds(60)),
        .namespaces: Allowance(fileBytes: 4 << 20, totalBytes: 64 << 20, time: .seconds(60)),
        .rawOutput: Allowance(fileBytes: 16 << 20, totalBytes: 128 << 20, time: .seconds(60)),
    ]

    /// Reads and decodes one file within the budget: refuses it before a
    /// byte is read when its declared size passes the file or total
    /// allowance, and stops the reading after it when the time spent on its
    /// kind passes the time allowance. `decode` gets the file's bytes.
    public mutating func read<T>(_ entry: BundleEntry, as kind: Kind, bundle: String, decode: ([UInt8]) throws -> T) throws -> T {
        let allowance = allowances[kind] ?? Self.standardAllowances[kind]!
        let spent = spentBytes[kind, default: 0]
        if entry.size > allowance.fileBytes {
            throw ReadingBudgetExceeded(kind: kind, path: entry.path, bundle: bundle, limit: .file(size: entry.size, allowed: allowance.fileBytes))
        }
        if spent + entry.size > allowance.totalBytes {
            throw ReadingBudgetExceeded(kind: kind, path: entry.path, bundle: bundle,
                                        limit: .total(files: files[kind, default: 0] + 1, bytes: spent + entry.size, allowed: allowance.totalBytes))
        }
        spentBytes[kind] = spent + entry.size
        files[kind, default: 0] += 1
        let clock = ContinuousClock()
        let start = clock.now
        let value = try decode(try entry.readBytes(limit: allowance.fileBytes))
        let time = spentTime[kind, default: .zero] + (clock.now - start)
        spentTime[kind] = time
        if time > allowance.time {
            throw ReadingBudgetExceeded(kind: kind, path: entry.path, bundle: bundle,
                                        limit: .time(files: files[kind, default: 0], spent: time, allowed: allowance.time))
        }
        return value
    }
}

/// A reading stopped at a file past its kind's allowance in ``ReadingBudget``.
public struct ReadingBudgetExceeded: Error, Sendable, Equatable, LocalizedError {
    public enum Limit: Sendable, Equatable {
        case file(size: UInt64, allowed: UInt64)
        case total(files: Int, bytes: UInt64, allowed: UInt64)
        case time(files: Int, spent: Duration, allowed: Duration)
    }

    public var kind: ReadingBudget.Kind
    public var path: String
    public var bundle: String
    public var limit: Limit

    public var errorDescription: String? { message }

    public var message: String {
        let file = "\(BundleReader.display(path)) in the bundle \(BundleReader.display(bundle))"
        let what: String
        switch limit {
        case .file(let size, let allowed):
            what = "The file \(file) is \(Self.mebibytes(size)), more than the \(Self.mebibytes(allowed)) a \(kind.rawValue) may have to be read."
        case .total(let files, let bytes, let allowed):
            what = "Reading stopped at \(file): with it, the bundle's \(files) \(kind.rawValue) files come to \(Self.mebibytes(bytes)), more than the \(Self.mebibytes(allowed)) one reading decodes."
        case .time(let files, let spent, let allowed):
            what = "Reading stopped at \(file): decoding the bundle's first \(files) \(kind.rawValue) files took \(Self.seconds(spent)), more than the \(Self.seconds(allowed)) one reading allows."
        }
        return what + " A bundle written by kubectl-evidence stays far below this; this one was altered or holds the output of a pod built to exhaust its reader."
            + " `kubectl-evidence verify` checks it without decoding, and `kubectl-evidence inspect --pod NAMESPACE/NAME` reads one pod at a time."
    }

    static func mebibytes(_ bytes: UInt64) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MiB", Double(bytes) / 1_048_576) : "\(bytes) bytes"
    }

    static func seconds(_ duration: Duration) -> String {
        let (s, atto) = duration.components
        return String(format: "%.1f s", Double(s) + Double(atto) / 1e18)
    }
}
