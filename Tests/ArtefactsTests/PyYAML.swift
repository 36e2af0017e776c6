@testable import Artefacts
import Core
import Foundation

/// Reads YAML back with PyYAML (cloud-init's parser) and compares with a JSON rendering of
/// the expected tree, key order included.
enum PyYAML {
    static let available: Bool = (try? Subprocess.runBlocking(["python3", "-c", "import yaml"]))?.succeeded == true

    static func equal(yaml: String, json: String) async throws -> Bool {
        let dir = Fixture.tempDir("pyyaml")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try yaml.write(toFile: dir + "/doc.yaml", atomically: false, encoding: .utf8)
        try json.write(toFile: dir + "/doc.json", atomically: false, encoding: .utf8)
        let script = """
            import json, sys, yaml
            def same(a, b):
                if isinstance(a, dict):
                    return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
                if isinstance(a, list):
                    return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
                return type(a) == type(b) and a == b
            got = yaml.safe_load(open(sys.argv[1], encoding='utf-8').read())
            want = json.load(open(sys.argv[2], encoding='utf-8'))
            if not same(got, want):
                print(json.dumps(got, ensure_ascii=False)); sys.exit(1)
            """
        let r = try await Subprocess.run(["python3", "-c", script, dir + "/doc.yaml", dir + "/doc.json"])
        if !r.succeeded { print("PyYAML read:", r.stdout, r.stderr) }
        return r.succeeded
    }

    /// The user-data of a guest as PyYAML sees it, as JSON text (for spot checks).
    static func json(yaml: String) async throws -> String {
        try await Fixture.run(["python3", "-c", "import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin.read()), sort_keys=True))"],
                        stdin: yaml)
    }
}

/// JSON for a CloudConfigValue, keeping map order.
enum JSONText {
    static func encode(_ v: CloudConfigValue) -> String {
        switch v {
        case .map(let entries): "{" + entries.map { string($0.key) + ":" + encode($0.value) }.joined(separator: ",") + "}"
        case .list(let items): "[" + items.map(encode).joined(separator: ",") + "]"
        case .string(let s): string(s)
        case .int(let i): String(i)
        case .float(let d): d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : "\(d)"
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        }
    }

    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.utf16 {
            switch u {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(u)!)
            default: out += String(format: "\\u%04x", u)
            }
        }
        return out + "\""
    }
}
