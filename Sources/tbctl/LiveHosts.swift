import LiveHosts
import Workspace

extension Workspace {
    /// The real hosts, reached through libvirt, libssh2 and ovs-vsctl; remote hosts' keys are
    /// checked against the project's known_hosts.
    var liveHosts: LiveConnector { LiveConnector(knownHosts: knownHosts) }
}
