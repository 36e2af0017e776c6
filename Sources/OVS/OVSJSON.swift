import Core
import Foundation
import OVSModel

/// Parses `ovs-vsctl --format=json` output: one `{"headings": [...], "data": [[...]]}` object
/// per command, one per line. Cells use OVSDB's JSON notation: a plain atom, or
/// `["uuid", u]`, `["set", [atoms]]`, `["map", [[k, v], ...]]`. A one-element set is written
/// as the bare atom and an empty optional value (an unset ofport) as `["set", []]`.
enum OVSJSON {
    indirect enum Datum: Decodable {
        case string(String), integer(Int), real(Double), boolean(Bool), uuid(String)
        case set([Datum]), map([(Datum, Datum)])

        init(from decoder: any Decoder) throws {
            let single = try decoder.singleValueContainer()
            if let s = try? single.decode(String.self) { self = .string(s); return }
            if let i = try? single.decode(Int.self) { self = .integer(i); return }
            if let d = try? single.decode(Double.self) { self = .real(d); return }
            if let b = try? single.decode(Bool.self) { self = .boolean(b); return }
            var tagged = try decoder.unkeyedContainer()
            let tag = try tagged.decode(String.self)
            switch tag {
            case "uuid", "named-uuid": self = .uuid(try tagged.decode(String.self))
            case "set": self = .set(try tagged.decode([Datum].self))
            case "map": self = .map(try tagged.decode([[Datum]].self).map { pair in
                guard pair.count == 2 else {
                    throw DecodingError.dataCorruptedError(in: tagged, debugDescription: "map entry is not a pair")
                }
                return (pair[0], pair[1])
            })
            default: throw DecodingError.dataCorruptedError(in: tagged, debugDescription: "unknown OVSDB tag \(tag)")
            }
        }

        /// Members of a set column; a bare atom is a one-element set.
        var elements: [Datum] {
            if case .set(let xs) = self { return xs }
            return [self]
        }

        var string: String? {
            switch self {
            case .string(let s), .uuid(let s): s
            case .set(let xs) where xs.count == 1: xs[0].string
            default: nil
            }
        }

        var integer: Int? {
            switch self {
            case .integer(let i): i
            case .set(let xs) where xs.count == 1: xs[0].integer
            default: nil
            }
        }

        var stringMap: [String: String] {
            guard case .map(let pairs) = self else { return [:] }
            var out: [String: String] = [:]
            for (k, v) in pairs { if let k = k.string, let v = v.string { out[k] = v } }
            return out
        }
    }

    /// One command's table, rows keyed by column heading (so column order never matters).
    struct Table: Decodable {
        var headings: [String]
        var data: [[Datum]]

        var rows: [[String: Datum]] {
            data.map { Dictionary(zip(headings, $0), uniquingKeysWith: { a, _ in a }) }
        }
    }

    /// Splits multi-command output into its tables.
    static func tables(_ output: String) throws -> [Table] {
        try output.split(whereSeparator: \.isNewline).map { line in
            do { return try JSONDecoder().decode(Table.self, from: Data(line.utf8)) } catch {
                throw TBError(.ovs, "cannot parse ovs-vsctl JSON output", underlying: error)
            }
        }
    }

    /// Joins the Bridge, Port and Interface tables (as `OVSSwitch.listCommands` asks for them)
    /// into bridges with their ports. Each port's first interface stands for it: tbctl makes
    /// no bonds, and a bond's members would all share the port's fate anyway.
    static func bridges(bridgeTable: Table, portTable: Table, interfaceTable: Table) -> [BridgeInfo] {
        var interfaces: [String: [String: Datum]] = [:]
        for row in interfaceTable.rows { if let id = row["_uuid"]?.string { interfaces[id] = row } }
        var ports: [String: PortInfo] = [:]
        for row in portTable.rows {
            guard let id = row["_uuid"]?.string, let name = row["name"]?.string,
                  let ifaceID = row["interfaces"]?.elements.first?.string, let iface = interfaces[ifaceID] else { continue }
            ports[id] = PortInfo(name: name, type: iface["type"]?.string ?? "",
                                 options: iface["options"]?.stringMap ?? [:],
                                 externalIDs: iface["external_ids"]?.stringMap ?? [:],
                                 ofport: iface["ofport"]?.integer, error: nonEmpty(iface["error"]?.string),
                                 mtuRequest: iface["mtu_request"]?.integer)
        }
        return bridgeTable.rows.compactMap { row in
            guard let name = row["name"]?.string else { return nil }
            let portIDs = (row["ports"]?.elements ?? []).compactMap(\.string)
            let mine = portIDs.compactMap { ports[$0] }.sorted { $0.name < $1.name }
            // The bridge's own port (same name) tells whether OVS managed to create the bridge.
            let local = mine.first { $0.name == name }
            return BridgeInfo(name: name, datapathType: row["datapath_type"]?.string ?? "",
                              externalIDs: row["external_ids"]?.stringMap ?? [:],
                              ofport: local?.ofport, error: local?.error ?? (local == nil ? "bridge has no local port" : nil),
                              ports: mine)
        }.sorted { $0.name < $1.name }
    }

    private static func nonEmpty(_ s: String?) -> String? { s?.isEmpty == false ? s : nil }
}
