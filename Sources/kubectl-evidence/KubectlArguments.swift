/// kubectl's way of writing short options, made readable by ArgumentParser.
///
/// kubectl (pflag) takes a short option's value joined to it: `-nshop`,
/// `-lapp=checkout`, `-n=shop`. ArgumentParser reads `-lapp=checkout` as an
/// option `-lapp` with the value `checkout`, and silently ends up with no
/// selector. The options that take a value (`-n`, `-l`, `-c`, `-s`, `-v`) are split into
/// the option and its value before parsing; flags and everything after `--`
/// are left as they are. kubectl's boolean flags written with a value are read
/// as kubectl reads them: `--all-namespaces=true|false`, and `--dry-run=client`
/// (plan only, as `--dry-run` here), `--dry-run=server` (the plan, then the
/// preflight: RBAC and admission asked with dryRun=All) or `--dry-run=none` (a real run).
enum KubectlArguments {
    static let joinedValueOptions: Set<Character> = ["n", "l", "c", "s", "v"]

    static func normalize(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" {
                out.append(argument)
                out.append(contentsOf: rest)
                break
            }
            switch argument {
            case "--all-namespaces=true", "--dry-run=client":
                out.append(String(argument.prefix { $0 != "=" }))
                continue
            case "--all-namespaces=false", "--dry-run=none":
                continue
            case "--dry-run=server":
                out.append(contentsOf: ["--dry-run", "--dry-run-server"])
                continue
            default:
                break
            }
            let characters = Array(argument)
            if characters.count > 2, characters[0] == "-", characters[1] != "-", joinedValueOptions.contains(characters[1]) {
                var value = String(characters.dropFirst(2))
                if value.hasPrefix("=") { value.removeFirst() }
                out.append("-" + String(characters[1]))
                out.append(value)
            } else {
                out.append(argument)
            }
        }
        return out
    }
}
