"""Four formed nodes under faults and outside input (issue 10), one booted
cluster for all the checks; run(c, ctx) for run_cluster_test.py.

 1. every node sees the others' names;
 2. the pcap holds TCP frames between every pair of node MACs (tcpdump -r);
 3. an intruder on the switch (tests/cluster/intruder.py: random frames,
    ARP, SYNs to netproxy's port, random bytes and a fake handshake claiming
    node 1 to node 4) is heard but accepted nowhere: the cluster stays
    formed, ECHO works, no node lists it;
 4. partition 1,2 | 3,4: each side sees the other down within BOUND_S,
    the names vanish; heal: formed again, names back;
 5. kill 3: down on every other node within BOUND_S, names gone;
    restart 3: formed again, names back;
 6. ctl add --key-file (another key) boots node 5: refused by every node,
    up nowhere, its names nowhere, the four stay formed.
The cluster knows 5 node numbers (CREATE size) so that 1-4 dial node 5.
"""

import re
import subprocess
import time

import cluster
import intruder
from scenario import add_with_key, check_names, ctl, remote_names, wait_states

CREATE = {"size": 5}
FOUR = [1, 2, 3, 4]
# netproxy: heartbeats every 250 ms, a peer is down after 2 s without life;
# issue 10 asks for 3 s.  Polled every 0.05 s.
BOUND_S = 3.0


def pcap_pairs(ctx):
    """{(src node, dst node)} of the IPv4 TCP frames in the capture."""
    r = subprocess.run(["tcpdump", "-r", ctx.pcap, "-nn", "-e", "tcp"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    assert r.returncode == 0, r.stdout[-500:]
    pairs = set()
    for s, d in re.findall(r"52:54:00:77:00:([0-9a-f]{2}) > 52:54:00:77:00:([0-9a-f]{2})",
                           r.stdout):
        pairs.add((int(s, 16), int(d, 16)))
    print("pcap: %d lines, pairs %s" % (r.stdout.count("\n"), sorted(pairs)))
    return pairs


def check_formed_core(c, ctx, echo_from=1, echo_to=2):
    """The four nodes see each other (logs) and ECHO works between two."""
    assert c.formed(FOUR), {k: c.peers(k) for k in FOUR}
    st, out = c.exec(echo_from, "peers --echo %d 5" % echo_to, timeout=60)
    print(out)
    assert st == 0 and re.search(r"echo node %d: 5 x 64 bytes: min \d+ median \d+ max \d+ us"
                                 % echo_to, out), (st, out)


def run(c, ctx):
    assert c.nodes() == FOUR
    # 1. names
    check_names(c, FOUR)
    # 2. the pcap: every pair of nodes exchanged TCP frames, both ways
    pairs = pcap_pairs(ctx)
    want = {(a, b) for a in FOUR for b in FOUR if a != b}
    assert want <= pairs, "no TCP frames for %s" % sorted(want - pairs)
    # 3. outside input
    before = {k: c.log(k) for k in FOUR}
    out = intruder.attack(c.path("switch"), c.path("intruder.net"), node=4, claim=1,
                          nodes=CREATE["size"])
    assert out["arp_reply"] and out["syn_answered"], "the intruder was not heard: %s" % out
    assert out["challenge"], "no CHALLENGE to the fake HELLO: %s" % out
    assert out["garbage_dropped"] and out["fake_dropped"], "a connection stayed: %s" % out
    time.sleep(1.5)  # a heartbeat round after the attack
    check_formed_core(c, ctx, 1, 4)
    for k in FOUR:
        new = c.log(k)[len(before[k]):]
        assert not re.search(r"peer \d+ (up|down)", new), "node %d after the intruder:\n%s" % (
            k, new)
        assert 99 not in c.peers(k), "node %d lists the intruder" % k
    new4 = c.log(4)[len(before[4]):]
    assert "netproxy: peer 1 refused (bad key)" in new4, "node 4 did not refuse:\n" + new4
    assert "refused a connection" in new4, "random bytes not refused:\n" + new4
    st, peers4 = c.exec(4, "peers", timeout=60)
    assert re.search(r"^\s+1 up ", peers4, re.M), peers4
    check_names(c, FOUR)
    rc, status = ctl(ctx, c, "status")
    assert rc == 0 and "formed" in status.splitlines()[0] and "not formed" not in status, status
    for k in FOUR:
        others = ",".join(str(j) for j in FOUR if j != k)
        assert re.search(r"^node %d +up .*peers up: %s  refused: -" % (k, others), status,
                         re.M), "ctl status, node %d" % k
    # 4. partition 1,2 | 3,4
    cross = [(a, b) for a in FOUR for b in FOUR if (a < 3) != (b < 3)]
    rc, _ = ctl(ctx, c, "partition", "1,2", "3,4")
    assert rc == 0
    c.load()  # ctl changed cluster.json: our later saves must not undo it
    down = wait_states(c, cross, "down", BOUND_S)
    print("partition: down after %.2f..%.2f s" % (min(down.values()), max(down.values())))
    for k in FOUR:
        names = remote_names(c, k)
        side = [1, 2] if k < 3 else [3, 4]
        assert set(names) == set(side) - {k}, "node %d in the partition: %s" % (k, names)
    t = time.monotonic()
    rc, _ = ctl(ctx, c, "heal")
    assert rc == 0
    c.load()
    c.wait(lambda: c.formed(FOUR), 30, "formed after heal")
    print("heal: formed again after %.2f s" % (time.monotonic() - t))
    check_names(c, FOUR)
    # 5. kill and restart node 3
    t = time.monotonic()
    c.kill(3)
    down = wait_states(c, [(k, 3) for k in (1, 2, 4)], "down", BOUND_S)
    print("kill 3: down after %.2f..%.2f s" % (min(down.values()), max(down.values())))
    for k in (1, 2, 4):
        assert 3 not in remote_names(c, k), "node %d still has node 3's names" % k
    c.restart(3)
    t = time.monotonic()
    c.wait(lambda: c.formed(FOUR), 60, "formed after restart 3")
    print("restart 3: formed again after %.2f s" % (time.monotonic() - t))
    check_names(c, FOUR)
    # 6. a node with another key
    assert add_with_key(ctx, c, "cd" * 32) == 5
    refused = wait_states(c, [(k, 5) for k in FOUR], "refused", 60)
    print("node 5 refused after %.1f s (last)" % max(refused.values()))
    time.sleep(3)
    for k in FOUR:
        assert "netproxy: peer 5 up" not in c.log(k), "node %d took node 5" % k
        assert c.peers(k)[5][0] == "refused", (k, c.peers(k))
    assert not any(st == "up" for st, _ in c.peers(5).values()), c.peers(5)
    check_names(c, FOUR, absent=[5])
    assert c.formed(FOUR) and not c.formed(), "formed with node 5 or not without"
    rc, status = ctl(ctx, c, "status")
    assert "not formed" in status, status
    for k in FOUR:
        assert re.search(r"^node %d +up .*refused: 5\b" % k, status, re.M), "node %d" % k
    assert re.search(r"^node 5 +up .*peers up: -", status, re.M), status
    assert cluster.is_formed({k: c.peers(k) for k in FOUR})
