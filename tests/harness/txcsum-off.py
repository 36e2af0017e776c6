#!/usr/bin/env python3
"""Turn off TX checksum offload on network interfaces, like `ethtool -K IF tx off`, without ethtool.

Why: with the Open vSwitch userspace (netdev) datapath, packets that reach OVS through
AF_PACKET from a veth still carry CHECKSUM_PARTIAL (the checksum is not filled in). OVS
forwards them as they are and the receiving kernel drops TCP/UDP with InCsumErrors: ping
works, ssh hangs. Turning TX checksum offload off on the *sending* interface (the veth end,
the Linux bridge) makes the kernel compute checksums in software. (Guests' virtio NICs need
<driver name='qemu'><host csum='off'/></driver> in their domain XML for the same reason.)

Usage: txcsum-off.py IFNAME...   (run in the network namespace that owns the interfaces)
Exit status 1 when an interface could not be changed.
"""
import array
import fcntl
import socket
import struct
import sys

SIOCETHTOOL = 0x8946
ETHTOOL_GTXCSUM = 0x16   # get TX checksum offload (struct ethtool_value)
ETHTOOL_STXCSUM = 0x17   # set TX checksum offload


def ethtool_value(sock, ifname, cmd, data=0):
    buf = array.array('B', struct.pack('II', cmd, data))
    addr, _ = buf.buffer_info()
    ifreq = struct.pack('16sP', ifname.encode(), addr)
    fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifreq)
    return struct.unpack('II', buf.tobytes())[1]


def main(names):
    rc = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for name in names:
            try:
                ethtool_value(s, name, ETHTOOL_STXCSUM, 0)
                if ethtool_value(s, name, ETHTOOL_GTXCSUM):
                    print(f"txcsum-off: {name}: tx checksum offload still on", file=sys.stderr)
                    rc = 1
            except OSError as e:
                print(f"txcsum-off: {name}: {e}", file=sys.stderr)
                rc = 1
    return rc


if __name__ == '__main__':
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
