import Evidence

extension Manifest {
    /// Makes the strings that repeat from pod to pod (image IDs, the evidence
    /// container's name and image, its capability names, nodes, reasons) share
    /// one storage each. A decoder gives every occurrence its own: in a manifest
    /// of 5,000 pods that is about 6 MB held twice over by `diff OLD NEW`.
    mutating func shareRepeatedText() {
        var table = SharedText()
        for index in pods.indices {
            var pod = pods[index]
            pod.node = pod.node.map { table.share($0) }
            pod.phase = pod.phase.map { table.share($0) }
            pod.targetContainer = table.share(pod.targetContainer)
            pod.reason = table.share(pod.reason)
            pod.podImageIDs = Dictionary(uniqueKeysWithValues: pod.podImageIDs.map { (table.share($0.key), table.share($0.value)) })
            if var container = pod.evidenceContainer {
                container.name = table.share(container.name)
                container.image = table.share(container.image)
                container.imageID = container.imageID.map { table.share($0) }
                if var credentials = container.credentials {
                    credentials.capEff = credentials.capEff.map { table.share($0) }
                    credentials.capPrm = credentials.capPrm.map { table.share($0) }
                    credentials.effectiveCapabilities = credentials.effectiveCapabilities?.map { table.share($0) }
                    container.credentials = credentials
                }
                pod.evidenceContainer = container
            }
            if var summary = pod.summary {
                summary.anomalyMessages = summary.anomalyMessages.map { table.share($0) }
                summary.namespacesShared = summary.namespacesShared.map { table.share($0) }
                summary.namespacesNotShared = summary.namespacesNotShared.map { table.share($0) }
                pod.summary = summary
            }
            pods[index] = pod
        }
    }
}

/// One stored copy of each distinct string given to ``share(_:)``.
private struct SharedText {
    private var strings: Set<String> = []

    mutating func share(_ text: String) -> String {
        // Short strings live inside the String value itself: nothing to share.
        guard text.utf8.count > 15 else { return text }
        return strings.insert(text).memberAfterInsert
    }
}
