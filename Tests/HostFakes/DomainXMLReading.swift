import Foundation

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
                out.append((unescape(String(disk[src.upperBound..<q])), disk.contains("device='disk'")))
            }
            rest = rest[end.upperBound...]
        }
        return out
    }

    /// Values of `<source network='…'/>` or `<source bridge='…'/>`.
    static func sources(_ kind: String, in xml: String) -> [String] {
        var out: [String] = []
        var rest = xml[...]
        while let r = rest.range(of: "<source \(kind)='"), let q = rest[r.upperBound...].firstIndex(of: "'") {
            out.append(unescape(String(rest[r.upperBound..<q])))
            rest = rest[q...]
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

    private static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
