"""The launcher's own parts, without netproxy (issue 10): boot arguments and
the key per node, commands on each node over its serial line, the ctl CLI,
cables through wirefilter (loss, delay, partition, heal), kill and
restart, a pcap that tcpdump reads.  run(c, ctx) for run_cluster_test.py."""

import os
import re
import subprocess
import time

import intruder
import mkinitrd  # on the path through cluster/qemu.py
from scenario import add_with_key, ctl


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().replace(b"\0", b" ").decode()


def inject(c, frames):
    """Send frames into the main switch from a host-side plug."""
    plug = intruder.Plug(c.path("switch"), c.path("inject.net"))
    try:
        for f in frames:
            plug.send(f)
        time.sleep(0.5)
    finally:
        plug.close()


def run(c, ctx):
    nodes = c.nodes()
    assert nodes == [1, 2, 3], nodes
    key = open(c.path("key")).read().strip()
    assert re.match(r"^[0-9a-f]{64}$", key), "key %r" % key
    assert os.stat(c.path("key")).st_mode & 0o777 == 0o600, "key file mode"
    for k in nodes:
        log = c.log(k)
        assert 'bootargs: "init=init node=%d nodes=3"' % k in log, "node %d bootargs" % k
        assert "node=%d nodes=3" % k in log and key not in log, "key on node %d's log" % k
        # init read boot.key and went on to start netproxy (or said why not)
        assert re.search(r"init: node %d of 3: netproxy" % k, log), "init's netproxy line"
        st, out = c.exec(k, "echo node-%d-here\nexitcode %d" % (k, 10 + k), timeout=60)
        assert st == 10 + k and out.strip() == "node-%d-here" % k, (k, st, out)
    # the CLI over the same layout
    rc, out = ctl(ctx, c, "status")
    assert rc == 0 and len(re.findall(r"^node \d+ +up +10\.77\.0\.\d+", out, re.M)) == 3, out
    rc, out = ctl(ctx, c, "exec", "2", "echo via-ctl; exitcode 3")
    assert rc == 3 and out.strip() == "via-ctl", (rc, out)
    # cables: loss and delay reach node 3's wirefilter; a partition moves
    # node 3's cable to a switch of its own, heal brings it back
    for what, val in (("loss", "5"), ("delay", "20")):
        rc, out = ctl(ctx, c, what, "3", val)
        assert rc == 0, out
    c.load()
    n3 = c.node(3)
    assert n3["loss"] == 5 and n3["delay"] == 20, n3
    info = c.wire_cmd(3, "showinfo")
    print("wirefilter showinfo:", info)
    rc, out = ctl(ctx, c, "partition", "1,2", "3")
    assert rc == 0, out
    c.load()
    wire = cmdline(c.node(3)["wire_pid"])
    assert "group-2" in wire and " -l 5" in wire and " -d 20" in wire, wire
    assert "group-2" not in cmdline(c.node(1)["wire_pid"])
    rc, out = ctl(ctx, c, "status")
    assert re.search(r"^node 3 .*cable: partitioned, loss 5%, delay 20 ms", out, re.M), out
    rc, out = ctl(ctx, c, "heal")
    c.load()
    assert rc == 0 and "group-2" not in cmdline(c.node(3)["wire_pid"]), out
    assert not os.path.exists(c.path("group-2")), "group switch left"
    # kill: the power cut; restart: the same node again
    t = time.monotonic()
    rc, out = ctl(ctx, c, "kill", "2")
    c.load()
    assert rc == 0 and not c.alive(c.node(2)["pid"]), out
    print("kill took %.2f s" % (time.monotonic() - t))
    rc, out = ctl(ctx, c, "restart", "2")
    assert rc == 0, out
    c.load()
    c.wait(lambda: c.up(2), 60, "node 2 up after restart")
    if ctx.netproxy:  # its peer lines go to the console too: let them pass first
        c.wait(c.formed, 60, "formed after restart")
    st, out = c.exec(2, "echo back", timeout=60)
    assert st == 0 and out.strip() == "back", (st, out)
    # the pcap: frames sent into the switch are read back by tcpdump
    marker = b"tessera-pcap-check"
    frames = [b"\xff" * 6 + bytes.fromhex("525400770063") + b"\x88\xb5" + marker + bytes([i]) * 40
              for i in range(3)]
    inject(c, frames)
    time.sleep(0.5)
    r = subprocess.run(["tcpdump", "-r", ctx.pcap, "-nn", "-e", "ether", "src",
                        "52:54:00:77:00:63"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    print(r.stdout[-800:])
    got = len(re.findall(r"52:54:00:77:00:63 > ff:ff:ff:ff:ff:ff", r.stdout))
    assert r.returncode == 0 and got == 3, "tcpdump read %d of 3 frames" % got
    # add: one more node, here with a key of its own (to be refused once
    # netproxy runs): its boot image carries that key, the others keep theirs
    assert add_with_key(ctx, c, "ab" * 32) == 4
    c.wait(lambda: c.up(4), 60, "node 4 up")
    for k, want in ((4, "ab" * 32), (1, key)):
        with open(c.node(k)["initrd"], "rb") as f:
            blob = f.read()
        files = {n: blob[o:o + sz] for n, o, sz in mkinitrd.read_image(blob)}
        assert files["boot.key"].decode() == want, "node %d's boot.key" % k
    assert 'bootargs: "init=init node=4 nodes=4"' in c.log(4), "node 4's boot arguments"
    rc, out = ctl(ctx, c, "status")
    assert re.search(r"^node 4 +up ", out, re.M), out
