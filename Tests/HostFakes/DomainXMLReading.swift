import Core
import Foundation
import TestbedState

/// The few things the fake reads from a domain's XML, as libvirt would: name, uuid, the
/// metadata elements by namespace, and the disk files, networks and bridges it needs to start.
enum DomainXMLReading {
    static func element(_ tag: String, in xml: String) -> String? {
        guard let a = xml.range(of: "<\(tag)>"), let b = xml.range(of: "</\(tag)>", range: a.upperBound..<xml.endIndex) else {
            return nil
        }
        return String(xml[a.upperBound..<b.lowerBound])
    }

    /// `<metadata>`'s children by namespace: `<x:guest xmlns:x='URI' .../>` -> [URI: element].
    static func metadata(in xml: String) -> [String: String] {
        guard let body = element("metadata", in: xml) else { return [:] }
        var out: [String: String] = [:]
        var rest = body[...]
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].range(of: "/>") {
            let elem = String(rest[open..<close.upperBound])
            if let ns = attribute(prefix: "xmlns:", in: elem) { out[ns] = elem }
            rest = rest[close.upperBound...]
        }
        return out
    }

    /// `<source file='…'/>` of every disk, and whether it is the guest's main disk (not the cdrom).
    static func diskFiles(in xml: String) -> [(path: String, isDisk: Bool)] {
        var out: [(String, Bool)] = []
        var rest = xml[...]
        while let d = rest.range(of: "<disk "), let end = rest[d.upperBound...].range(of: "</disk>") {
            let disk = rest[d.lowerBound..<end.upperBound]
            if let src = disk.range(of: "<source file='"), let q = disk[src.upperBound...].firstIndex(of: "'") {
                out.append((XMLEscape.unescape(String(disk[src.upperBound..<q])), disk.contains("device='disk'")))
            }
            rest = rest[end.upperBound...]
        }
        return out
    }

    /// Values of `<source network='…'/>` or `<source bridge='…'/>`.
    static func sources(_ kind: String, in xml: String) -> [String] {
        xml.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("<source \(kind)=") }
            .compactMap { DomainMetadata.attribute(kind, in: $0) }
    }

    /// The value of attribute `name` of the first `<tag …>` element (either quote).
    static func attribute(_ name: String, ofFirst tag: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(tag) "), let close = xml[open.upperBound...].firstIndex(of: ">") else { return nil }
        let elem = String(xml[open.lowerBound...close])
        guard let r = elem.range(of: " \(name)=") else { return nil }
        let quote = elem[r.upperBound]
        let start = elem.index(after: r.upperBound)
        guard let end = elem[start...].firstIndex(of: quote) else { return nil }
        return String(elem[start..<end])
    }

    /// A running domain's XML as libvirt shows it: each `<interface>` gets a tap
    /// (`vnet0`, `vnet1`, …) and, when its MAC is in `linksDown`, `<link state='down'/>`.
    static func live(_ xml: String, linksDown: Set<String>) -> String {
        var out = ""
        var rest = xml[...]
        var tap = 0
        while let open = rest.range(of: "<interface "), let close = rest[open.upperBound...].range(of: "</interface>") {
            out += rest[..<open.lowerBound]
            var nic = String(rest[open.lowerBound..<close.lowerBound])
            let mac = attribute("address", ofFirst: "mac", in: nic)?.lowercased() ?? ""
            nic += "<target dev='vnet\(tap)'/>" + (linksDown.contains(mac) ? "<link state='down'/>" : "")
            out += nic + "</interface>"
            tap += 1
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// Values of `<mac address='…'/>`, in the order of the domain's interfaces.
    static func macs(in xml: String) -> [String] {
        var out: [String] = []
        var rest = xml[...]
        while let r = rest.range(of: "<mac address="), let end = rest[r.upperBound...].firstIndex(of: ">") {
            if let mac = attribute(prefix: "<mac address", in: String(rest[r.lowerBound..<end])) { out.append(mac) }
            rest = rest[end...]
        }
        return out
    }

    private static func attribute(prefix: String, in elem: String) -> String? {
        guard let r = elem.range(of: prefix), let eq = elem[r.upperBound...].firstIndex(of: "=") else { return nil }
        let quote = elem[elem.index(after: eq)]
        let start = elem.index(eq, offsetBy: 2)
        guard let end = elem[start...].firstIndex(of: quote) else { return nil }
        return String(elem[start..<end])
    }
}
