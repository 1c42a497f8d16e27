/// kubectl's way of writing short options, made readable by ArgumentParser.
///
/// kubectl (pflag) takes a short option's value joined to it: `-nshop`,
/// `-lapp=checkout`, `-n=shop`. ArgumentParser reads `-lapp=checkout` as an
/// option `-lapp` with the value `checkout`, and silently ends up with no
/// selector. The options that take a value (`-n`, `-l`, `-c`) are split into
/// the option and its value before parsing; flags and everything after `--`
/// are left as they are.
enum KubectlArguments {
    static let joinedValueOptions: Set<Character> = ["n", "l", "c"]

    static func normalize(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" {
                out.append(argument)
                out.append(contentsOf: rest)
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
