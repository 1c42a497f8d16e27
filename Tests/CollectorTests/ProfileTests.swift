import Collector
import Foundation
import Testing

@Suite("collection profiles")
struct ProfileTests {
    @Test("every built-in profile decodes and validates")
    func builtIns() throws {
        let profiles = try CollectionProfile.builtIns()
        #expect(profiles.map(\.name) == CollectionProfile.builtInNames)
        for profile in profiles {
            #expect(profile.image == "docker.io/library/busybox:1.36")
            #expect(profile.outputCapBytes <= CollectionProfile.maximumOutputCap)
        }
    }

    @Test("the security contexts match kubectl debug's profiles")
    func securityContexts() throws {
        let standard = try CollectionProfile.builtIn("standard").securityContext
        #expect(standard?.capabilities?.add == ["SYS_PTRACE"])
        #expect(standard?.privileged == nil)

        let restricted = try #require(try CollectionProfile.builtIn("restricted").securityContext)
        #expect(restricted.runAsNonRoot == true)
        #expect(restricted.allowPrivilegeEscalation == false)
        #expect(restricted.capabilities?.drop == ["ALL"])
        #expect(restricted.capabilities?.add == nil)
        #expect(restricted.seccompProfile?.type == "RuntimeDefault")
        #expect((restricted.runAsUser ?? 0) != 0)

        let network = try CollectionProfile.builtIn("network").securityContext
        #expect(Set(network?.capabilities?.add ?? []) == ["NET_ADMIN", "NET_RAW", "SYS_PTRACE"])

        let deep = try CollectionProfile.builtIn("deep").securityContext
        #expect(deep?.privileged == true)
    }

    @Test("the restricted profile's security context is the one the real API server admitted under Pod Security restricted")
    func restrictedMatchesAdmittedRequest() throws {
        let request = try Fixtures.jsonObject("errors/200-podsecurity-ephemeral-compliant.request.json")
        let container = ((request["spec"] as! [String: Any])["ephemeralContainers"] as! [[String: Any]])[0]
        let admitted = container["securityContext"] as! [String: Any]
        let ours = try #require(try CollectionProfile.builtIn("restricted").securityContext)
        #expect(admitted["runAsNonRoot"] as? Bool == ours.runAsNonRoot)
        #expect(admitted["allowPrivilegeEscalation"] as? Bool == ours.allowPrivilegeEscalation)
        #expect((admitted["capabilities"] as? [String: Any])?["drop"] as? [String] == ours.capabilities?.drop)
        #expect((admitted["seccompProfile"] as? [String: Any])?["type"] as? String == ours.seccompProfile?.type)
    }

    @Test("a broken profile file is refused with the file and the field named")
    func brokenProfiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let standard = try #require(CollectionProfile.builtInYAML("standard"))
        let cases: [(String, String)] = [
            (standard.replacingOccurrences(of: "image: docker.io/library/busybox:1.36\n", with: ""), "image"),
            (standard.replacingOccurrences(of: "outputCapBytes: 8388608", with: "outputCapBytes: 20000000"), "outputCapBytes"),
            (standard.replacingOccurrences(of: "securityProfile: general", with: "securityProfile: godmode"), "securityProfile"),
            ("name: [unclosed\n", "not valid"),
        ]
        for (index, (text, words)) in cases.enumerated() {
            let path = directory.appendingPathComponent("p\(index).yaml").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect {
                _ = try CollectionProfile.resolve(path)
            } throws: { error in
                let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
                return message.contains(path) && message.contains(words)
            }
        }
        #expect(throws: ProfileError.self) { _ = try CollectionProfile.resolve("no-such-profile") }
    }
}
