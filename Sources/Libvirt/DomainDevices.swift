import CLibvirt
import Core

extension Domain {
    /// Adds a device (`<disk>…</disk>`, `<interface>…</interface>`) to the running guest, its
    /// persistent definition, or both (`.current`: the running guest when it runs).
    public func attachDevice(xml: String, _ impact: DomainModificationImpact = .current) async throws {
        try await run("cannot attach device") { virDomainAttachDeviceFlags($0, xml, impact.rawValue) }
    }

    /// Removes a device given by its XML. For a running guest this may need the guest's
    /// cooperation (ACPI hot-unplug) and return before the device is gone.
    public func detachDevice(xml: String, _ impact: DomainModificationImpact = .current) async throws {
        try await run("cannot detach device") { virDomainDetachDeviceFlags($0, xml, impact.rawValue) }
    }

    /// Changes a device in place, e.g. a NIC's `<link state='down'/>`: `xml` is the device as
    /// the domain has it, with only what changes changed (libvirt refuses other changes).
    public func updateDevice(xml: String, _ impact: DomainModificationImpact = .current) async throws {
        try await run("cannot update device") { virDomainUpdateDeviceFlags($0, xml, impact.rawValue) }
    }
}
