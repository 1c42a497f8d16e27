import Bundle
import Foundation

/// `--all-containers`: one pod's evidence containers, one per target container,
/// added in one PATCH (one request, one resourceVersion: all or none) and then
/// collected side by side, each as `PodCollection` collects one. Each target gets
/// its own manifest entry and its own files under `containers/<target>/`; the
/// pod's `pod.json` is written once, when all are done, so that it holds every
/// evidence container's last status (listed in the first entry's files).
struct PodGroupCollection: Sendable {
    let collections: [PodCollection]

    func run() async -> [Manifest.Pod] {
        guard let first = collections.first else { return [] }
        if collections.count == 1 { return [await first.run()] }
        let containers = collections.map { $0.request.evidenceContainer(for: $0.target) }
        let at = Date()
        let result = await first.inject(containers)
        let shared = PodCollection.SharedInjection(at: at, result: result)
        var entries = await withTaskGroup(of: (Int, Manifest.Pod).self) { group in
            for (index, collection) in collections.enumerated() {
                var collection = collection
                collection.sharedInjection = shared
                collection.writesPodObject = false
                let each = collection
                group.addTask { (index, await each.run()) }
            }
            var entries: [(Int, Manifest.Pod)] = []
            for await entry in group { entries.append(entry) }
            return entries.sorted { $0.0 < $1.0 }.map(\.1)
        }
        // The pod as the run last saw it (the watch keeps the newest); none when the PATCH failed.
        guard case .added(let injected) = result, !entries.isEmpty else { return entries }
        var record = PodCollection.Record()
        switch first.board.latest(first.key) {
        case .present(let latest)?: record.pod = latest
        default: record.pod = injected
        }
        if let failure = await first.write([], record: &record) {
            entries[0].message += " The pod's object could not be written: \(failure.message)"
        }
        entries[0].files += record.files
        if !record.redactions.isEmpty { entries[0].redactions = (entries[0].redactions ?? []) + record.redactions }
        return entries
    }
}
