import Foundation
import KubeAPI
import Synchronization

/// What the shell completes option values to, as kubectl completes its own:
/// `--context` to the kubeconfig's contexts, `-n` to the cluster's namespaces.
/// The shell's completion script calls the binary back with the words typed so
/// far; `--kubeconfig` and `--context` among them are honoured. A completion
/// never fails and never waits long: an unreachable cluster completes to nothing.
enum ValueCompletion {
    /// The value after `flag` among the words typed (`--flag value` or `--flag=value`).
    static func value(of flag: String, in words: [String]) -> String? {
        for (index, word) in words.enumerated() {
            if word == flag, index + 1 < words.count { return words[index + 1] }
            if word.hasPrefix(flag + "=") { return String(word.dropFirst(flag.count + 1)) }
        }
        return nil
    }

    static func selection(from words: [String]) -> KubeconfigSelection {
        var selection = KubeconfigSelection(explicitPath: value(of: "--kubeconfig", in: words))
        selection.context = value(of: "--context", in: words)
        return selection
    }

    /// Contexts; after a comma (`--context eu,u<TAB>`), the next context of a list.
    @Sendable static func contexts(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        let names = KubeconfigLoader.contextNames(selection(from: words))
        let whole = names.filter { $0.hasPrefix(prefix) }
        guard whole.isEmpty, let comma = prefix.lastIndex(of: ",") else { return whole }
        let listed = prefix[...comma]
        let chosen = Set(listed.split(separator: ",").map(String.init))
        return names.filter { !chosen.contains($0) && $0.hasPrefix(prefix[prefix.index(after: comma)...]) }.map { listed + $0 }
    }

    /// How long a completion may wait for the API server.
    static let namespaceTimeout: TimeInterval = 3

    @Sendable static func namespaces(_ words: [String], _ index: Int, _ prefix: String) async -> [String] {
        // The whole lookup, an exec credential plugin included, gets the time; after it the
        // shell gets nothing and the lookup is left behind (the process ends after answering).
        let answer = Answer()
        Task.detached {
            try? await Task.sleep(for: .seconds(namespaceTimeout))
            answer.give([])
        }
        Task.detached { answer.give(await lookUpNamespaces(words)) }
        return await answer.value().filter { $0.hasPrefix(prefix) }
    }

    private static func lookUpNamespaces(_ words: [String]) async -> [String] {
        guard let connection = try? KubeconfigLoader.load(selection(from: words)) else { return [] }
        var options = ClientOptions()
        options.requestTimeout = namespaceTimeout
        options.maxRetries = 0
        let names = try? await KubeClient.withClient(connection: connection, options: options) { client in
            try await client.namespaceNames()
        }
        return names ?? []
    }

    /// The first answer given, to whoever waits for it.
    final class Answer: Sendable {
        private let state = Mutex<(value: [String]?, waiter: CheckedContinuation<[String], Never>?)>((nil, nil))

        func give(_ value: [String]) {
            let waiter = state.withLock { s -> CheckedContinuation<[String], Never>? in
                guard s.value == nil else { return nil }
                s.value = value
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: value)
        }

        func value() async -> [String] {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { s -> [String]? in
                    if let value = s.value { return value }
                    s.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
