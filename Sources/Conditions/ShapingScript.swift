import Core

/// The shell script that gives one guest's NICs their shaping: run as root in the guest
/// (`sh -s`, the script on stdin), POSIX sh, busybox or Debian. One SSH round trip reads what
/// the guest has (a marker per NIC in /run, which a reboot clears along with the qdiscs and a
/// snapshot revert restores along with them) and changes only what differs. NICs tbctl never
/// shaped are not touched. iproute2's tc is a large dynamically linked program, slow to start
/// in an emulated guest (measured 0.2-0.5 s each under TCG on a busy host): a NIC that has its
/// shaping costs one tc run (to check), one that changes two (a forced batch that removes
/// tbctl's qdiscs, a batch that adds the new ones).
public enum ShapingScript {
    /// Marker directory in the guest: /run/tbctl-shaping/<mac> holds the NIC's fingerprint.
    static let markers = "/run/tbctl-shaping"

    /// Exit statuses the script uses, for the errors the caller reports.
    public enum Exit: Int32 {
        case noMarkerDirectory = 70, noTC = 71, noInterface = 72, tcRefused = 73
    }

    /// `nics`: every testbed NIC of the guest (by MAC) with its desired shaping, or nil for
    /// none. Prints `changed MAC` / `cleared MAC` for each NIC it changed.
    public static func script(guest: String, nics: [(mac: String, shaping: NICShaping?)]) -> String {
        var s = prelude(guest)
        for nic in nics {
            if let shaping = nic.shaping, !shaping.isEmpty { s += ensure(shaping) } else { s += clear(nic.mac) }
        }
        return s
    }

    static func prelude(_ guest: String) -> String {
        """
        # tbctl: network impairments of guest \(guest) (docs/conditions.md)
        TC=
        for t in /usr/sbin/tc /sbin/tc; do
          [ -x "$t" ] || continue
          case "$(readlink -f "$t")" in */busybox) continue;; esac
          TC=$t; break
        done
        M=\(markers)
        mkdir -p "$M" || exit \(Exit.noMarkerDirectory.rawValue)
        dev() {
          for d in /sys/class/net/*; do
            if [ "$(cat "$d/address" 2>/dev/null)" = "$1" ]; then echo "${d##*/}"; return 0; fi
          done
          echo "no interface has MAC $1" >&2; return 1
        }
        needtc() {
          [ -n "$TC" ] && return 0
          echo "no iproute2 tc in /usr/sbin or /sbin: impairments need iproute2's tc and the sch_netem module in the guest" >&2
          exit \(Exit.noTC.rawValue)
        }
        ifb() { echo "tbifb$(cat "/sys/class/net/$1/ifindex")"; }
        ours() { case "$Q" in *"qdisc netem 1: root"*|*"qdisc prio 1: root"*) return 0;; esac; return 1; }
        batch() { [ -z "$1" ] || printf '%s\\n' "$1" | "$TC" -b -; }
        clean() {
          printf 'qdisc del dev %s root\nqdisc del dev %s ingress\n' "$1" "$1" | "$TC" -force -b - >/dev/null 2>&1
          ip link del "$(ifb "$1")" 2>/dev/null; true
        }

        """
    }

    static func ensure(_ n: NICShaping) -> String {
        let fp = n.fingerprint
        var checks: [String] = []
        if n.egress != nil || !n.bands.isEmpty { checks.append("ours") }
        if n.ingress != nil { checks.append(#"ip link show "$(ifb "$D")" >/dev/null 2>&1"#) }
        return """
        D=$(dev \(n.mac)) || exit \(Exit.noInterface.rawValue)
        needtc
        Q=
        [ "$(cat "$M/\(n.mac)" 2>/dev/null)" = \(fp) ] && Q=$("$TC" qdisc show dev "$D")
        if [ -z "$Q" ] || ! { \(checks.joined(separator: " && ")); }; then
          clean "$D"
          if ! { \(setup(n)) }; then
            echo "tc refused the impairment on $D (\(n.mac))" >&2; clean "$D"; rm -f "$M/\(n.mac)"
            exit \(Exit.tcRefused.rawValue)
          fi
          echo \(fp) > "$M/\(n.mac)"
          echo "changed \(n.mac)"
        fi

        """
    }

    static func clear(_ mac: String) -> String {
        """
        if [ -e "$M/\(mac)" ]; then
          if D=$(dev \(mac)); then needtc; clean "$D"; fi
          rm -f "$M/\(mac)"
          echo "cleared \(mac)"
        fi

        """
    }

    /// The ifb (for `in`) and then one tc batch, on a NIC without tbctl's qdiscs.
    static func setup(_ n: NICShaping) -> String {
        var s = ""
        if n.ingress != nil { s += #"ip link add "$(ifb "$D")" type ifb && ip link set "$(ifb "$D")" up && "# }
        let lines = commands(n).map { $0.replacingOccurrences(of: "\"", with: "\\\"") }
        return s + "I=$(ifb \"$D\") && batch \"" + lines.joined(separator: "\n") + "\"; "
    }

    /// The tc batch lines for one NIC (`$D` the device, `$I` its ifb), in order.
    static func commands(_ n: NICShaping) -> [String] {
        var c: [String] = []
        if n.bands.isEmpty {
            if let e = n.egress { c.append("qdisc replace dev $D root handle 1: netem " + args(e)) }
        } else {
            // Band 1 (class 1:1) takes what no filter picks: the guest's own impairment or none.
            c.append("qdisc replace dev $D root handle 1: prio bands \(n.bands.count + 1) priomap" + String(repeating: " 0", count: 16))
            if let e = n.egress { c.append("qdisc add dev $D parent 1:1 handle 10: netem " + args(e)) }
            for (i, band) in n.bands.enumerated() {
                let cls = String(i + 2, radix: 16)
                c.append("qdisc add dev $D parent 1:\(cls) handle \(String(0x100 + i + 2, radix: 16)): netem " + args(band.netem))
                for mac in band.macs { c.append(filter(mac, flow: "1:" + cls)) }
            }
        }
        if let i = n.ingress {
            c += ["qdisc add dev $D handle ffff: ingress",
                  "filter add dev $D parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev $I",
                  "qdisc add dev $I root handle 1: netem " + args(i)]
        }
        return c
    }

    /// A u32 filter on the destination MAC: on egress the packet's data starts at the network
    /// header, so the Ethernet destination is the 6 bytes at -14.
    static func filter(_ mac: String, flow: String) -> String {
        let hex = mac.replacingOccurrences(of: ":", with: "").lowercased()
        return "filter add dev $D parent 1: protocol all prio 1 u32 match u16 0x\(hex.prefix(4)) 0xffff at -14"
            + " match u32 0x\(hex.suffix(8)) 0xffffffff at -12 flowid \(flow)"
    }

    /// netem's arguments: numbers and units only, nothing the shell or tc's batch splits.
    static func args(_ n: Netem) -> String { n.tcArguments.joined(separator: " ") }

    /// The command line that runs a script as root: `sh -c SCRIPT`, through `sudo -n` for
    /// another login user (tbctl's guests give it passwordless sudo).
    public static func command(user: String, script: String) -> String {
        (user == "root" ? "sh -c " : "sudo -n sh -c ") + shellQuote(script)
    }
}
