/// One metric family of the Prometheus text exposition format 0.0.4: a name, its HELP and TYPE
/// lines, then every sample of that name. A name appears once per scrape (one family per name),
/// which `Exposition.render` checks by merging families of the same name.
public struct MetricFamily: Sendable, Equatable, Encodable {
    public enum Kind: String, Sendable, Encodable { case counter, gauge, summary, untyped }

    public struct Sample: Sendable, Equatable, Encodable {
        /// Label names and values in the order they are printed.
        public var labels: [Label]
        public var value: Double
        /// Milliseconds since the epoch, for values measured at another time than the scrape
        /// (a scenario's sample); nil for "now".
        public var timestampMs: Int64?
        /// Appended to the family's name: `_sum` and `_count` of a summary.
        public var suffix: String

        public init(_ labels: [Label], _ value: Double, timestampMs: Int64? = nil, suffix: String = "") {
            self.labels = labels; self.value = value; self.timestampMs = timestampMs; self.suffix = suffix
        }

        public func label(_ name: String) -> String? { labels.first { $0.name == name }?.value }
    }

    public struct Label: Sendable, Equatable, Encodable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) { self.name = name; self.value = value }
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]

    public init(_ name: String, _ kind: Kind, _ help: String, _ samples: [Sample] = []) {
        self.name = name; self.kind = kind; self.help = help; self.samples = samples
    }
}

/// Renders families as Prometheus text (Content-Type `text/plain; version=0.0.4`).
public enum Exposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Families with no sample are left out (a HELP/TYPE pair with nothing under it is legal but
    /// noise); families sharing a name are merged, the first one's HELP and TYPE kept.
    public static func render(_ families: [MetricFamily]) -> String {
        var out = ""
        for family in merged(families) where !family.samples.isEmpty {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for s in family.samples {
                out += family.name + s.suffix
                if !s.labels.isEmpty {
                    out += "{" + s.labels.map { "\($0.name)=\"\(escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
                }
                out += " " + format(s.value)
                if let t = s.timestampMs { out += " \(t)" }
                out += "\n"
            }
        }
        return out
    }

    public static func merged(_ families: [MetricFamily]) -> [MetricFamily] {
        var order: [String] = []
        var byName: [String: MetricFamily] = [:]
        for f in families {
            if byName[f.name] == nil { order.append(f.name); byName[f.name] = f } else { byName[f.name]!.samples += f.samples }
        }
        return order.map { byName[$0]! }
    }

    /// Label values: backslash, double quote and line feed are escaped.
    public static func escapeLabel(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    /// HELP text: backslash and line feed are escaped (quotes are not).
    public static func escapeHelp(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Go's float syntax as Prometheus reads it: integers without a fraction, `NaN`, `+Inf`, `-Inf`.
    public static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// A metric or label name as the format allows it: [a-zA-Z_:][a-zA-Z0-9_:]* for metrics,
    /// no colon for labels. Anything else becomes `_` (a scenario's metric called `req/s`).
    public static func sanitize(_ name: String, allowColon: Bool = false) -> String {
        var out = ""
        for (i, c) in name.unicodeScalars.enumerated() {
            let ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || (allowColon && c == ":")
                || (i > 0 && c >= "0" && c <= "9")
            out.unicodeScalars.append(ok ? c : "_")
        }
        return out.isEmpty ? "_" : out
    }
}
