import ComposeModel
import Core
import TestbedState

/// One domain to be: a single guest, a clone of a service, or a service's golden-image builder.
struct Instance {
    var name: String
    var spec: GuestSpec
    var role: Guest.Role
    var mark: Mark?

    var memoryMiB: Int { role.kind == .golden ? max(spec.memoryMiB, 128) : spec.memoryMiB }
}

/// Expands services into clones and golden builders, in a stable order: by name, clones by index.
/// Order matters: IPAM and placement hand out addresses and hosts in this order.
func expand(_ guests: [GuestSpec], overrides: [String: Int]) -> [Instance] {
    var out: [Instance] = []
    for spec in guests.sorted(by: { $0.name < $1.name }) {
        guard let replicas = spec.replicas else {
            out.append(Instance(name: spec.name, spec: spec, role: .single, mark: spec.mark))
            continue
        }
        if spec.goldenSetup != nil {
            out.append(Instance(name: Names.goldenBuilder(service: spec.name), spec: spec,
                                role: .golden(spec.name), mark: spec.mark))
        }
        for i in 0..<(overrides[spec.name] ?? replicas) {
            out.append(Instance(name: "\(spec.name)-\(i)", spec: spec, role: .clone(spec.name, i), mark: spec.mark))
        }
    }
    return out
}

/// Names made by expansion must not collide with each other or with single guests.
func checkNames(_ instances: [Instance]) -> [Diagnostic] {
    var seen: [String: Instance] = [:]
    var out: [Diagnostic] = []
    for inst in instances {
        if let other = seen[inst.name] {
            out.append(Diagnostic(mark: inst.mark, path: "guests.\(inst.spec.name)",
                                  message: "guest name `\(inst.name)` is used twice (also by `\(other.spec.name)`)"))
        } else if inst.name.count > 63 {
            out.append(Diagnostic(mark: inst.mark, path: "guests.\(inst.spec.name)",
                                  message: "guest name `\(inst.name)` is longer than 63 characters"))
        }
        seen[inst.name] = inst
    }
    return out
}
