import Foundation

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
