"""netproxy started by init on a real cluster node (cluster/cluster.py,
tessera_cluster_test in tests/node/netproxy.cmake): the PCI server holds
the NIC (`pci hold=net`), init passes nic= so netproxy drives it
directly; the default exports leave out pci, the UART, the console and
the NICs; boot.export replaces them; a killed peer's names vanish and
come back (with the new list) after its restart; with 5 % loss on node
1's cable a bulk ECHO shows retransmissions in `peers`.  run(c, ctx) for
tests/cluster/run_cluster_test.py."""

import re
import time

NAMES_BOUND_S = 3.0


def remote_names(c, k, j):
    """The names node k has registered for node j (its `services`)."""
    st, out = c.exec(k, "services", timeout=30)
    assert st == 0, "services on node %d: status %d\n%s" % (k, st, out)
    return sorted(set(re.findall(r"(/?net/%d/[^\s]+)" % j, out)))


def wait_names(c, k, j, want, bound):
    """Poll node k's remote names of node j until they are `want`; the
    seconds that took.  Fails after `bound` s."""
    t0 = time.monotonic()
    while True:
        got = remote_names(c, k, j)
        if got == want:
            return time.monotonic() - t0
        assert time.monotonic() - t0 < bound, \
            "node %d: names of node %d %s, want %s" % (k, j, got, want)
        time.sleep(0.2)


def run(c, ctx):
    assert ctx.netproxy, "netproxy is not in the boot image"
    for k in (1, 2):
        log = c.log(k)
        for want in (r"pci: hold=net: the NIC is 00:01\.0",
                     r"pci 00:01\.0 1af4:1000 virtio-net .* -> held for the caller",
                     r"init: node %d: NIC 00:01\.0 held for netproxy \(direct\)" % k,
                     r"netproxy: node %d of 2: 10\.77\.0\.%d/16 on 00:01\.0, mac "
                     r"52:54:00:77:00:%02x, direct, interrupts" % (k, k, k)):
            assert re.search(want, log), "node %d: no /%s/ in its log" % (k, want)
        assert "exports" not in log, "node %d: exports without boot.export" % k
    # the default exports: /tmp, not pci, uart0, console, net*, netproxy
    dt = wait_names(c, 1, 2, ["/net/2/tmp"], 10)
    print("default exports of node 2 on node 1: /net/2/tmp (%.1f s)" % dt)
    st, out = c.exec(1, "peers", timeout=30)
    print(out)
    assert st == 0 and re.search(r"^\s+2 up\s+\d+", out, re.M), "peers on node 1:\n" + out
    # kill node 2: its names vanish on node 1
    c.node(2)["boot_files"]["boot.export"] = "console,nothere\n"
    c.save()
    c.kill(2)
    killed = time.monotonic()
    c.wait(lambda: c.peers(1).get(2, ("",))[0] == "down", 10, "peer 2 down on node 1")
    print("peer 2 down on node 1 %.2f s after the kill" % (time.monotonic() - killed))
    wait_names(c, 1, 2, [], NAMES_BOUND_S)
    # restart it with boot.export: it comes back with that list
    c.start(2)
    c.wait(lambda: c.up(2), 60, "node 2 up again")
    c.wait(c.formed, 60, "formed again")
    assert re.search(r"init: node 2: exports console,nothere", c.log(2)), "node 2: no exports line"
    dt = wait_names(c, 1, 2, ["net/2/console"], 10)
    print("node 2's boot.export on node 1 after the restart: net/2/console (%.1f s)" % dt)
    # peers' counters by value: a bulk ECHO over a lossy cable retransmits
    before = peer_row(c, 1, 2)
    c.degrade(1, loss=5)
    try:
        st, out = c.exec(1, "peers --echo 2 3 262144", timeout=120)
        assert st == 0 and "echo node 2: 3 x 262144 bytes" in out, out
    finally:
        c.degrade(1, loss=0)
    after = peer_row(c, 1, 2)
    print("peer 2 on node 1 before/after the lossy ECHOs: %s / %s" % (before, after))
    assert after["state"] == "up" and after["names"] == 1, after
    assert after["bytes_out"] - before["bytes_out"] >= 3 * (262144 + 12), (before, after)
    assert after["frames_out"] - before["frames_out"] >= 3, (before, after)
    assert after["frames_in"] - before["frames_in"] >= 3, (before, after)
    assert after["bytes_in"] - before["bytes_in"] >= 3 * 28, (before, after)
    assert after["retrans"] > before["retrans"], "no retransmission counted at 5 %% loss"


def peer_row(c, k, j):
    """Node k's `peers` row of node j as a dict."""
    st, out = c.exec(k, "peers", timeout=30)
    m = re.search(r"^\s+%d (\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)"
                  % j, out, re.M)
    assert st == 0 and m, "peers on node %d:\n%s" % (k, out)
    keys = ("rtt_us", "bytes_in", "bytes_out", "frames_in", "frames_out", "retrans", "names")
    row = dict(zip(keys, (int(x) for x in m.groups()[1:])))
    row["state"] = m.group(1)
    return row
