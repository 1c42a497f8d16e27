import Foundation
import TestSupport

/// One kubeconfig that reaches several clusters, each under a context of its
/// own name, as a responder's kubeconfig for a fleet does: each source's
/// current context, flattened by the real kubectl (`config view --minify
/// --flatten --raw`), its cluster, user and context renamed to `name` so that
/// two labs (whose names are alike) do not shadow each other. Written as JSON,
/// which is YAML.
enum FleetKubeconfig {
    static func write(_ sources: [(name: String, kubeconfig: String)], to path: String) throws {
        var clusters: [Any] = [], users: [Any] = [], contexts: [Any] = []
        for (name, kubeconfig) in sources {
            let view = try ProcessRunner.run("/usr/bin/env", ["kubectl", "config", "view", "--kubeconfig", kubeconfig,
                                                              "--minify", "--flatten", "--raw", "-o", "json"])
            guard view.status == 0,
                  let document = try JSONSerialization.jsonObject(with: Data(view.stdout.utf8)) as? [String: Any],
                  let cluster = (document["clusters"] as? [[String: Any]])?.first?["cluster"],
                  let user = (document["users"] as? [[String: Any]])?.first?["user"],
                  var context = (document["contexts"] as? [[String: Any]])?.first?["context"] as? [String: Any]
            else { throw TestFailure("kubectl config view of \(kubeconfig) gave no cluster, user and context: \(view.stderr)") }
            context["cluster"] = name
            context["user"] = name
            clusters.append(["name": name, "cluster": cluster])
            users.append(["name": name, "user": user])
            contexts.append(["name": name, "context": context])
        }
        let merged: [String: Any] = ["apiVersion": "v1", "kind": "Config", "clusters": clusters, "users": users, "contexts": contexts,
                                     "current-context": sources.first?.name ?? ""]
        try JSONSerialization.data(withJSONObject: merged, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]).write(to: URL(fileURLWithPath: path))
    }
}
