import CLibvirt
import Core

/// A host's processors and memory, for placement.
public struct NodeInfo: Sendable, Hashable {
    /// CPU model, e.g. "x86_64".
    public var model: String
    public var memoryBytes: UInt64
    /// Active logical CPUs.
    public var cpus: Int
    public var mhz: Int
    public var numaNodes: Int
    public var sockets: Int
    public var cores: Int
    public var threads: Int
}

extension LibvirtConnection {
    public func nodeInfo() async throws -> NodeInfo {
        try await blocking {
            var info = virNodeInfo()
            try check(virNodeGetInfo(try self.handle, &info), "cannot read host information", object: self.uri)
            let model = withUnsafeBytes(of: info.model) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return NodeInfo(model: model, memoryBytes: UInt64(info.memory) * 1024, cpus: Int(info.cpus),
                            mhz: Int(info.mhz), numaNodes: Int(info.nodes), sockets: Int(info.sockets),
                            cores: Int(info.cores), threads: Int(info.threads))
        }
    }

    /// Free memory on the host in bytes.
    public func freeMemory() async throws -> UInt64 {
        try await blocking {
            let free = virNodeGetFreeMemory(try self.handle)
            // 0 means failure (no host has no free memory at all).
            guard free > 0 else { throw lastError("cannot read free memory", object: self.uri) }
            return UInt64(free)
        }
    }

    /// The host capabilities XML (`virsh capabilities`).
    public func capabilities() async throws -> String {
        try await blocking {
            try check(takeString(virConnectGetCapabilities(try self.handle)), "cannot read host capabilities", object: self.uri)
        }
    }

    /// The domain capabilities XML for one emulator/arch/machine/virt type; nil parameters let
    /// libvirt pick its defaults. Note: on hosts with a broken nested KVM this still reports kvm.
    public func domainCapabilities(emulator: String? = nil, arch: String? = nil, machine: String? = nil,
                                   virtType: String? = nil) async throws -> String {
        try await blocking {
            try check(takeString(virConnectGetDomainCapabilities(try self.handle, emulator, arch, machine, virtType, 0)),
                      "cannot read domain capabilities", object: self.uri)
        }
    }
}
