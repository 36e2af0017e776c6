import Core

/// tbctl's marks on libvirt domains, written into the domain XML (Artefacts) and read back
/// from libvirt (Hosts). The domain XML carries `<tbctl:guest project=… name=…>`
/// (so `down` finds every domain of a project, and nothing else); after each define tbctl adds
/// `<tbctl:config digest=…>` with the SHA-256 of the XML it defined, so `plan` can tell a
/// changed definition from an unchanged one without comparing libvirt's rewritten XML.
public enum DomainMetadata {
    public static let guestNamespace = "https://tbctl.dev/xmlns/guest/1"
    public static let configNamespace = "https://tbctl.dev/xmlns/config/1"

    /// The value of `name='…'` or `name="…"` in an element's text.
    public static func attribute(_ name: String, in xml: String) -> String? {
        for quote in ["'", "\""] {
            guard let start = xml.range(of: " \(name)=\(quote)") else { continue }
            let rest = xml[start.upperBound...]
            guard let end = rest.firstIndex(of: Character(quote)) else { continue }
            return XMLEscape.unescape(String(rest[..<end]))
        }
        return nil
    }

    public static func configElement(digest: String) -> String { "<config digest='\(digest)'/>" }
}
