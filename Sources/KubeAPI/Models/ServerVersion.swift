/// `GET /version`: the server's build, for the manifest and a first connectivity check.
public struct ServerVersion: Codable, Sendable, Equatable {
    public var major: String
    public var minor: String
    public var gitVersion: String
    public var gitCommit: String?
    public var buildDate: String?
    public var goVersion: String?
    public var platform: String?

    public init(major: String, minor: String, gitVersion: String, gitCommit: String? = nil, buildDate: String? = nil, goVersion: String? = nil, platform: String? = nil) {
        self.major = major
        self.minor = minor
        self.gitVersion = gitVersion
        self.gitCommit = gitCommit
        self.buildDate = buildDate
        self.goVersion = goVersion
        self.platform = platform
    }
}
