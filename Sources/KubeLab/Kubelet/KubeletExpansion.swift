/// The kubelet's expansion of `$(VAR_NAME)` references in a container's `command`,
/// `args` and `env` values (Kubernetes' `third_party/forked/golang/expansion`),
/// byte for byte, so that a command that works in the lab works on a real node.
///
/// The rules, as the kubelet applies them:
/// - `$(NAME)` becomes NAME's value when NAME is defined, and stays `$(NAME)` when not;
/// - `$$` becomes `$` (Kubernetes' escape);
/// - `$` followed by any other byte stays as written, and so does a `$(` never closed;
/// - a `$` that is the last byte stays as written.
///
/// Clients that must run exactly what they wrote escape every `$` as `$$`
/// (KubeAPI's `KubeletEscaping`).
public enum KubeletExpansion {
    /// `input` with every reference expanded through `lookup` (nil: undefined).
    public static func expand(_ input: String, _ lookup: (String) -> String?) -> String {
        let bytes = Array(input.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var checkpoint = 0
        var cursor = 0
        while cursor < bytes.count {
            if bytes[cursor] == UInt8(ascii: "$"), cursor + 1 < bytes.count {
                out.append(contentsOf: bytes[checkpoint..<cursor])
                let (read, isVariable, advance) = readVariableName(bytes[(cursor + 1)...])
                if isVariable {
                    let name = String(decoding: read, as: UTF8.self)
                    if let value = lookup(name) {
                        out.append(contentsOf: Array(value.utf8))
                    } else {
                        out.append(contentsOf: Array("$(\(name))".utf8))
                    }
                } else {
                    out.append(contentsOf: read)
                }
                cursor += advance
                checkpoint = cursor + 1
            }
            cursor += 1
        }
        out.append(contentsOf: bytes[min(checkpoint, bytes.count)...])
        return String(decoding: out, as: UTF8.self)
    }

    /// What follows a `$`: the bytes to emit (or the variable's name), whether it is a
    /// reference, and how many bytes after the `$` it consumed.
    private static func readVariableName(_ input: ArraySlice<UInt8>) -> ([UInt8], Bool, Int) {
        let start = input.startIndex
        switch input[start] {
        case UInt8(ascii: "$"):
            return ([UInt8(ascii: "$")], false, 1)
        case UInt8(ascii: "("):
            var i = start + 1
            while i < input.endIndex {
                if input[i] == UInt8(ascii: ")") {
                    return (Array(input[(start + 1)..<i]), true, i - start + 1)
                }
                i += 1
            }
            // An unclosed `$(`: written as is, and scanning goes on after the `(`.
            return (Array("$(".utf8), false, 1)
        default:
            return ([UInt8(ascii: "$"), input[start]], false, 1)
        }
    }

    /// A container's environment as the kubelet builds it: each `env` value expanded
    /// against the variables defined before it (and the service variables), in order.
    public static func environment(_ env: [LabEnvVar], service: [(String, String)]) -> [(String, String)] {
        var defined: [String: String] = [:]
        var order: [String] = []
        for (name, value) in service where defined[name] == nil {
            defined[name] = value
            order.append(name)
        }
        var own: [String: String] = [:]
        var ownOrder: [String] = []
        for variable in env {
            let value = expand(variable.value) { own[$0] ?? defined[$0] }
            if own[variable.name] == nil { ownOrder.append(variable.name) }
            own[variable.name] = value
        }
        var result: [(String, String)] = []
        for name in order where own[name] == nil { result.append((name, defined[name]!)) }
        for name in ownOrder { result.append((name, own[name]!)) }
        return result
    }
}

/// One `env` entry of a container: a name and a literal value (`valueFrom` is not
/// modelled: the lab reads only `value`).
public struct LabEnvVar: Sendable, Equatable {
    /// The `env` list of a container's JSON (entries without a name are skipped;
    /// a missing `value` is the empty string, as the API server defaults it).
    static func list(_ json: JSONValue?) -> [LabEnvVar] {
        (json?.arrayValue ?? []).compactMap { e in
            guard let name = e["name"]?.stringValue else { return nil }
            return LabEnvVar(name: name, value: e["value"]?.stringValue ?? "")
        }
    }

    static func json(_ list: [LabEnvVar]) -> JSONValue {
        .array(list.map { .object([("name", .string($0.name)), ("value", .string($0.value))]) })
    }

    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
