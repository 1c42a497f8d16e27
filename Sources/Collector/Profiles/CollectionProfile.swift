import Foundation
import Yams

/// A collection profile: which image the evidence container runs, with which
/// security context (in kubectl debug's vocabulary), what it gathers, how much
/// it may write and how long it may take. Built-in profiles live in the repo's
/// `profiles/` folder and are compiled into the binary; `--profile PATH` loads
/// a user's own.
public struct CollectionProfile: Sendable, Codable, Equatable {
    public var name: String
    public var description: String?
    public var image: String
    public var imagePullPolicy: ImagePullPolicy
    public var securityProfile: SecurityProfile
    /// Capabilities added on top of the security profile (e.g. SYS_PTRACE for network).
    public var addCapabilities: [String]?
    /// The uid the evidence container runs as, set explicitly so that it never
    /// inherits the pod's `runAsUser`: 0 for the profiles that run as root
    /// with capabilities the pod's processes lack.
    public var runAsUser: Int?
    /// Non-root uids to choose from, per pod, where the profile cannot run as
    /// root: the first that no `runAsUser` in the pod's spec names (see
    /// ``runAsUser(avoiding:)``). A process of the pod that shared the
    /// evidence container's uid, with no capability it lacks, could reach the
    /// evidence through `/proc/<pid>/root` before it was hashed.
    public var runAsUserChoices: [Int]?
    public var gather: [GatherItem]
    /// The most the in-pod script may write; it cuts, and says so, beyond it.
    public var outputCapBytes: Int
    public var timeouts: Timeouts

    public struct Timeouts: Sendable, Codable, Equatable {
        /// From the PATCH to the container running (image pull included).
        public var startSeconds: Double
        /// From the PATCH to the log having been read, for one pod.
        public var podSeconds: Double
    }

    /// kubectl's image pull policies.
    public enum ImagePullPolicy: String, Sendable, Codable, CaseIterable {
        case always = "Always", ifNotPresent = "IfNotPresent", never = "Never"
    }

    /// What the in-pod script gathers; each maps to a section of the script.
    public enum GatherItem: String, Sendable, Codable, CaseIterable {
        case processes, sockets, namespaces, fds, network, mounts, cgroups
    }

    /// The kubelet rotates container logs at 10 MiB by default: evidence read
    /// through the log API must stay below that, with room for framing.
    public static let maximumOutputCap = 9 * 1024 * 1024

    /// The largest uid Kubernetes accepts for `runAsUser` (a 32-bit id, less the invalid one).
    public static let maximumUID = 2_147_483_647
}

/// kubectl debug's security profiles, which users already know by name.
public enum SecurityProfile: String, Sendable, Codable, CaseIterable {
    case legacy, general, baseline, restricted, netadmin, sysadmin
}

/// A profile file that could not be read or makes no sense.
public struct ProfileError: Error, LocalizedError, Sendable, Equatable {
    public var message: String
    public var errorDescription: String? { message }
}

extension CollectionProfile {
    /// The profiles compiled into the binary, by name.
    public static let builtInNames = ["standard", "restricted", "network", "deep"]

    static func builtInSource(_ name: String) -> [UInt8]? {
        switch name {
        case "standard": PackageResources.standard_yaml
        case "restricted": PackageResources.restricted_yaml
        case "network": PackageResources.network_yaml
        case "deep": PackageResources.deep_yaml
        default: nil
        }
    }

    /// The YAML text of a built-in profile, as shipped.
    public static func builtInYAML(_ name: String) -> String? {
        builtInSource(name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every built-in profile, decoded.
    public static func builtIns() throws -> [CollectionProfile] {
        try builtInNames.map { try builtIn($0) }
    }

    public static func builtIn(_ name: String) throws -> CollectionProfile {
        guard let yaml = builtInYAML(name) else {
            throw ProfileError(message: "There is no built-in profile named \"\(name)\"; the built-in profiles are \(builtInNames.joined(separator: ", ")). To use a file, give its path (it must contain a slash or end in .yaml).")
        }
        return try decode(yaml: yaml, source: "built-in profile \(name)")
    }

    /// `--profile` takes a built-in name or a path: anything with a slash or a
    /// .yaml/.yml suffix is a path.
    public static func resolve(_ nameOrPath: String) throws -> (profile: CollectionProfile, yaml: String) {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") {
            let text: String
            do {
                text = try String(contentsOfFile: nameOrPath, encoding: .utf8)
            } catch {
                throw ProfileError(message: "Cannot read the profile file \(nameOrPath): \(error.localizedDescription)")
            }
            return (try decode(yaml: text, source: nameOrPath), text)
        }
        let profile = try builtIn(nameOrPath)
        return (profile, builtInYAML(nameOrPath) ?? "")
    }

    public static func decode(yaml: String, source: String) throws -> CollectionProfile {
        let profile: CollectionProfile
        do {
            profile = try YAMLDecoder().decode(CollectionProfile.self, from: yaml)
        } catch let error as DecodingError {
            throw ProfileError(message: "The profile \(source) is not valid: \(describe(error))")
        } catch {
            throw ProfileError(message: "The profile \(source) is not valid YAML: \(error)")
        }
        try profile.validate(source: source)
        return profile
    }

    func validate(source: String) throws {
        func fail(_ text: String) -> ProfileError { ProfileError(message: "The profile \(source) is not valid: \(text)") }
        if name.isEmpty { throw fail("name is empty.") }
        if image.isEmpty { throw fail("image is empty; name an image with a shell, such as docker.io/library/busybox:1.36.") }
        if gather.isEmpty { throw fail("gather lists nothing to gather.") }
        if outputCapBytes < 64 * 1024 || outputCapBytes > Self.maximumOutputCap {
            throw fail("outputCapBytes is \(outputCapBytes); it must be between 65536 and \(Self.maximumOutputCap), below the kubelet's 10 MiB log rotation.")
        }
        if timeouts.startSeconds <= 0 || timeouts.podSeconds <= 0 || timeouts.startSeconds > timeouts.podSeconds {
            throw fail("timeouts must be positive, and startSeconds (\(timeouts.startSeconds)) no longer than podSeconds (\(timeouts.podSeconds)).")
        }
        if runAsUser != nil, runAsUserChoices != nil {
            throw fail("it sets both runAsUser and runAsUserChoices; set runAsUser for one fixed uid, or runAsUserChoices to have a uid chosen per pod.")
        }
        if let choices = runAsUserChoices {
            if choices.isEmpty { throw fail("runAsUserChoices lists no uid.") }
            if let bad = choices.first(where: { $0 <= 0 || $0 > Self.maximumUID }) {
                throw fail("runAsUserChoices holds \(bad); each choice must be a non-root uid between 1 and \(Self.maximumUID).")
            }
        }
        if let uid = runAsUser, uid < 0 || uid > Self.maximumUID {
            throw fail("runAsUser is \(uid); it must be a uid between 0 and \(Self.maximumUID).")
        }
        if securityProfile == .restricted, (runAsUser ?? 0) == 0, runAsUserChoices == nil {
            throw fail("the restricted security profile needs runAsUserChoices (or runAsUser set to a non-zero uid): Pod Security restricted refuses containers that may run as root.")
        }
        if securityProfile == .restricted, let added = addCapabilities, !added.isEmpty {
            throw fail("the restricted security profile cannot add capabilities (\(added.joined(separator: ", "))): Pod Security restricted refuses them.")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the top level" : keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context)) has no field \"\(key.stringValue)\"."
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
