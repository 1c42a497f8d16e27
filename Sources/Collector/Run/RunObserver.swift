/// Counts of pods by where they stand in a run.
public struct ProgressCounts: Sendable, Equatable {
    public var selected = 0
    /// With `--all-containers`, the evidence containers planned for the selected
    /// pods: the counts after `selected` are of containers then; 0 otherwise.
    public var containers = 0
    public var injected = 0
    public var running = 0
    public var collected = 0
    public var failed = 0
    public var interrupted = 0

    public init() {}
}

/// Whoever follows a collection run as it goes: the run reports what happens,
/// the observer decides how (and whether) a person sees it. The collector never
/// writes to a terminal itself; Presentation's `RunProgress` is the observer the
/// command line uses.
///
/// Every string the run passes may quote the API server (webhook messages,
/// waiting reasons, pod names): an observer that prints must escape it.
public protocol RunObserver: Sendable {
    /// The run starts (after the preflight): clocks and periodic status begin here.
    func start()
    /// The counts change; `event` is a one-line account of one pod's step ("injected ns/pod …").
    func update(_ change: (inout ProgressCounts) -> Void, event: String?)
    /// Why a pod's evidence container is not running yet (`ContainerCreating`,
    /// `NotReported`), or nil once it runs or the pod is done.
    func waiting(_ pod: String, reason: String?)
    /// A message a person must see whatever the verbosity (warnings, the footprint statement).
    func notice(_ text: String)
    /// The run is over: nothing more will be reported.
    func finish()
}

extension RunObserver {
    public func update(_ change: (inout ProgressCounts) -> Void) {
        update(change, event: nil)
    }
}
