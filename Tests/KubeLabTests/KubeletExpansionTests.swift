import Foundation
import KubeAPI
import Testing

@testable import KubeLab

/// The kubelet's `$(VAR)` expansion, on the cases of Kubernetes' own expansion tests, and the
/// escaping the collector relies on: whatever it sends comes back byte for byte.
@Suite("kubelet $(VAR) expansion and the collector's escaping")
struct KubeletExpansionTests {
    private let variables = [
        "VAR_A": "A", "VAR_B": "B", "VAR_C": "C", "VAR_REF": "$(VAR_A)", "VAR_EMPTY": "",
    ]

    @Test(
        "expansion as the kubelet does it",
        arguments: [
            ("$(VAR_A)", "A"),
            ("$(VAR_A)-$(VAR_A)", "A-A"),
            ("___$(VAR_B)___", "___B___"),
            ("$(VAR_A)_$(VAR_B)_$(VAR_C)", "A_B_C"),
            ("$$(VAR_B)_$(VAR_A)", "$(VAR_B)_A"),
            ("$$(VAR_A)_$$(VAR_B)", "$(VAR_A)_$(VAR_B)"),
            ("f000-$$VAR_A", "f000-$VAR_A"),
            ("foo\\$(VAR_C)bar", "foo\\Cbar"),
            ("$(VAR_A$(VAR_B))", "$(VAR_A$(VAR_B))"),
            ("$(VAR_A$(VAR_B)", "$(VAR_A$(VAR_B)"),
            ("$(VAR_REF)", "$(VAR_A)"),
            ("foo$(VAR_EMPTY)bar", "foobar"),
            ("foo$(VAR_Awhoops!", "foo$(VAR_Awhoops!"),
            ("f00__(VAR_A)__", "f00__(VAR_A)__"),
            ("$?_boo_$!", "$?_boo_$!"),
            ("$VAR_A", "$VAR_A"),
            ("$(VAR_DNE)", "$(VAR_DNE)"),
            ("$$$$$$(BIG_MONEY)", "$$$(BIG_MONEY)"),
            ("$$$$$$(VAR_A)", "$$$(VAR_A)"),
            ("$$$$$$$(GOOD_ODDS)", "$$$$(GOOD_ODDS)"),
            ("$$$$$$$(VAR_A)", "$$$A"),
            ("$VAR_A)", "$VAR_A)"),
            ("${VAR_A}", "${VAR_A}"),
            ("$(VAR_B)_______$(A", "B_______$(A"),
            ("$(VAR_C)_______$(", "C_______$("),
            ("$(VAR_A)foobarzab$", "Afoobarzab$"),
            ("--$($($($($--", "--$($($($($--"),
            ("$", "$"),
            ("$$", "$"),
            ("", ""),
            ("SELF=$$", "SELF=$"),
            ("é$(VAR_A)€", "éA€"),
        ])
    func kubernetesCases(input: String, expected: String) {
        #expect(KubeletExpansion.expand(input) { variables[$0] } == expected, "\(input)")
    }

    @Test("escaping every $ gives back exactly what was escaped, for every kind of $")
    func escapingRoundTrips() {
        var samples = [
            "$", "$$", "$$$", "$(", "$()", "$(VAR_A)", "$(VAR_A", "$$(VAR_A)", "$)", "a$", "$a", "${VAR_A}",
            "SELF=$$; echo \"$1\" $# $? $! $@ $*", "x=$((1+2)); y=$(date)", "end with $", "(VAR_A)", "$\n$(\n",
            "\u{0}$\u{1b}[0m$(VAR_B)\u{202e}",
        ]
        // Random strings over the bytes that matter, with multi-byte characters among them.
        var generator = SystemRandomNumberGenerator()
        let alphabet: [String] = ["$", "(", ")", "V", "A", "R", "_", "$(", "VAR_A", "\\", "é", " ", "\n"]
        for _ in 0..<500 {
            let count = Int(generator.next(upperBound: UInt(24)))
            samples.append((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] }.joined())
        }
        for sample in samples {
            let escaped = KubeletEscaping.escape(sample)
            #expect(KubeletExpansion.expand(escaped) { variables[$0] } == sample, "\(sample.debugDescription)")
        }
    }

    @Test("env values expand against the variables before them and the service variables; command and args against all")
    func environmentOrder() {
        let env = [
            LabEnvVar(name: "FIRST", value: "one"),
            LabEnvVar(name: "SECOND", value: "$(FIRST)-$(THIRD)-$(KUBERNETES_SERVICE_PORT)"),
            LabEnvVar(name: "THIRD", value: "three"),
        ]
        let spec = LabKubelet.containerSpec(
            name: "c", image: "busybox:1.36", command: ["sh", "-c", "echo $(SECOND) $(THIRD) $$HOME $(NOPE)"], args: ["$$", "$"],
            env: env, securityContext: .init())
        #expect(spec.environment["SECOND"] == "one-$(THIRD)-443")
        #expect(spec.environment["KUBERNETES_SERVICE_HOST"] == "10.96.0.1")
        #expect(spec.command == ["sh", "-c", "echo one-$(THIRD)-443 three $HOME $(NOPE)"])
        #expect(spec.args == ["$", "$"])
    }

    @Test("a lab pod runs its command after expansion, as a real node does")
    func labPodRunsExpandedCommand() async throws {
        try await LabFixture.with(runtime: true) { lab in
            let curl = Curl(lab: lab)
            let script = "printf '%s|' \"$(GREETING)\" \"$$HOME\" '$(UNDEFINED)' \"$(KUBERNETES_SERVICE_HOST)\" \"$$$$\" 'end$'"
            let body = """
                {"spec":{"ephemeralContainers":[{"name":"expand","image":"busybox:1.36","targetContainerName":"app",
                "env":[{"name":"WHO","value":"lab"},{"name":"GREETING","value":"hi $(WHO)"}],
                "command":["sh","-c",\(jsonString(script))]}]}}
                """
            let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" })
            let patch = try await curl.request(
                "PATCH", "/api/v1/namespaces/shop/pods/\(pod.name)/ephemeralcontainers", body: body, contentType: Ephemeral.smpType)
            #expect(patch.status == 200, "\(patch.text)")
            _ = try await Ephemeral.waitForPod(lab, name: pod.name) { Ephemeral.isTerminated(Ephemeral.ephemeralState($0, "expand")) }
            let log = try await curl.request("/api/v1/namespaces/shop/pods/\(pod.name)/log?container=expand")
            // $(UNDEFINED) stays as written; $$$$ arrives as $$, the shell's pid: digits.
            let fields = log.text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            #expect(fields.count >= 6, "\(log.text)")
            #expect(fields.first == "hi lab" && fields[1] == "/root" && fields[2] == "$(UNDEFINED)" && fields[3] == "10.96.0.1" && fields[5] == "end$", "\(log.text)")
            #expect(!fields[4].isEmpty && fields[4].allSatisfy(\.isNumber), "\(log.text)")
            // The stored spec keeps what the client sent.
            let stored = try #require(lab.server.pod(namespace: "shop", name: pod.name))
            #expect(stored.ephemeralContainers.first { $0.name == "expand" }?.command.last == script)
        }
    }
}

private func jsonString(_ text: String) -> String {
    String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
}
