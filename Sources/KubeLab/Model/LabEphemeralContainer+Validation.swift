/// Ephemeral containers as the API server decodes, defaults and validates them
/// (ValidatePodEphemeralContainersUpdate of the real server, in its order and wording).
extension LabEphemeralContainer {
    /// Fields of `EphemeralContainerCommon` an ephemeral container may not set, in the Go
    /// struct's order (the server walks the struct and names each set one).
    static let forbiddenFields = [
        "ports", "resources", "resizePolicy", "restartPolicy", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
    ]

    /// A container from the API's JSON, with the server's defaults filled in, and the
    /// forbidden fields it sets.
    static func decode(_ json: JSONValue) -> (container: LabEphemeralContainer, forbidden: [String]) {
        func strings(_ v: JSONValue?) -> [String] { v?.arrayValue?.compactMap(\.stringValue) ?? [] }
        let image = json["image"]?.stringValue ?? ""
        let container = LabEphemeralContainer(
            name: json["name"]?.stringValue ?? "", image: image, command: strings(json["command"]), args: strings(json["args"]),
            env: LabEnvVar.list(json["env"]),
            imagePullPolicy: json["imagePullPolicy"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            terminationMessagePolicy: json["terminationMessagePolicy"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "File",
            securityContext: LabSecurityContext.normalized(json["securityContext"]), stdin: json["stdin"]?.boolValue,
            stdinOnce: json["stdinOnce"]?.boolValue,
            tty: json["tty"]?.boolValue, targetContainerName: json["targetContainerName"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
        let forbidden = forbiddenFields.filter { key in
            guard let v = json[key], !v.isNull else { return false }
            if let a = v.arrayValue { return !a.isEmpty }
            if let o = v.objectValue { return !o.isEmpty }
            if let s = v.stringValue { return !s.isEmpty }
            return true
        }
        return (container, forbidden)
    }

    /// The container as the server stores and compares it.
    var canonicalJSON: [UInt8] { LabPod.renderEphemeral(self).encoded() }

    /// The errors of a new `spec.ephemeralContainers` list for a pod whose current list is `pod.ephemeralContainers`.
    static func validate(_ list: [(container: LabEphemeralContainer, forbidden: [String])], for pod: LabPod) -> [LabFieldError] {
        var errors: [LabFieldError] = []
        let regular = Set(pod.containers.map(\.name))
        var names = regular
        for (i, entry) in list.enumerated() {
            let c = entry.container
            let path = "spec.ephemeralContainers[\(i)]"
            if c.name.isEmpty {
                errors.append(.required("\(path).name"))
            } else if c.name.utf8.count > 63 {
                errors.append(.invalid("\(path).name", c.name, "must be no more than 63 characters"))
            } else if !LabelValidation.isDNS1123Label(c.name) {
                errors.append(
                    .invalid(
                        "\(path).name", c.name,
                        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
                    ))
            }
            if c.image.isEmpty { errors.append(.required("\(path).image")) }
            if !["File", "FallbackToLogsOnError"].contains(c.terminationMessagePolicy) {
                errors.append(.notSupported("\(path).terminationMessagePolicy", c.terminationMessagePolicy, ["FallbackToLogsOnError", "File"]))
            }
            if !["Always", "IfNotPresent", "Never"].contains(c.imagePullPolicy) {
                errors.append(.notSupported("\(path).imagePullPolicy", c.imagePullPolicy, ["Always", "IfNotPresent", "Never"]))
            }
            if !c.name.isEmpty {
                if names.contains(c.name) { errors.append(.duplicate("\(path).name", c.name)) } else { names.insert(c.name) }
            }
            if let target = c.targetContainerName, !regular.contains(target) {
                errors.append(.notFound("\(path).targetContainerName", target))
            }
            for field in entry.forbidden { errors.append(.forbidden("\(path).\(field)", "cannot be set for an Ephemeral Container")) }
        }
        // Existing ephemeral containers can be neither removed nor changed (the last of a name counts).
        var byName: [String: LabEphemeralContainer] = [:]
        for entry in list { byName[entry.container.name] = entry.container }
        for old in pod.ephemeralContainers {
            guard let new = byName[old.name] else {
                errors.append(.forbidden("spec.ephemeralContainers", "existing ephemeral containers \(goQuote(old.name)) may not be removed\n"))
                continue
            }
            if new.canonicalJSON != old.canonicalJSON {
                errors.append(
                    .forbidden(
                        "spec.ephemeralContainers",
                        "existing ephemeral containers \(goQuote(old.name)) may not be changed\n" + LabStructDiff.diff(old, new)))
            }
        }
        return errors
    }
}

extension LabFieldError {
    /// `Unsupported value: "x": supported values: "a", "b"`.
    static func notSupported(_ field: String, _ value: String, _ supported: [String]) -> LabFieldError {
        LabFieldError(
            kind: .notSupported, field: field, value: value,
            detail: "supported values: \(supported.map(goQuote).joined(separator: ", "))")
    }
}
