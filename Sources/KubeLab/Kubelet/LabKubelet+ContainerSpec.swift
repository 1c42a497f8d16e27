extension LabKubelet {
    /// The variables the kubelet gives every container for the `kubernetes` Service of
    /// the `default` namespace (service links), with the lab's cluster IP. They take part
    /// in `$(VAR)` expansion as on a real node, where `$(KUBERNETES_SERVICE_HOST)` in a
    /// command is replaced.
    static let serviceEnvironment: [(String, String)] = [
        ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
        ("KUBERNETES_SERVICE_PORT", "443"),
        ("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
        ("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
        ("KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443"),
        ("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
        ("KUBERNETES_PORT_443_TCP_PORT", "443"),
        ("KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1"),
    ]

    /// What the runtime runs for a container spec, after the kubelet's expansion:
    /// `env` values against the variables before them, then `command` and `args`
    /// against the whole environment (`$$` → `$`, undefined references as written).
    static func containerSpec(
        name: String, image: String, command: [String], args: [String], env: [LabEnvVar],
        securityContext: LabRuntime.SecurityContext, terminationMessagePolicy: String = "File", startDelay: Duration = .zero,
        stdin: Bool = false, stdinOnce: Bool = false
    ) -> LabRuntime.ContainerSpec {
        let environment = KubeletExpansion.environment(env, service: serviceEnvironment)
        var values: [String: String] = [:]
        for (key, value) in environment { values[key] = value }
        let expand = { (text: String) in KubeletExpansion.expand(text) { values[$0] } }
        return LabRuntime.ContainerSpec(
            name: name, image: image, command: command.map(expand), args: args.map(expand), environment: values,
            securityContext: securityContext, terminationMessagePolicy: terminationMessagePolicy, startDelay: startDelay,
            stdin: stdin, stdinOnce: stdinOnce)
    }
}
