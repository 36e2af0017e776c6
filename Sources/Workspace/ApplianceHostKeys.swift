import Core
import Foundation
import TestbedState

/// The recorded host keys of guests without a seed. A guest's new disk (or its removal) drops
/// its entry: the next image may bring another key, and the record must not refuse it.
public enum ApplianceHostKeys {
    public static func forget(_ guest: Guest, workspace: Workspace) throws {
        try forget(aliases: [Names.applianceKeyAlias(guest)], workspace: workspace)
    }

    public static func forget(aliases: Set<String>, workspace: Workspace) throws {
        let path = workspace.applianceKnownHosts
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let kept = lines.filter { line in
            guard let hosts = line.split(separator: " ").first else { return true }
            return hosts.split(separator: ",").allSatisfy { !aliases.contains(String($0)) }
        }
        guard kept.count != lines.count else { return }
        try writeFile(path, Data(kept.joined(separator: "\n").utf8), mode: 0o600)
    }
}
