import Foundation

/// The responses recorded from a real v1.36 API server, kept in the repository at
/// `Tests/Fixtures/k8s` (its README says how each one was made). Every test target
/// that reads them goes through here, so there is one way to find them.
///
/// Paths are relative to that directory, e.g. `"pods/pod-running.json"`. A file that
/// is not there is an error naming the full path that was wanted: a missing response
/// fails the test instead of quietly becoming an empty body or an empty list.
public enum RecordedResponses {
    /// `Tests/Fixtures/k8s`, found from this file's place in the repository:
    /// Tests/RecordedResponses/RecordedResponses.swift → Tests → Tests/Fixtures/k8s.
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("k8s")

    /// The full path of a recorded response, which must exist.
    public static func path(_ relativePath: String) throws -> String {
        let path = directory.appendingPathComponent(relativePath).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw RecordedResponseError(path: path, reason: "no such file")
        }
        return path
    }

    public static func data(_ relativePath: String) throws -> Data {
        let path = try path(relativePath)
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RecordedResponseError(path: path, reason: "\(error)")
        }
    }

    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try data(relativePath))
    }

    /// The response as UTF-8 text; bytes that are not UTF-8 are an error.
    public static func text(_ relativePath: String) throws -> String {
        let data = try data(relativePath)
        guard let text = String(data: data, encoding: .utf8) else {
            throw RecordedResponseError(path: try path(relativePath), reason: "not UTF-8")
        }
        return text
    }

    /// The response as a JSON object (a single JSON document whose top level is an object).
    public static func jsonObject(_ relativePath: String) throws -> [String: Any] {
        let data = try data(relativePath)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw RecordedResponseError(path: try path(relativePath), reason: "not JSON: \(error)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw RecordedResponseError(path: try path(relativePath), reason: "not a JSON object")
        }
        return dictionary
    }

    /// Every file in `folder` whose name ends in `suffix`, sorted, as paths relative to
    /// ``directory``. A folder that is missing or holds no such file is an error, so a
    /// test that loops over the recordings cannot pass by looping over nothing.
    public static func files(in folder: String, suffix: String) throws -> [String] {
        let path = directory.appendingPathComponent(folder).path
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw RecordedResponseError(path: path, reason: "cannot list the folder: \(error)")
        }
        let matching = names.filter { $0.hasSuffix(suffix) }.sorted()
        guard !matching.isEmpty else {
            throw RecordedResponseError(path: path, reason: "no file ending in \(suffix)")
        }
        return matching.map { "\(folder)/\($0)" }
    }
}

/// A recorded response that could not be read, with the full path that was wanted.
public struct RecordedResponseError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String

    public var description: String { "recorded response \(path): \(reason)" }
}
