// swift-tools-version: 6.0
// tbctl: a KVM testbed provisioner. The targets follow the pipeline
//   Compose (testbed.yaml) -> Compiler -> TestbedState (+ Artefacts) -> Plan -> Apply
// Pure targets (no I/O): Vocabulary, ComposeModel, Compiler, TestbedState, OVSModel, Plan.
// Every external system is behind a protocol in Hosts (libvirt, Open vSwitch, guest SSH; host
// commands: Core.CommandRunner); LiveHosts implements them over the Libvirt, SSH and OVS
// targets, Tests/HostFakes in memory. Apply sees only the protocols. Every target declares
// exactly what it imports (scripts/check-imports.py); docs/architecture.md has the layers and
// each target's list.
import PackageDescription

let package = Package(
    name: "tbctl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tbctl", targets: ["tbctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // HTTP for `tbctl serve`: no dependencies of its own, ~40 s to build (docs/serve.md).
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // C libraries, used through small shims.
        .systemLibrary(name: "CLibvirt", pkgConfig: "libvirt", providers: [.apt(["libvirt-dev"])]),
        .systemLibrary(name: "CLibYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CLibSSH2", pkgConfig: "libssh2", providers: [.apt(["libssh2-1-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // The one error type and the exit status of each class of error: no dependencies, so
        // every target (pure models too) can throw it.
        .target(name: "Errors"),
        // Shared: blocking-call offload, subprocesses, hashing and keys, XML escaping (re-exports Errors).
        .target(name: "Core", dependencies: ["Errors", "COpenSSL"]),
        // The closed vocabularies (accel, datapath, tunnel kind, image format) every stage shares.
        .target(name: "Vocabulary"),

        // 1. compose: testbed.yaml -> located node tree -> typed, validated model.
        .target(name: "YAML", dependencies: ["CLibYAML", "Core"]),
        .target(name: "ComposeModel", dependencies: ["Core", "Vocabulary"]),
        .target(name: "Compose", dependencies: ["ComposeModel", "YAML", "Core", "Vocabulary"]),
        // 2. state: the compiled testbed (placement, IPAM, MACs, names) and its artefacts.
        .target(name: "OVSModel", dependencies: ["Core", "Vocabulary"]),
        .target(name: "TestbedState", dependencies: ["OVSModel", "Core", "Vocabulary"]),
        .target(name: "Compiler", dependencies: ["ComposeModel", "TestbedState", "Core", "Vocabulary"]),
        .target(name: "Artefacts", dependencies: ["TestbedState", "Core", "Vocabulary"]),
        // The project's files in .testbed/: paths, JSON records, the project key, state.json.
        .target(name: "Workspace", dependencies: ["TestbedState", "Core"]),
        // The I/O around the pure compiler: load, compile against the previous state, write.
        .target(name: "Project", dependencies: [
            "Compose", "ComposeModel", "Compiler", "Artefacts", "TestbedState", "Workspace", "YAML", "Core",
        ]),
        // External systems.
        .target(name: "Libvirt", dependencies: ["CLibvirt", "Core"]),
        .target(name: "SSH", dependencies: ["CLibSSH2", "Core"]),
        .target(name: "OVS", dependencies: ["OVSModel", "Core", "Vocabulary"]),
        // The seam: a protocol in front of each external system (Hypervisor and its handles,
        // VirtualSwitch, GuestSession, HostConnection) and the logic written against them.
        // LiveHosts is the real implementation; Tests/HostFakes an in-memory one.
        .target(name: "Hosts", dependencies: ["Plan", "OVSModel", "Metrics", "TestbedState", "Core", "Vocabulary"]),
        .target(name: "LiveHosts", dependencies: [
            "Hosts", "Libvirt", "SSH", "OVS", "OVSModel", "Plan", "Metrics", "TestbedState", "Core", "Vocabulary",
        ]),
        // 3. plan: state vs what each host really has.  4. apply: make it so.
        .target(name: "Plan", dependencies: ["TestbedState", "OVSModel", "Core"]),
        .target(name: "Apply", dependencies: ["Plan", "Hosts", "OVSModel", "TestbedState", "Workspace", "Conditions", "Core", "Vocabulary"]),
        // Network conditions (links, impairments, partitions, capture): the desired model and
        // the per-host plans, pure, applied through the ConditionsHost protocol (docs/conditions.md).
        .target(name: "Conditions", dependencies: ["TestbedState", "Workspace", "Core"]),

        // Observe: libvirt's bulk statistics + tbctl's own facts -> Prometheus text (pure).
        .target(name: "Metrics", dependencies: ["TestbedState", "Core"]),
        // `tbctl serve`: /metrics, the JSON API and the page (embedded), over a sampler.
        .target(name: "Server", dependencies: ["Metrics", "TestbedState", "Core",
                                               .product(name: "FlyingFox", package: "FlyingFox"),
                                               .product(name: "FlyingSocks", package: "FlyingFox")],
                resources: [.embedInCode("Page/index.html"), .embedInCode("Page/app.js"),
                            .embedInCode("Page/app.css"), .embedInCode("Page/favicon.svg")]),

        // 5. run: scenario file -> checked model -> plan over the testbed's facts (pure).
        .target(name: "Scenario", dependencies: ["YAML", "Core"]),
        // Run records: runs, jobs, logs and metric samples in SQLite, readable while written.
        .target(name: "Records", dependencies: ["CSQLite", "Core"]),
        // The run engine: stages, jobs, failure rules, vars, background jobs, stopping; written
        // against a small protocol of what it needs from targets (fakes in tests).
        .target(name: "Runner", dependencies: ["Scenario", "Records", "Core"]),
        // The runner's targets on a real testbed: guest and host SSH sessions, the master's
        // shell, snapshots and scale through Apply.
        // They go through the Hosts protocols (LiveHosts in the CLI, HostFakes in tests).
        .target(name: "RunTargets", dependencies: ["Runner", "Scenario", "Records", "Apply", "Conditions", "Hosts", "Project", "TestbedState",
                                                   "Workspace", "Core"]),

        .executableTarget(name: "tbctl", dependencies: [
            "Project", "Compose", "TestbedState", "Workspace", "Plan", "Apply", "Hosts", "LiveHosts", "Conditions", "Metrics", "Server",
            "Scenario", "Records", "Runner", "RunTargets", "Core",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // bench/: times compose -> state -> artefacts on a generated 1,000-guest testbed (bench/README.md).
        .executableTarget(name: "tbctl-bench", dependencies: [
            "Compose", "ComposeModel", "Compiler", "Project", "Artefacts", "TestbedState", "Workspace", "YAML", "Core",
        ], path: "bench/Sources/tbctl-bench"),

        .testTarget(name: "ErrorsTests", dependencies: ["Errors"]),
        // state.json that cannot be read, and what Project does with it.
        .testTarget(name: "ProjectTests", dependencies: ["Project", "TestbedState", "Workspace", "Core"]),
        // The CLI's contract: output format, error output and exit statuses.
        .testTarget(name: "CLITests", dependencies: [
            "tbctl", "Apply", "Project", "TestbedState", "Workspace", "Plan", "Core", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        .testTarget(name: "YAMLTests", dependencies: ["YAML", "Core"]),
        .testTarget(name: "ComposeTests", dependencies: ["Compose", "ComposeModel", "Compiler", "TestbedState", "YAML", "Core"]),
        // Compose models built in code, shared by the compiler and planner tests.
        .target(name: "TestSupport", dependencies: ["Compiler", "ComposeModel", "TestbedState", "Core", "OVSModel", "Vocabulary"],
                path: "Tests/TestSupport"),
        .testTarget(name: "CompilerTests", dependencies: ["Compiler", "ComposeModel", "TestbedState", "TestSupport", "Core"]),
        .testTarget(name: "ArtefactsTests", dependencies: ["Artefacts", "TestbedState", "Core", "Vocabulary"]),
        .testTarget(name: "LibvirtTests", dependencies: ["Libvirt", "Core"]),
        .testTarget(name: "SSHTests", dependencies: ["SSH", "Core"]),
        .testTarget(name: "OVSTests", dependencies: ["OVS", "OVSModel", "Core", "TestSupport"]),
        .testTarget(name: "E2ETests", dependencies: ["Libvirt", "SSH", "TestbedState", "Workspace", "Project", "Apply", "Conditions", "Records", "Core"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "PlanTests", dependencies: ["Plan", "OVSModel", "Compiler", "TestbedState", "TestSupport"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "YAML", "Core"]),
        .testTarget(name: "RecordsTests", dependencies: ["Records", "Core"]),
        .testTarget(name: "RunnerTests", dependencies: ["Runner", "Scenario", "Records", "Core"]),
        .testTarget(name: "RunTargetsTests", dependencies: [
            "RunTargets", "Runner", "Scenario", "Records", "Apply", "Artefacts", "Conditions", "HostFakes", "Hosts", "Project", "TestbedState",
            "TestSupport", "Workspace", "Core",
        ]),
        // In-memory hosts behind the Hosts protocols, with injectable faults, for Apply's tests.
        .target(name: "HostFakes", dependencies: ["Hosts", "Metrics", "OVSModel", "Plan", "TestbedState", "Core", "Vocabulary"],
                path: "Tests/HostFakes"),
        .testTarget(name: "MetricsTests", dependencies: [
            "Metrics", "Hosts", "HostFakes", "LiveHosts", "ComposeModel", "TestbedState", "Core", "TestSupport",
        ]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "Metrics", "TestbedState", "Core", "TestSupport"]),
        .testTarget(name: "ConditionsTests", dependencies: ["Conditions", "ComposeModel", "TestbedState", "Core", "TestSupport"]),
        .testTarget(name: "ApplyTests", dependencies: [
            "Apply", "HostFakes", "Hosts", "Plan", "Artefacts", "Compiler", "ComposeModel", "TestbedState", "Workspace", "Conditions",
            "Core", "TestSupport",
        ]),
    ],
    swiftLanguageModes: [.v6]
)

// Warnings are errors in every target of ours (CI tier 1 and every developer build alike), and
// only in ours: unsafe flags apply to the target they are set on, never to a dependency's
// targets, so swift-argument-parser may warn without breaking the build.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-warnings-as-errors"])]
}
