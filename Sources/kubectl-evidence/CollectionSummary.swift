import Bundle
import Collector
import Evidence
import Foundation

/// The closing summary of a run: one row per selected pod, where the bundle
/// is, and the exit status that goes with it.
struct CollectionSummary {
    let result: CollectionRun.Result
    let plan: CollectionPlan

    /// 0: every planned pod collected; 3: some not; 4: none; 130: interrupted.
    var exitStatus: Int32 {
        let planned = plan.targets.count
        let collected = result.count(.collected)
        if result.manifest.run.interrupted { return 130 }
        if collected == planned { return 0 }
        return collected == 0 ? 4 : 3
    }

    /// From the start of the run to the bundle being finished.
    var durationSeconds: Double? {
        result.manifest.run.finishedAt.map { $0.timeIntervalSince(result.manifest.run.startedAt) }
    }

    /// The bundle's size on disk, when it can be read.
    static func size(of path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_size) : nil
    }

    /// "74.2 MiB", "812 KiB", "930 B".
    static func byteCount(_ bytes: UInt64) -> String {
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
        if bytes >= 1 << 10 { return "\(bytes >> 10) KiB" }
        return "\(bytes) B"
    }

    /// The table and the closing lines; `bundleName` is the path, or "standard output".
    func render(bundleName: String? = nil, sizeBytes: UInt64? = nil) -> String {
        var table = TextTable(headers: ["NAMESPACE", "POD", "OUTCOME", "REASON", "FILES"])
        for pod in result.manifest.pods {
            table.append([pod.namespace, pod.name, pod.outcome.rawValue, pod.reason, String(pod.files.count)])
        }
        var out = "\n" + table.render()
        let problems = result.manifest.pods.filter { $0.outcome == .failed || $0.outcome == .interrupted }
        if !problems.isEmpty {
            out += "\n"
            for pod in problems { out += DisplayText.line("\(pod.namespace)/\(pod.name): \(pod.message)") + "\n" }
        }
        let manifest = result.manifest
        out += "\nCollected \(result.count(.collected)) of \(plan.targets.count) planned pods"
        out += " (\(result.count(.failed)) failed, \(result.count(.skipped)) skipped, \(result.count(.interrupted)) interrupted).\n"
        let size = (sizeBytes ?? Self.size(of: result.bundle.path)).map { "\(Self.byteCount($0)), " } ?? ""
        let took = durationSeconds.map { String(format: " in %.1f s", $0) } ?? ""
        out += "Bundle: \(bundleName ?? result.bundle.path) (\(size)\(manifest.files.count) files; manifest SHA-256 \(result.bundle.manifestSHA256)), written\(took).\n"
        return out
    }
}

/// Checks the bundle's path before any pod is touched, so a typo in -o does
/// not cost the evidence after the containers were injected.
enum BundleDestination {
    /// Refuses, before any pod is touched, every output path that would fail
    /// or do harm only after the pods were injected: an empty name, a missing
    /// or unwritable directory, an existing file without --overwrite, and
    /// anything that is not a regular file (a directory, a symbolic link,
    /// dangling or not, a device), which is never replaced.
    /// `what` names the file in messages ("bundle", "report"), `flag` the option that gave it.
    static func check(_ path: String, overwrite: Bool, what: String = "bundle", flag: String = "-o") throws {
        guard !path.isEmpty else {
            throw DestinationError(message: "\(flag) was given an empty name (an unset shell variable?); give the \(what)'s file name, for example \(flag) incident\(what == "bundle" ? ".tar.gz" : ".html").")
        }
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DestinationError(message: "The directory of the \(what) \(path) does not exist; create it or choose another \(flag).")
        }
        guard access(directory, W_OK) == 0 else {
            throw DestinationError(message: "The directory \(directory) is not writable, so the \(what) \(path) cannot be written there.")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }  // nothing there: fine
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            if !overwrite {
                throw DestinationError(message: "The \(what) \(path) already exists; choose another \(flag), or add --overwrite to replace it.")
            }
        case S_IFDIR:
            throw DestinationError(message: "\(path) is a directory; \(flag) names the \(what) file, for example \(flag) \(path.hasSuffix("/") ? path : path + "/")incident\(what == "bundle" ? ".tar.gz" : ".html").")
        case S_IFLNK:
            throw DestinationError(message: "\(path) is a symbolic link; give the real path of the \(what), so that evidence never goes where a link points.")
        default:
            throw DestinationError(message: "\(path) is not a regular file (a device, a pipe or a socket); the \(what) is written only to a regular file.")
        }
    }

    struct DestinationError: Error, LocalizedError {
        var message: String
        var errorDescription: String? { message }
    }
}
