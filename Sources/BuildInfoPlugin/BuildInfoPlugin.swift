import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` for the target it is applied to: the git commit the
/// build was made from and when that commit was first built here, so that
/// `kubectl-evidence version` and every manifest can say which code made them.
///
/// A prebuild command runs before every build; it rewrites the file only when
/// the commit changes (or the tree's dirtiness does), so an ordinary rebuild
/// recompiles nothing. Outside a git checkout (a source tarball) the commit is
/// "unknown".
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let directory = context.pluginWorkDirectoryURL.appending(path: "generated")
        let file = directory.appending(path: "BuildInfo.swift")
        let script = #"""
            set -u
            repo=$1 dir=$2 out=$3
            mkdir -p "$dir"
            commit=$(git -C "$repo" rev-parse HEAD 2>/dev/null) || commit=unknown
            if [ "$commit" != unknown ] && ! git -C "$repo" diff --quiet HEAD -- 2>/dev/null; then commit="$commit-dirty"; fi
            if [ -f "$out" ] && grep -q "commit = \"$commit\"" "$out"; then exit 0; fi
            date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
            printf '%s\n' \
              '/// Written by the BuildInfo plugin before the build: which commit this binary was built from, and when.' \
              'enum BuildInfo {' \
              "    static let commit = \"$commit\"" \
              "    static let date = \"$date\"" \
              '}' > "$out.tmp" && mv "$out.tmp" "$out"
            """#
        return [
            .prebuildCommand(
                displayName: "Recording the git commit of \(target.name)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "build-info", context.package.directoryURL.path, directory.path, file.path],
                outputFilesDirectory: directory)
        ]
    }
}
