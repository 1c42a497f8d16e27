import Foundation

/// Everything that can go wrong writing or reading an evidence bundle.
///
/// One struct with a stable `code` (for tests and exit statuses) and a full
/// sentence (`message`) that names the bundle, and the entry where there is
/// one, so that the person reading it at 3 a.m. knows what to look at.
public struct BundleError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// What kind of failure this is. Stable: callers switch on it.
    public enum Code: String, Sendable, Equatable {
        /// The output file already exists and overwriting was not allowed.
        case outputExists
        /// A file could not be created, written, synced or renamed.
        case fileSystem
        /// libarchive reported an error (its own words are in the message).
        case archive
        /// The writer was used after `finish`, `abort`, or a fatal error.
        case writerClosed
        /// The same archive path was added twice.
        case duplicatePath
        /// A streamed file was not as long as the data it promised.
        case shortWrite
        /// An entry of a bundle being read is not something a bundle may hold:
        /// an absolute path, a `..` component, a link, a device.
        case unsafeEntry
        /// An entry, or the whole bundle, is larger than the reader's limits;
        /// or a file would take a bundle being written past its
        /// ``BundleCapacity`` (bytes, or room in the manifest).
        case tooLarge
        /// The bundle has more entries than the reader's limit; or a file
        /// would take a bundle being written past its number of files.
        case tooManyEntries
        /// The bundle has no `manifest.json`, or it is not the last entry.
        case manifest
        /// A signing or verifying key could not be read or used.
        case signature
    }

    public let code: Code
    /// A full sentence that says what failed and where.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}

extension BundleError {
    /// The text of `errno`, for messages about system calls.
    static func systemError(_ number: Int32 = errno) -> String {
        String(cString: strerror(number))
    }
}
