import Core
import FoundationXML

// libvirt speaks XML. We build the few documents we send from strings (escaped with Core's
// XMLEscape) and read the few values we need back with XPath, instead of modelling libvirt's schemas.

/// The text of the first node matching `xpath` in `xml`, or nil when there is none.
func xmlText(_ xml: String, _ xpath: String) throws -> String? {
    do {
        let document = try XMLDocument(xmlString: xml)
        return try document.nodes(forXPath: xpath).first?.stringValue
    } catch {
        throw TBError(.libvirt, "cannot parse XML from libvirt", underlying: error)
    }
}
