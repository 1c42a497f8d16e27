import ArgumentParser
import Collector
import Foundation
import KubeAPI
import Presentation

/// `kubectl-evidence _bench floor`: what a collection cannot go below on this
/// cluster and machine, for scripts/bench to set `collect` beside.
///
/// The same evidence container (the standard profile's script) is added to
/// every selected pod at once by plain HTTP, one watch sees them all, and each
/// log is read the moment its container ends: no admission limit, no
/// preflight, no bundle, no parsing. Prints figures; asserts nothing.
struct FloorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "floor", abstract: "Inject every selected pod at once; read every log at once.")

    @OptionGroup var connection: ConnectionOptions

    @Option(name: [.customShort("l"), .customLong("selector")], help: "Label selector of the pods.")
    var selector: String

    func run() async throws {
        let clusterConnection = try connection.resolveConnection(output: .standard)
        var options = try connection.clientOptions(output: .standard)
        options.sizeConnectionPool(forPodsInFlight: 4096)
        let client = try KubeClient(connection: clusterConnection, options: options)
        defer { Task { try? await client.shutdown() } }
        let started = Date()
        let selection = PodSelection(namespace: connection.listNamespace(in: clusterConnection), labelSelector: selector, fieldSelector: nil)
        let pods = try await client.listAllPods(namespace: selection.namespace, labelSelector: selection.labelSelector, fieldSelector: nil)
        let plan = CollectionPlanner.plan(pods: pods.items, selection: selection, requestedContainer: nil)
        let (profile, yaml) = try CollectionProfile.resolve("standard")
        let request = CollectionRequest(
            plan: plan, profile: profile, profileYAML: yaml, profileSource: "standard", concurrency: max(1, plan.targets.count),
            runID: RunID.generate(), outputPath: "/dev/null", commandLine: [], toolVersion: ToolVersion.current)

        let board = PodStateBoard()
        let keys = Set(plan.targets.map { PodKey(namespace: $0.namespace, name: $0.pod) })
        board.track(keys)
        let watch = Task {
            for try await update in client.watchPodsRelisting(namespace: selection.namespace, labelSelector: selector) {
                board.apply(update)
            }
        }
        defer { watch.cancel() }
        while !board.isWatching { try await Task.sleep(nanoseconds: 20_000_000) }

        let container = request.runID.containerName
        let timeout = profile.timeouts.podSeconds
        let read = await withTaskGroup(of: Int.self) { group in
            for target in plan.targets {
                group.addTask {
                    let key = PodKey(namespace: target.namespace, name: target.pod)
                    guard let patch = try? request.evidenceContainer(for: target).strategicMergePatch(),
                        let pod = try? await client.patchPod(namespace: key.namespace, name: key.name, subresource: "ephemeralcontainers",
                                                             patch: patch, type: .strategicMerge)
                    else { return 0 }
                    board.observe(pod, fromWatch: false)
                    let ended = await board.wait(for: key, timeout: timeout) { observation in
                        guard case .present(let pod) = observation else { return true }
                        if case .terminated = EvidenceContainerState(pod: pod, containerName: container) { return true }
                        return false
                    }
                    guard case .success = ended,
                        let log = try? await client.readLog(namespace: key.namespace, pod: key.name, container: container)
                    else { return 0 }
                    return log.isEmpty ? 0 : 1
                }
            }
            return await group.reduce(0, +)
        }
        let seconds = Date().timeIntervalSince(started)
        OutputContext.standard.print(String(format: "floor %.3f %d %d\n", seconds, read, plan.targets.count))
    }
}
