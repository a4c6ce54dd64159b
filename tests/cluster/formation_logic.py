#!/usr/bin/env python3
"""The formation rule and netproxy's log lines, without QEMU (cluster.py
peer_states, is_formed): the function the launcher and the tests use to
decide that a cluster has formed."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "cluster"))
import cluster  # noqa: E402

LOG1 = """[init:4096] init: node 1 of 3: netproxy started
[netproxy:4120] netproxy: peer 2 up (rtt 410 us)
[netproxy:4120] netproxy: peer 3 up (rtt 388 us)
[netproxy:4120] netproxy: peer 3 down (heartbeat lost)
[netproxy:4120] netproxy: peer 4 refused (bad key)
"""


def main():
    fails = []

    def check(cond, what):
        if not cond:
            fails.append(what)

    p = cluster.peer_states(LOG1)
    check(p.get(2) == ("up", "(rtt 410 us)"), "peer 2: %r" % (p.get(2),))
    check(p.get(3) == ("down", "(heartbeat lost)"), "last event wins: %r" % (p.get(3),))
    check(p.get(4) == ("refused", "(bad key)"), "refused: %r" % (p.get(4),))
    check(cluster.peer_states("peer 2 up\nnetproxy: peer x up\n") == {}, "junk parsed")
    # a connection claiming to be peer 2 refused while 2's link stays up
    p = cluster.peer_states("netproxy: peer 2 up (rtt 5 us)\nnetproxy: peer 2 refused (bad key)\n"
                            "netproxy: peer 3 up (rtt 5 us)\nnetproxy: peer 3 down (x)\n"
                            "netproxy: peer 3 refused (bad key)\n")
    check(p.get(2) == ("up", "(up; refused a connection as 2 (bad key))"),
          "refused after up: %r" % (p.get(2),))
    check(p.get(3) == ("refused", "(bad key)"), "refused after down: %r" % (p.get(3),))
    up = ("up", "")
    check(cluster.is_formed({1: {2: up, 3: up}, 2: {1: up, 3: up}, 3: {1: up, 2: up}}),
          "3 nodes all up: not formed")
    check(not cluster.is_formed({1: {2: up, 3: up}, 2: {1: up, 3: up}, 3: {1: up}}),
          "3 does not see 2: formed")
    check(not cluster.is_formed({1: {2: up}, 2: {1: ("down", "")}}), "a down peer: formed")
    check(not cluster.is_formed({1: {2: up}, 2: {1: ("refused", "")}}), "refused: formed")
    check(cluster.is_formed({1: {}}), "one node alone is formed")
    check(not cluster.is_formed({}), "no nodes: formed")
    check(cluster.node_mac(10) == "52:54:00:77:00:0a", "MAC of node 10")
    check(cluster.node_ip(16) == "10.77.0.16", "address of node 16")
    for f in fails:
        print("FAIL " + f)
    print("%d checks failed" % len(fails) if fails else "PASS formation_logic")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
