import Foundation

/// tbctl's marks on libvirt domains. The domain XML carries `<tbctl:guest project=… name=…>`
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
            return String(rest[..<end])
                .replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&amp;", with: "&")
        }
        return nil
    }

    public static func configElement(digest: String) -> String { "<config digest='\(digest)'/>" }
}
