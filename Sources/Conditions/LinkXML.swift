import Core
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A running domain's NIC as libvirt's live XML describes it.
public struct LiveNIC: Sendable, Equatable {
    public var mac: String
    /// The host-side device (`vnetN`): libvirt makes a new one at every start and revert.
    public var tap: String?
    /// False when the XML says `<link state='down'/>` (absent means up).
    public var linkUp: Bool
    /// The whole `<interface>` element: libvirt's update call wants the device as it is, with
    /// only the link state changed.
    public var xml: String

    public init(mac: String, tap: String?, linkUp: Bool, xml: String) {
        self.mac = mac; self.tap = tap; self.linkUp = linkUp; self.xml = xml
    }
}

public enum LinkXML {
    /// The NICs of a domain's live XML, by MAC (lowercased).
    public static func nics(_ domainXML: String) throws -> [String: LiveNIC] {
        let doc: XMLDocument
        do { doc = try XMLDocument(xmlString: domainXML) } catch {
            throw TBError(.libvirt, "cannot parse the domain XML libvirt returned", underlying: error)
        }
        var out: [String: LiveNIC] = [:]
        for case let el as XMLElement in (try? doc.nodes(forXPath: "/domain/devices/interface")) ?? [] {
            guard let mac = attribute(el, "mac", "address")?.lowercased() else { continue }
            out[mac] = LiveNIC(mac: mac, tap: attribute(el, "target", "dev"),
                               linkUp: attribute(el, "link", "state") != "down", xml: el.xmlString)
        }
        return out
    }

    /// The `<interface>` element with its link state set, for virDomainUpdateDeviceFlags.
    public static func withLink(_ interfaceXML: String, up: Bool) throws -> String {
        let el: XMLElement
        do { el = try XMLElement(xmlString: interfaceXML) } catch {
            throw TBError(.internalError, "cannot parse a NIC's XML", underlying: error)
        }
        for old in el.elements(forName: "link") { el.removeChild(at: old.index) }
        let link = XMLElement(name: "link")
        link.addAttribute(XMLNode.attribute(withName: "state", stringValue: up ? "up" : "down") as! XMLNode)
        el.addChild(link)
        return el.xmlString
    }

    static func attribute(_ el: XMLElement, _ child: String, _ name: String) -> String? {
        el.elements(forName: child).first?.attribute(forName: name)?.stringValue
    }
}
