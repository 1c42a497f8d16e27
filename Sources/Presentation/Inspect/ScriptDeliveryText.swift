import Bundle

/// How the in-pod script reached the evidence containers and where their output
/// was read, in one line for `inspect`: a reader of a bundle handed over in a
/// ticket sees whether each pod's evidence came back on the attach stream or
/// had to be read from the log (a broken stream is worth knowing about).
enum ScriptDeliveryText {
    /// What the node method is trusted with and what it changes, for whoever reads the bundle.
    static let nodeTrust = "one helper pod per node (hostPID, privileged, deleted when its node was done) entered each target container's pid, net, ipc and uts namespaces with nsenter and ran the in-pod script there, with the same output and digest as an evidence container; nothing was added to the pods. The helper runs privileged on the node and needs create, get and delete on pods in its namespace; the target cannot see or reach the helper itself, but, as with an evidence container, a root process of the target with CAP_SYS_PTRACE could reach the script while it ran inside its namespaces."

    static func line(_ manifest: Manifest) -> String? {
        if manifest.run.method == "node" {
            var text = "run from the node (collect --via node): " + nodeTrust
            if let digest = manifest.run.scriptSHA256 { text += " Script sha256 \(digest)." }
            return text
        }
        guard let delivery = manifest.run.scriptDelivery else { return nil }
        var text: String
        switch delivery {
        case "attach": text = "delivered on each evidence container's stdin through pods/attach"
        case "command": text = "packed into each evidence container's command"
        default: text = "delivered by \(delivery)"
        }
        if let digest = manifest.run.scriptSHA256 { text += " (sha256 \(digest))" }
        let sources = manifest.pods.compactMap { $0.evidenceContainer?.outputSource }
        let attach = sources.filter { $0 == "attach" }.count
        let log = sources.filter { $0 == "log" }.count
        if attach + log > 0 {
            text += "; output read from the attach stream for \(attach) \(attach == 1 ? "pod" : "pods"), from the log for \(log)"
        }
        return text
    }
}
