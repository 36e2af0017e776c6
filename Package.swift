// swift-tools-version: 6.0
// tbctl: a KVM testbed provisioner. The targets follow the pipeline:
//   Compose (testbed.yaml) -> Compiler -> TestbedState (+ Artefacts) -> Plan -> Apply
// with one target per external system (Libvirt, SSH, OVS) behind the Hosts protocol.
import PackageDescription

let package = Package(
    name: "tbctl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tbctl", targets: ["tbctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries, used through small shims.
        .systemLibrary(name: "CLibvirt", pkgConfig: "libvirt", providers: [.apt(["libvirt-dev"])]),
        .systemLibrary(name: "CLibYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CLibSSH2", pkgConfig: "libssh2", providers: [.apt(["libssh2-1-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // Shared: the one error type, blocking-call offload, subprocesses, hashing and keys.
        .target(name: "Core", dependencies: ["COpenSSL"]),

        // 1. compose: testbed.yaml -> located node tree -> typed, validated model.
        .target(name: "YAML", dependencies: ["CLibYAML", "Core"]),
        .target(name: "Compose", dependencies: ["YAML", "Core"]),
        // 2. state: the compiled testbed (placement, IPAM, MACs, names) and its artefacts.
        .target(name: "TestbedState", dependencies: ["OVS", "Core"]),
        .target(name: "Compiler", dependencies: ["Compose", "TestbedState", "OVS", "Core"]),
        .target(name: "Artefacts", dependencies: ["TestbedState", "Core"]),
        // The I/O around the pure compiler: load, compile against the previous state, write.
        .target(name: "Project", dependencies: ["Compose", "Compiler", "Artefacts", "TestbedState", "YAML", "Core"]),
        // External systems.
        .target(name: "Libvirt", dependencies: ["CLibvirt", "Core"]),
        .target(name: "SSH", dependencies: ["CLibSSH2", "Core"]),
        .target(name: "OVS", dependencies: ["Core"]),
        .target(name: "Hosts", dependencies: ["Libvirt", "SSH", "OVS", "Plan", "TestbedState", "Core"]),
        // 3. plan: state vs what each host really has.  4. apply: make it so.
        .target(name: "Plan", dependencies: ["TestbedState", "OVS", "Core"]),
        .target(name: "Apply", dependencies: ["Plan", "Hosts", "Artefacts", "TestbedState", "Core"]),

        // 5. run: scenario file -> checked model -> plan over the testbed's facts (pure).
        .target(name: "Scenario", dependencies: ["YAML", "Core"]),
        // Run records: runs, jobs, logs and metric samples in SQLite, readable while written.
        .target(name: "Records", dependencies: ["CSQLite", "Core"]),
        // The run engine: stages, jobs, failure rules, vars, background jobs, stopping; written
        // against a small protocol of what it needs from targets (fakes in tests).
        .target(name: "Runner", dependencies: ["Scenario", "Records", "Core"]),
        // The runner's targets on a real testbed: guest and host SSH sessions, the master's
        // shell, snapshots and scale through Apply.
        .target(name: "RunTargets", dependencies: ["Runner", "Scenario", "Records", "Apply", "Hosts", "SSH", "Libvirt",
                                                   "Project", "TestbedState", "Core"]),

        .executableTarget(name: "tbctl", dependencies: [
            "Project", "Compose", "Compiler", "Artefacts", "TestbedState", "Plan", "Apply", "Hosts", "Core",
            "Scenario", "Records", "Runner", "RunTargets",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // bench/: times compose -> state -> artefacts on a generated 1,000-guest testbed (bench/README.md).
        .executableTarget(name: "tbctl-bench", dependencies: [
            "Compose", "Compiler", "Project", "Artefacts", "TestbedState", "YAML", "Core",
        ], path: "bench/Sources/tbctl-bench"),

        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"]),
        .testTarget(name: "ComposeTests", dependencies: ["Compose", "Compiler", "TestbedState", "Core"]),
        // Compose models built in code, shared by the compiler and planner tests.
        .target(name: "TestSupport", dependencies: ["Compiler", "Compose", "TestbedState", "Core", "OVS"], path: "Tests/TestSupport"),
        .testTarget(name: "CompilerTests", dependencies: ["Compiler", "Compose", "TestbedState", "TestSupport"]),
        .testTarget(name: "ArtefactsTests", dependencies: ["Artefacts", "TestbedState", "Core"]),
        .testTarget(name: "LibvirtTests", dependencies: ["Libvirt"]),
        .testTarget(name: "SSHTests", dependencies: ["SSH", "Core"]),
        .testTarget(name: "OVSTests", dependencies: ["OVS", "Core", "TestSupport"]),
        .testTarget(name: "E2ETests", dependencies: ["Libvirt", "SSH", "TestbedState", "Project", "Apply", "Records", "Core"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "PlanTests", dependencies: ["Plan", "OVS", "Compiler", "Compose", "TestbedState", "Core", "TestSupport"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "YAML", "Core"]),
        .testTarget(name: "RecordsTests", dependencies: ["Records", "Core"]),
        .testTarget(name: "RunnerTests", dependencies: ["Runner", "Scenario", "Records", "Core"]),
        .testTarget(name: "ApplyTests", dependencies: ["Apply", "Plan", "Compiler", "Compose", "TestbedState", "Core", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
