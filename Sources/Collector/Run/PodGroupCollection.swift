import Bundle
import Foundation

/// `--all-containers`: one pod's evidence containers, one per target container,
/// added in one PATCH (one request, one resourceVersion: all or none) and then
/// collected side by side, each as `PodCollection` collects one. Each target gets
/// its own manifest entry and its own files under `containers/<target>/`; the
/// pod's `pod.json` is written once, by the first.
struct PodGroupCollection: Sendable {
    let collections: [PodCollection]

    func run() async -> [Manifest.Pod] {
        guard let first = collections.first else { return [] }
        if collections.count == 1 { return [await first.run()] }
        let containers = collections.map { $0.request.evidenceContainer(for: $0.target) }
        let at = Date()
        let result = await first.inject(containers)
        let shared = PodCollection.SharedInjection(at: at, result: result)
        return await withTaskGroup(of: (Int, Manifest.Pod).self) { group in
            for (index, collection) in collections.enumerated() {
                var collection = collection
                collection.sharedInjection = shared
                collection.writesPodObject = index == 0
                let each = collection
                group.addTask { (index, await each.run()) }
            }
            var entries: [(Int, Manifest.Pod)] = []
            for await entry in group { entries.append(entry) }
            return entries.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
