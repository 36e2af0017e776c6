import Core
import FoundationXML

// libvirt speaks XML. We build the few documents we send from strings (escaped) and read the
// few values we need back with XPath, instead of modelling libvirt's schemas.

/// Escapes text for XML element content and attribute values.
func xmlEscaped(_ text: String) -> String {
    var out = ""
    for ch in text {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "'": out += "&apos;"
        case "\"": out += "&quot;"
        default: out.append(ch)
        }
    }
    return out
}

/// The text of the first node matching `xpath` in `xml`, or nil when there is none.
func xmlText(_ xml: String, _ xpath: String) throws -> String? {
    do {
        let document = try XMLDocument(xmlString: xml)
        return try document.nodes(forXPath: xpath).first?.stringValue
    } catch {
        throw TBError(.libvirt, "cannot parse XML from libvirt", underlying: error)
    }
}
