// tbctl-bench: times the front half of the pipeline on a compose file (see bench/README.md).
//
//   tbctl-bench compile FILE [--runs N] [--against-previous] [--emit STATE.json]
//       load + validate + compile, N times in this process (best, median, peak RSS)
//   tbctl-bench generate FILE
//       Project.generateWithSummary(): into a new .testbed, again unchanged, after a new key
//   tbctl-bench artefacts FILE [--dir D]
//       one compiled state: render only, first write, second write, rewrite under another key
//
// Each prints a small table and one line `BENCH {json}`; peak RSS is the process's VmHWM, so
// run one measurement per process (bench/run.sh does).
import Artefacts
import Compiler
import Compose
import ComposeModel
import Core
import Foundation
import Project
import TestbedState
import Workspace
import YAML

// MARK: measuring

let clock = ContinuousClock()

func seconds(_ d: Duration) -> Double {
    d.seconds
}

func fmt(_ s: Double) -> String { String(format: "%.3f", s) }

/// Peak resident set size of this process, MiB (VmHWM).
func peakRSSMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) } ?? -1
        return kb / 1024
    }
    return -1
}

/// CPU time of this process (user + system, every thread), seconds. Less sensitive than wall
/// time to other work on the machine; the kernel's file-creation work shows up as system time.
func cpuSeconds() -> (user: Double, system: Double) {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return (s(u.ru_utime), s(u.ru_stime))
}

/// Wall time and CPU time (user, system) of `body`.
func measure(_ body: () throws -> Void) rethrows -> (wall: Double, user: Double, system: Double) {
    let c0 = cpuSeconds()
    let d = try clock.measure(body)
    let c1 = cpuSeconds()
    return (seconds(d), c1.user - c0.user, c1.system - c0.system)
}

struct Stats {
    var samples: [Double]
    var best: Double { samples.min() ?? 0 }
    var median: Double {
        let s = samples.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

func json(_ fields: [(String, Any)]) -> String {
    let parts = fields.map { key, value -> String in
        let v: String
        switch value {
        case let d as Double: v = String(format: "%.4f", d)
        case let i as Int: v = String(i)
        case let b as Bool: v = b ? "true" : "false"
        default:
            let s = "\(value)".replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            v = "\"\(s)\""
        }
        return "\"\(key)\": \(v)"
    }
    return "BENCH {" + parts.joined(separator: ", ") + "}"
}

func table(_ rows: [[String]]) {
    let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max()! }
    for (i, row) in rows.enumerated() {
        print(row.enumerated().map { c, cell in
            c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                   : String(repeating: " ", count: widths[c] - cell.count) + cell
        }.joined(separator: "  "))
        if i == 0 { print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("tbctl-bench: \(message)\n".utf8))
    exit(1)
}

func describe(_ error: any Error) -> String {
    if let e = error as? ComposeError { return e.asTBError.description }
    return "\(error)"
}

// MARK: compile (no artefacts, no state write)

/// What `Project.generateWithSummary()` does before it writes anything: read the file and hash
/// it, load and validate it, compile it. File digests go through Project's DigestCache, in
/// memory (so the first run hashes each file and the others only stat it, as a recompile does).

/// One load + validate + compile, as Project does it before writing: the compose file's bytes
/// hashed, the file loaded and checked, the state compiled (against `previous` when given).
struct CompileRun {
    var state: TestbedState
    var load: Double
    var compile: Double
}

func compileOnce(path: String, key: Ed25519Key, cache: DigestCache,
                 previous: TestbedState?) throws -> CompileRun {
    var composeDigest = ""
    var compose: ComposeFile?
    let tLoad = try clock.measure {
        guard let bytes = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
        composeDigest = Digest.sha256Hex(bytes)
        compose = try ComposeLoader.load(path: path)
    }
    var state: TestbedState?
    let tCompile = try clock.measure {
        state = try Compiler.compile(CompileInput(
            compose: compose!, composeDigest: composeDigest, projectKey: key, previous: previous,
            replicaOverrides: [:], knownHostsFile: Workspace(composeFile: path).knownHosts,
            digest: { try cache.digest($0) }, header: fileHeader))
    }
    return CompileRun(state: state!, load: seconds(tLoad), compile: seconds(tCompile))
}

/// `againstPrevious`: every run first decodes a previous state.json (as `generate-artefacts`
/// does on a project compiled before) and compiles against it: the recompile case, where
/// every guest keeps its host, addresses and MACs.
func compileCommand(file: String, runs: Int, againstPrevious: Bool, emit: String?) {
    let path = URL(fileURLWithPath: file).standardizedFileURL.path
    let key: Ed25519Key
    do { key = try Ed25519Key.derive(secret: Array(repeating: 7, count: 32), label: "tbctl-bench") } catch {
        fail("cannot make a key: \(error)")
    }
    let cache = DigestCache(workspace: nil)
    var previousJSON: Data?
    if againstPrevious {
        do { previousJSON = try compileOnce(path: path, key: key, cache: cache, previous: nil).state.encoded() } catch {
            fail(describe(error))
        }
    }
    var yaml: [Double] = [], decode: [Double] = [], load: [Double] = [], compile: [Double] = []
    var total: [Double] = [], encode: [Double] = [], cpu: [Double] = []
    var guests = 0, stateBytes = 0
    for _ in 0..<runs {
        do {
            // YAML alone (libyaml -> located node tree), to split the loader's time.
            let text = try String(contentsOfFile: path, encoding: .utf8)
            yaml.append(seconds(try clock.measure { _ = try YAMLReader.read(text: text, file: file) }))

            var run: CompileRun?
            var tDecode = Duration.zero
            let c0 = cpuSeconds()
            let t = try clock.measure {
                var previous: TestbedState?
                if let previousJSON {
                    tDecode = try clock.measure { previous = try TestbedState.decode(previousJSON) }
                }
                run = try compileOnce(path: path, key: key, cache: cache, previous: previous)
            }
            decode.append(seconds(tDecode))
            load.append(run!.load)
            compile.append(run!.compile)
            let c1 = cpuSeconds()
            total.append(seconds(t))
            cpu.append(c1.user + c1.system - c0.user - c0.system)
            var bytes = 0
            encode.append(seconds(try clock.measure { bytes = try run!.state.encoded().count }))
            if let previousJSON, try run!.state.encoded() != previousJSON {
                fail("the recompiled state differs from the previous one")
            }
            guests = run!.state.guests.count
            stateBytes = bytes
            if let emit { try run!.state.encoded().write(to: URL(fileURLWithPath: emit)) }
        } catch {
            fail(describe(error))
        }
    }
    let rss = peakRSSMiB()
    let st = Stats(samples: total), sp = Stats(samples: cpu), sy = Stats(samples: yaml), sl = Stats(samples: load), sd = Stats(samples: decode)
    let sc = Stats(samples: compile), se = Stats(samples: encode)
    let what = againstPrevious ? "recompile against the previous state" : "compile from scratch"
    print("\(what), \(file): \(guests) guests (incl. golden builders), \(runs) runs, state.json \(stateBytes / 1024) KiB")
    var rows = [
        ["phase", "best s", "median s"],
        ["yaml (libyaml -> node tree), alone", fmt(sy.best), fmt(sy.median)],
    ]
    if againstPrevious { rows.append(["previous state.json decode", fmt(sd.best), fmt(sd.median)]) }
    rows += [
        ["load + validate (ComposeLoader)", fmt(sl.best), fmt(sl.median)],
        ["compile (Compiler.compile)", fmt(sc.best), fmt(sc.median)],
        [againstPrevious ? "TOTAL decode + load + compile" : "TOTAL load + validate + compile", fmt(st.best), fmt(st.median)],
        ["  its CPU time (user + system)", fmt(sp.best), fmt(sp.median)],
        ["state.json encode (not written)", fmt(se.best), fmt(se.median)],
    ]
    table(rows)
    print("peak RSS (VmHWM): \(String(format: "%.1f", rss)) MiB")
    print(json([("bench", againstPrevious ? "recompile" : "compile"), ("guests", guests), ("runs", runs),
                ("best_s", st.best), ("median_s", st.median), ("cpu_median_s", sp.median), ("decode_median_s", sd.median),
                ("load_median_s", sl.median), ("compile_median_s", sc.median), ("yaml_median_s", sy.median),
                ("encode_median_s", se.median), ("peak_rss_mib", rss)]))
}

// MARK: generate (state.json + every artefact)

/// Three runs of `Project.generateWithSummary()`: into an empty `.testbed` (every file
/// created), again with nothing changed (every file compared, none written), and after a new
/// project key (every guest's host key changes, so every seed is rewritten: the worst case of
/// a regeneration). `--runs` is ignored: each run changes what the next one sees.
func generateCommand(file: String) {
    let project = Project(composeFile: file)
    let root = project.workspace.root
    if FileManager.default.fileExists(atPath: root) {
        // On ext4 without a journal, inodes freed in the last minute are skipped when new ones
        // are allocated, so creating files just after deleting thousands is several times
        // slower: bench/run.sh starts from a folder that never had a .testbed.
        print("note: removing the existing \(root) first; the first run will pay for the deleted inodes")
        try? FileManager.default.removeItem(atPath: root)
    }
    var rows: [[String]] = [["run", "wall s", "user s", "sys s", "guests", "written", "unchanged"]]
    var fields: [(String, Any)] = [("bench", "generate")]
    let runs = [("first", "first (empty .testbed)"), ("second", "second (nothing changed)"),
                ("rewrite", "rewrite (new project key)")]
    for (run, label) in runs {
        if run == "rewrite" {
            for name in ["id_ed25519", "id_ed25519.pub"] { unlink(project.workspace.path(name)) }
        }
        var summary: ArtefactWriter.Summary?
        let t: (wall: Double, user: Double, system: Double)
        do { t = try measure { summary = try project.generateWithSummary().artefacts } } catch {
            fail(describe(error))
        }
        let s = summary!
        rows.append([label, fmt(t.wall), fmt(t.user), fmt(t.system), String(s.guests), String(s.filesWritten),
                     String(s.filesUnchanged)])
        fields += [("\(run)_s", t.wall), ("\(run)_user_s", t.user), ("\(run)_sys_s", t.system),
                   ("\(run)_written", s.filesWritten), ("\(run)_unchanged", s.filesUnchanged)]
        if run == "first" { fields.insert(("guests", s.guests), at: 1) }
    }
    let rss = peakRSSMiB()
    print("generate \(file): load + compile + state.json + artefacts (Project.generateWithSummary)")
    table(rows)
    print("peak RSS (VmHWM): \(String(format: "%.1f", rss)) MiB")
    fields.append(("peak_rss_mib", rss))
    print(json(fields))
}

// MARK: artefacts (render vs write, from one compiled state)

/// From one compiled state: rendering alone, a first write into an empty folder, a second
/// write with nothing changed (ArtefactBenchmark), then a rewrite under another project key
/// (every seed changes: user-data, meta-data and seed.iso of every guest).
func artefactsCommand(file: String, dir: String?) {
    do {
        let project = Project(composeFile: file)
        let compose = try project.loadCompose()
        let cache = DigestCache(workspace: nil)
        func compile(_ key: Ed25519Key) throws -> TestbedState {
            try Compiler.compile(CompileInput(
                compose: compose, composeDigest: "", projectKey: key, previous: nil, replicaOverrides: [:],
                knownHostsFile: project.workspace.knownHosts, digest: { try cache.digest($0) }, header: fileHeader))
        }
        let key = try Ed25519Key.derive(secret: Array(repeating: 7, count: 32), label: "tbctl-bench")
        let otherKey = try Ed25519Key.derive(secret: Array(repeating: 8, count: 32), label: "tbctl-bench")
        let state = try compile(key), otherState = try compile(otherKey)
        // Kept after the run (bench/run.sh removes its whole folder at the end): deleting
        // thousands of files slows down the next file creations on ext4 without a journal.
        let out = dir ?? (project.workspace.root + "/bench-artefacts")
        if FileManager.default.fileExists(atPath: out) {
            print("note: removing the existing \(out) first; the first write will pay for the deleted inodes")
            try? FileManager.default.removeItem(atPath: out)
        }
        let r = try ArtefactBenchmark.run(state: state, projectSecret: key.seed, dir: out)
        var rewrite: ArtefactWriter.Summary?
        let tRewrite = try clock.measure {
            rewrite = try ArtefactWriter.write(state: otherState, projectSecret: otherKey.seed, to: out)
        }
        let cpu = cpuSeconds()
        print("artefacts \(file): \(r.guests) guests, \(r.bytesPerGuest / 1024) KiB each, into \(out)")
        table([
            ["step", "seconds", "files written", "unchanged"],
            ["render only (no I/O)", fmt(seconds(r.renderOnly)), "-", "-"],
            ["first write (empty folder)", fmt(seconds(r.firstRun)), String(r.first.filesWritten), String(r.first.filesUnchanged)],
            ["second write (no change)", fmt(seconds(r.secondRun)), String(r.second.filesWritten), String(r.second.filesUnchanged)],
            ["rewrite (new project key)", fmt(seconds(tRewrite)), String(rewrite!.filesWritten), String(rewrite!.filesUnchanged)],
        ])
        print("process CPU: user \(fmt(cpu.user)) s, system \(fmt(cpu.system)) s")
        print("peak RSS (VmHWM): \(String(format: "%.1f", peakRSSMiB())) MiB")
        print(json([("bench", "artefacts"), ("user_s", cpu.user), ("sys_s", cpu.system), ("guests", r.guests), ("render_s", seconds(r.renderOnly)),
                    ("first_s", seconds(r.firstRun)), ("second_s", seconds(r.secondRun)), ("rewrite_s", seconds(tRewrite)),
                    ("first_written", r.first.filesWritten), ("second_written", r.second.filesWritten),
                    ("rewrite_written", rewrite!.filesWritten), ("peak_rss_mib", peakRSSMiB())]))
    } catch {
        fail(describe(error))
    }
}

// MARK: main

let usage = """
usage: tbctl-bench compile FILE [--runs N] [--against-previous] [--emit STATE.json]
       tbctl-bench generate FILE
       tbctl-bench artefacts FILE [--dir DIR]
"""
func option(_ name: String, in args: inout [String]) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    let v = args[i + 1]
    args.removeSubrange(i...(i + 1))
    return v
}
var args = Array(CommandLine.arguments.dropFirst())
let runs = option("--runs", in: &args).map { Int($0) ?? 0 } ?? 10
let dir = option("--dir", in: &args)
let emit = option("--emit", in: &args)
let againstPrevious = args.contains("--against-previous")
args.removeAll { $0 == "--against-previous" }
guard args.count == 2, runs > 0 else { fail(usage) }
switch args[0] {
case "compile": compileCommand(file: args[1], runs: runs, againstPrevious: againstPrevious, emit: emit)
case "generate": generateCommand(file: args[1])
case "artefacts": artefactsCommand(file: args[1], dir: dir)
default: fail(usage)
}
