import Core
import Foundation
import Hosts
import TestbedState
import Workspace

extension Executor {
    /// Defines (or redefines) a domain from its artefact XML and records the XML's digest in the
    /// domain's metadata, so the next plan can tell whether the definition changed.
    func defineDomain(_ guest: Guest) async throws {
        let host = try context.host(guest.host)
        let path = context.artefact(guest.name, "domain.xml")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TBError(.notFound, "\(path) is missing: run `tbctl generate-artefacts`")
        }
        var xml = String(decoding: data, as: UTF8.self)
        // Redefining an existing name needs its UUID, or libvirt refuses.
        if let existing = try await projectDomain(guest.domain, on: host) {
            xml = xml.replacingOccurrences(of: "<name>", with: "<uuid>\(existing.uuid)</uuid>\n  <name>", options: [], range: xml.range(of: "<name>"))
        }
        let dom = try await host.libvirt.defineDomain(xml: xml)
        try await dom.setMetadata(DomainMetadata.configElement(digest: Digest.sha256Hex(data)), key: "tbctlcfg",
                                  uri: DomainMetadata.configNamespace, .config)
    }

    /// Shuts a guest down so that its next start uses its new definition: from inside over SSH
    /// when it answers, else its ACPI button, else a forced power-off (see `shutDown`).
    func stopDomain(_ guest: Guest) async throws {
        let host = try context.host(guest.host)
        let how = try await shutDown(guest, on: host)
        progress.detail("\(guest.name) on \(host.name): \(how)")
    }

    func startDomain(_ guest: Guest) async throws {
        try await startPaused(guest)?.resume()
    }

    /// Creates the guest's QEMU process with its vCPUs stopped, over one of the host's libvirt
    /// connections (`lane()`: starts spread over several). Returns the domain to resume, or nil
    /// when it already runs. A paused guest (an interrupted start, a user's `virsh suspend`)
    /// is returned as it is, to be resumed.
    @discardableResult
    func startPaused(_ guest: Guest) async throws -> (any DomainHandle)? {
        let host = try context.host(guest.host)
        guard let dom = try await host.lane().domain(named: guest.domain) else {
            throw TBError(.notFound, "domain \(guest.domain) is not defined")
        }
        switch try await dom.state() {
        case .running, .blocked: return nil
        case .paused, .pmsuspended: return dom
        default:
            try await dom.start(paused: true)
            return dom
        }
    }

    /// Stops and undefines a domain (with its snapshot metadata) and deletes its disk and seed.
    func removeDomain(_ name: String, on host: any HostConnection) async throws {
        try await removeDomainIfPresent(name, on: host)
        let guest = String(name.dropFirst(Names.domain(project: context.state.project, guest: "").count))
        let pool = try await pool(host)
        for vol in [Names.diskVolume(guest: guest), Names.seedVolume(guest: guest)] {
            try await deleteVolume(vol, in: pool)
            try context.update { $0.setVolume(host.name, vol, nil) }
        }
        try context.update { $0.setup[guest] = nil }
        try SnapshotStore(context.workspace).forget(guests: [guest])   // its snapshots were in its disk
        try ApplianceHostKeys.forget(aliases: [name], workspace: context.workspace)   // and its image's host key
        try await removeSerialLog(name, on: host)
    }

    func removeDomainIfPresent(_ name: String, on host: any HostConnection) async throws {
        guard let dom = try await projectDomain(name, on: host) else { return }
        if try await dom.isActive() { try await dom.destroy() }
        try await dom.undefine()
    }

    /// The project's domain called `name`, or nil when there is none. A domain of that name
    /// that is not the project's (no tbctl mark naming it, e.g. a user's own VM) is refused:
    /// tbctl never redefines, stops or deletes what it did not make.
    func projectDomain(_ name: String, on host: any HostConnection) async throws -> (any DomainHandle)? {
        guard let dom = try await host.libvirt.domain(named: name) else { return nil }
        let mark = try await dom.metadata(uri: DomainMetadata.guestNamespace)
        guard let mark, DomainMetadata.attribute("project", in: mark) == context.state.project else {
            throw TBError(.conflict, "domain \(name) on host \(host.name) exists but is not part of project \(context.state.project) "
                          + "(it has no tbctl mark): tbctl leaves it alone; rename or remove it, or rename the project")
        }
        return dom
    }
}
