import Core

/// The shell scripts a capture runs on a testbed host (docs/conditions.md#capture), as root,
/// with the pcap on stdout and tcpdump's messages on stderr. Each capture has an id (`tbcap`
/// and 8 hex digits): the name of its mirror port, and of the file holding its tcpdump's pid
/// so that `stop` can end it. A script that ends for any reason removes what it made; one
/// killed with its host's session is cleaned by the next capture on that host.
public enum CaptureScript {
    /// The tcpdump options after the interface: packet-buffered pcap on stdout, so that every
    /// packet reaches tbctl (and a `-w -` reader) as it is captured.
    static func tcpdump(interface: String, inboundOnly: Bool, seconds: Int?, filter: [String]) -> String {
        let limit = seconds.map { "timeout \($0) " } ?? ""
        return limit + "tcpdump -i \(shellQuote(interface))" + (inboundOnly ? " -Q in" : "") + " -U -w -"
            + filter.map { " " + shellQuote($0) }.joined()
    }

    static func prelude(_ id: String) -> String {
        """
        set -u
        ID=\(id)
        PIDF=/run/tbctl-$ID.pid
        command -v tcpdump >/dev/null 2>&1 || { echo "tcpdump is not installed on this host (apt-get install tcpdump)" >&2; exit 127; }

        """
    }

    /// Runs tcpdump in the background (so that a stop signal reaches it and this script lives
    /// on to clean up), records its pid, waits for it, and exits 0 when it ended on the
    /// duration or a stop.
    static func run(_ tcpdump: String) -> String {
        """
        \(tcpdump) &
        P=$!
        echo $P > "$PIDF"
        trap 'kill -TERM $P 2>/dev/null' INT TERM HUP
        while :; do wait $P; st=$?; kill -0 $P 2>/dev/null || break; done
        case $st in 0|124|143) exit 0;; *) exit $st;; esac

        """
    }

    /// A guest's NIC: tcpdump on its tap, which carries both directions.
    public static func nic(id: String, tap: String, seconds: Int?, filter: [String]) -> String {
        prelude(id) + "trap 'rm -f \"$PIDF\"' EXIT\n"
            + run(tcpdump(interface: tap, inboundOnly: false, seconds: seconds, filter: filter))
    }

    /// A network on one host: a mirror of `ports` (its guests' and gateway's, not its tunnels:
    /// so that each frame is captured once, on the host where it entered the network) to an
    /// internal port, IPv6 off on it (no neighbour discovery of its own in the capture), and
    /// tcpdump on that port for what OVS sends into it.
    public static func network(id: String, project: String, bridge: String, ports: [String],
                               seconds: Int?, filter: [String]) -> String {
        let br = shellQuote(bridge)
        let refs = ports.indices.map { "@p\($0)" }.joined(separator: ",")
        let gets = ports.enumerated().map { "-- --id=@p\($0.offset) get port \(shellQuote($0.element))" }.joined(separator: " ")
        return prelude(id) + """
            cleanup() {
              ovs-vsctl --timeout=10 -- --id=@m get mirror $ID -- remove bridge \(br) mirrors @m >/dev/null 2>&1
              ovs-vsctl --timeout=10 -- --if-exists del-port \(br) $ID
              rm -f "$PIDF"
            }
            trap cleanup EXIT
            ovs-vsctl --timeout=10 -- add-port \(br) $ID -- set interface $ID type=internal \
              external_ids:tbctl-project=\(shellQuote(project)) external_ids:tbctl-capture=$$ \
              -- --id=@o get port $ID \(gets) \
              -- --id=@m create mirror name=$ID select_src_port=\(refs) output_port=@o -- add bridge \(br) mirrors @m >/dev/null || exit 1
            echo 1 > /proc/sys/net/ipv6/conf/$ID/disable_ipv6 2>/dev/null
            ip link set $ID up || exit 1

            """ + run(tcpdump(interface: id, inboundOnly: true, seconds: seconds, filter: filter))
    }

    /// Ends a running capture: tcpdump writes what it has and exits, the script cleans up.
    public static func stop(id: String) -> String {
        "p=$(cat /run/tbctl-\(id).pid 2>/dev/null) && kill -TERM \"$p\" 2>/dev/null; true"
    }

    /// Removes capture ports (and their mirrors) of the project whose script no longer runs.
    public static func cleanStale(project: String) -> String {
        """
        for n in $(ovs-vsctl --timeout=10 --bare --columns=name find interface type=internal external_ids:tbctl-project=\(shellQuote(project))); do
          case $n in tbcap*) ;; *) continue;; esac
          pid=$(ovs-vsctl --timeout=10 get interface "$n" external_ids:tbctl-capture 2>/dev/null | tr -d '"')
          [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && continue
          br=$(ovs-vsctl --timeout=10 port-to-br "$n") || continue
          ovs-vsctl --timeout=10 -- --id=@m get mirror "$n" -- remove bridge "$br" mirrors @m >/dev/null 2>&1
          ovs-vsctl --timeout=10 -- --if-exists del-port "$br" "$n"
        done
        true
        """
    }
}
