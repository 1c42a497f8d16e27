// swift-tools-version:6.1
import PackageDescription

/// kubectl-evidence: a batch forensic collector for Kubernetes.
/// One module per concern, as docs/DESIGN.md maps them.
let package = Package(
    name: "kubectl-evidence",
    // macOS 14: withDiscardingTaskGroup (the tool itself needs Linux to collect).
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kubectl-evidence", targets: ["kubectl-evidence"]),
        // The lab cluster the tests, benchmarks and demo run against: its own program,
        // so that the forensic tool carries none of it.
        .executable(name: "kubelab", targets: ["kubelab"]),
        .library(name: "KubeAPI", targets: ["KubeAPI"]),
        .library(name: "KubeLab", targets: ["KubeLab"]),
        .library(name: "Collector", targets: ["Collector"]),
        .library(name: "Bundle", targets: ["Bundle"]),
        .library(name: "Evidence", targets: ["Evidence"]),
        .library(name: "SnapshotDiff", targets: ["SnapshotDiff"]),
        .library(name: "Presentation", targets: ["Presentation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        // NIOSOCKS: the attach's WebSocket through a socks5:// proxy-url (AsyncHTTPClient uses it too).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        // -v: the request log (AsyncHTTPClient logs through it already); LogEvent is 1.11's.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.11.0"),
    ],
    targets: [
        // Finds where JSON values start and end in raw bytes without building them:
        // each pod's bytes as the server sent them, a manifest's pods one at a time.
        .target(name: "JSONBytes"),
        // Writes the git commit a build comes from into the command line's module (BuildInfo).
        .plugin(name: "BuildInfoPlugin", capability: .buildTool(), path: "Sources/BuildInfoPlugin"),
        .target(
            name: "KubeAPI",
            dependencies: [
                "JSONBytes",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // pods/attach: AsyncHTTPClient has no WebSocket.
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSOCKS", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "KubeLab",
            dependencies: [
                // The recorded OpenAPI document is compiled in gzipped.
                "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                // The lab's certificates carry IP SANs, written with SwiftASN1 directly.
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Yams", package: "Yams"),
            ],
            // Compiled into the program: a kubelab copied anywhere still has them.
            resources: [
                .embedInCode("Resources/openapi-v3-api-v1.json.gz"),
                .embedInCode("Resources/demo-topology.yaml"),
            ]
        ),
        .target(
            name: "Collector",
            dependencies: [
                "KubeAPI", "Bundle", "Evidence",
                // zlib: the in-pod script travels gzipped in the container's command.
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            // The in-pod script and the built-in profiles live in scripts/ and
            // profiles/ (symlinked here) and are compiled into the binary.
            resources: [
                .embedInCode("InPod/evidence-collect.sh"),
                .embedInCode("Node/node-collect.sh"),
                .embedInCode("Profiles/standard.yaml"),
                .embedInCode("Profiles/restricted.yaml"),
                .embedInCode("Profiles/network.yaml"),
                .embedInCode("Profiles/deep.yaml"),
            ]
        ),
        // The evidence model and its parsers: plain Swift over bytes, no I/O,
        // so that every parser can be fed hostile input in tests.
        .target(name: "Evidence"),
        // Comparing bundles over time and replicas within a bundle.
        .target(name: "SnapshotDiff", dependencies: ["Bundle", "Evidence"]),
        // Everything a person or a script reads: text tables, progress, JSON and HTML
        // reports, and where output goes (the one place that asks isatty).
        .target(name: "Presentation", dependencies: ["Collector", "SnapshotDiff", "Bundle", "Evidence"]),
        // libarchive from the system (Debian: libarchive-dev), through a small
        // shim header that re-exports the macros Swift cannot import.
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        // zlib itself, to find where a bundle's one gzip member ends (verify refuses what follows it).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "Bundle",
            // Evidence: the manifest records the evidence shell's credentials in Evidence's model.
            // JSONBytes: a manifest's pods are decoded one at a time.
            dependencies: ["CArchive", "CZlib", "Evidence", "JSONBytes", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .executableTarget(
            name: "kubectl-evidence",
            dependencies: [
                // No KubeLab: the forensic tool carries no lab (nor its X509 and ASN.1 libraries).
                "KubeAPI", "Collector", "Bundle", "Evidence", "SnapshotDiff", "Presentation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The JSON Schemas `kubectl-evidence schema` prints: data, compiled into the binary.
            resources: [
                .embedInCode("Schemas/manifest.schema.json"),
                .embedInCode("Schemas/processes.schema.json"),
                .embedInCode("Schemas/sockets.schema.json"),
                .embedInCode("Schemas/namespaces.schema.json"),
                .embedInCode("Schemas/diff.schema.json"),
            ],
            // BuildInfo.swift: the git commit and when it was built, for `version` and the manifest.
            plugins: ["BuildInfoPlugin"]
        ),
        .executableTarget(
            name: "kubelab",
            dependencies: ["KubeLab", "Evidence", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The API responses recorded from a real server (Tests/Fixtures/k8s), found
        // the same way by every test target that reads them.
        .target(name: "RecordedResponses", path: "Tests/RecordedResponses"),
        // What several test targets share: a process runner, temporary directories,
        // namespace sandboxes, a scripted HTTP(S) server, a CONNECT proxy, a seeded random generator,
        // a clock the test advances.
        .target(
            name: "TestSupport",
            dependencies: [
                // ManualClock is a KubeAPI.TimeSource.
                "KubeAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/TestSupport"),
        // Bundles written by tests as collect writes them, around one pod's real evidence,
        // for the tests of what reads bundles.
        .target(name: "BundleSamples", dependencies: ["Bundle", "Evidence", "SnapshotDiff"], path: "Tests/BundleSamples"),
        .testTarget(
            name: "KubeAPITests",
            dependencies: [
                "KubeAPI", "KubeLab", "RecordedResponses", "TestSupport",
                // The scripted server's TLS configuration is NIOSSL's.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // The replayed attach sessions answer each client's WebSocket key (SHA-1).
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The request log is a swift-log Logger; the tests collect its lines.
                .product(name: "Logging", package: "swift-log"),
                // The proxy tunnel's handler is driven on an EmbeddedChannel.
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "KubeLabTests", dependencies: ["KubeLab", "KubeAPI", "RecordedResponses", "TestSupport"]),
        .testTarget(name: "CollectorTests", dependencies: ["Collector", "KubeAPI", "KubeLab", "Bundle", "Evidence", "Presentation", "RecordedResponses", "TestSupport"]),
        .testTarget(name: "BundleTests", dependencies: ["Bundle", "TestSupport"]),
        .testTarget(name: "EvidenceTests", dependencies: ["Evidence", "TestSupport"]),
        .testTarget(name: "SnapshotDiffTests", dependencies: ["SnapshotDiff", "Bundle", "Evidence", "Presentation", "BundleSamples"]),
        .testTarget(name: "PresentationTests", dependencies: ["Presentation", "Collector", "Bundle", "Evidence", "SnapshotDiff", "BundleSamples"]),
        // Evidence: a test builds sockets.json from the machine's own /proc with the parser collect uses.
        .testTarget(name: "EndToEndTests", dependencies: ["KubeLab", "KubeAPI", "Bundle", "Evidence", "TestSupport"]),
    ]
)
