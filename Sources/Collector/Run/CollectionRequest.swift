import Bundle
import Crypto
import Evidence
import Foundation

/// Everything a collection run needs to know, decided before it starts.
public struct CollectionRequest: Sendable {
    public var plan: CollectionPlan
    public var profile: CollectionProfile
    /// The profile's YAML as read (its SHA-256 pins it in the manifest).
    public var profileYAML: String
    /// How the profile was named: a built-in name or the path given.
    public var profileSource: String
    /// At most this many pods in flight at once.
    public var concurrency: Int
    public var runID: RunID
    /// Where the bundle goes (.tar.gz).
    public var outputPath: String
    public var overwrite: Bool
    /// argv as typed, for the manifest.
    public var commandLine: [String]
    public var toolVersion: String
    /// The git commit and build date of the binary, for the manifest.
    public var toolCommit: String?
    public var toolBuildDate: String?
    /// How long in-flight pods may go on after an interrupt before they are
    /// marked interrupted.
    public var interruptGrace: TimeInterval
    /// The Ed25519 key that signs the manifest (`--sign-key`); nil leaves the bundle unsigned.
    public var signingKey: SigningKey?
    /// Also unpack every record of each pod's output as its own file under
    /// `…/containers/<c>/gathered/` (`--explode`). Without it a pod's
    /// evidence is its raw output (`evidence.raw`, from which every record
    /// can be rebuilt) and the files parsed from it: a few files per pod
    /// instead of about 70, so a bundle of thousands of pods stays readable.
    public var explode: Bool
    /// Mask secrets before writing (env values, last-applied-configuration,
    /// secret argv values; see ``PodJSONRedaction`` and ``EvidenceLogRedaction``).
    /// `--no-redact` turns it off.
    public var redact: Bool
    /// How the in-pod script reaches each evidence container: on stdin through
    /// `pods/attach` (the command is then a few hundred bytes) or packed into
    /// the command. The command line picks it after the preflight.
    public var scriptDelivery: ScriptDelivery
    /// In a bundle of several clusters (`collect --context a,b`), this cluster's
    /// name there: its pods' files go under `clusters/<name>/` and their entries
    /// name it. `nil` for a bundle of one.
    public var clusterName: String?
    /// How the pods' processes are reached (`--via`): an ephemeral container in
    /// each pod, or one helper pod per node.
    public var method: CollectionMethod = .ephemeral
    /// With `--via node`, where the helper pods go (`--helper-namespace`); nil:
    /// the first namespace of the plan.
    public var helperNamespace: String?

    public init(plan: CollectionPlan, profile: CollectionProfile, profileYAML: String, profileSource: String,
                concurrency: Int, runID: RunID, outputPath: String, overwrite: Bool = false,
                commandLine: [String], toolVersion: String, interruptGrace: TimeInterval = 5,
                signingKey: SigningKey? = nil, explode: Bool = false, redact: Bool = true,
                scriptDelivery: ScriptDelivery = .command) {
        self.plan = plan
        self.profile = profile
        self.profileYAML = profileYAML
        self.profileSource = profileSource
        self.concurrency = concurrency
        self.runID = runID
        self.outputPath = outputPath
        self.overwrite = overwrite
        self.commandLine = commandLine
        self.toolVersion = toolVersion
        self.interruptGrace = interruptGrace
        self.signingKey = signingKey
        self.explode = explode
        self.redact = redact
        self.scriptDelivery = scriptDelivery
    }

    /// The manifest's `tool`: this binary.
    var manifestTool: Manifest.Tool {
        Manifest.Tool(name: "kubectl-evidence", version: toolVersion, commit: toolCommit, buildDate: toolBuildDate)
    }

    /// The manifest's `run`, but for when the writer finished and how the script was delivered.
    func manifestRun(startedAt: Date, interrupted: Bool) -> Manifest.Run {
        let profileDigest = SHA256.hash(data: Array(profileYAML.utf8)).map { String(format: "%02x", $0) }.joined()
        // The responder's own --token must not land in a bundle attached to tickets, --no-redact or not.
        var run = Manifest.Run(id: runID.value, commandLine: ArgvRedaction.redact(commandLine).arguments,
                               profile: .init(name: profileSource, sha256: profileDigest), startedAt: startedAt, interrupted: interrupted)
        run.redacted = redact
        run.scriptSHA256 = InPodBootstrap.scriptSHA256
        return run
    }

    /// The ephemeral container this run adds to the planned pod, targeting its
    /// target container. Its uid is chosen for that pod (see
    /// ``CollectionProfile/runAsUser(avoiding:)``), so that it shares no uid the
    /// pod's spec names; the preflight's dry run sends the same container.
    public func evidenceContainer(for target: PlannedTarget) -> EvidenceContainer {
        EvidenceContainer(profile: profile, name: evidenceContainerName(for: target), targetContainer: target.targetContainer,
                          avoidingUIDs: target.specRunAsUsers ?? [], delivery: scriptDelivery)
    }

    /// `evidence-<run id>`, or with `--all-containers` one name per target in the pod.
    public func evidenceContainerName(for target: PlannedTarget) -> String {
        target.targetChosenBy == .allContainers ? runID.containerName(targeting: target.targetContainer) : runID.containerName
    }
}

extension EvidenceContainer {
    /// The evidence container `profile` describes, named `name`, joining
    /// `targetContainer`'s namespaces, running as none of `avoidingUIDs`, and
    /// getting its script as `delivery` says (on stdin: `stdin` and `stdinOnce`,
    /// so the runtime ends stdin when the one attach session does).
    init(profile: CollectionProfile, name: String, targetContainer: String, avoidingUIDs: [Int64], delivery: ScriptDelivery) {
        self.init(
            name: name,
            image: profile.image,
            imagePullPolicy: profile.imagePullPolicy.rawValue,
            command: InPodScript.command(InPodScript.Options(profile: profile), delivery: delivery),
            targetContainerName: targetContainer,
            securityContext: profile.securityContext(avoiding: avoidingUIDs))
        if delivery == .attach {
            stdin = true
            stdinOnce = true
        }
    }
}
