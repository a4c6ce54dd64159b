#!/usr/bin/env python3
"""The formation rule and netproxy's log lines, without QEMU (cluster.py
peer_states, is_formed): the function the launcher and the tests use to
decide that a cluster has formed."""

import contextlib
import importlib.machinery
import importlib.util
import io
import os
import sys

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "cluster"))
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
    # launch's cluster options: --export K=LIST becomes node K's boot.export
    loader = importlib.machinery.SourceFileLoader("launch", os.path.join(ROOT, "cluster",
                                                                         "launch"))
    launch = importlib.util.module_from_spec(importlib.util.spec_from_loader("launch", loader))
    loader.exec_module(launch)
    a = launch.parse_args(["--nodes", "4", "--export", "2=blk0,/disk", "--export", "/tmp",
                           "--switches", "2", "--max-nodes", "6"])
    check(a.boot_files == {2: {"boot.export": b"blk0,/disk\n"}, 1: {"boot.export": b"/tmp\n"}},
          "--export: %r" % (a.boot_files,))
    check((a.switches, a.max_nodes) == (2, 6), "--switches, --max-nodes")
    for bad in (["--export", "5=x"], ["--export", "2=a b"], ["--export", "x" * 512],
                ["--export", "2=a", "--export", "2=b"], ["--switches", "5"],
                ["--max-nodes", "3"], ["--max-nodes", "17"]):
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                launch.parse_args(["--nodes", "4"] + bad)
            check(False, "launch accepted %s" % bad)
        except SystemExit as e:
            check(e.code == 2, "launch %s: exit %r" % (bad, e.code))
    for f in fails:
        print("FAIL " + f)
    print("%d checks failed" % len(fails) if fails else "PASS formation_logic")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
