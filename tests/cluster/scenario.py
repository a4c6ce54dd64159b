"""Helpers of the cluster scenario scripts (tests/cluster/*.py): the ctl CLI,
the names a node sees, and timed waits on the peers' log lines."""

import os
import re
import subprocess
import sys
import time

NAME = re.compile(r"^/?net/([0-9]+)/(\S+)\s", re.M)


def ctl(ctx, c, *args):
    """Run cluster/ctl on this cluster: (status, output)."""
    r = subprocess.run([sys.executable, os.path.join(ctx.root, "cluster", "ctl"), "--name",
                        c.name] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=90)
    print("$ ctl %s -> %d\n%s" % (" ".join(args), r.returncode, r.stdout))
    return r.returncode, r.stdout


def add_with_key(ctx, c, key):
    """ctl add --key-file with this key (hex): the new node's number."""
    other = c.path("other.key")
    with open(other, "w") as f:
        f.write(key + "\n")
    rc, out = ctl(ctx, c, "add", "--key-file", other)
    k = max(c.nodes()) + 1
    assert rc == 0 and "node %d booting" % k in out, out
    c.load()
    return k


def remote_names(c, k):
    """{J: {name, ...}} of the remote names node k's `services` lists
    (net/J/svc and /net/J/mount)."""
    st, out = c.exec(k, "services", timeout=60)
    assert st == 0, "services on node %d: status %d\n%s" % (k, st, out)
    names = {}
    for j, name in NAME.findall(out):
        names.setdefault(int(j), set()).add(name)
    return names


def check_names(c, nodes, absent=(), settle=15):
    """Every node of `nodes` lists names of every other one (each exports
    /tmp by default: /net/J/tmp) and none of a node in `absent`.  Names
    follow `peer J up` by an ANNOUNCE, and a starved host can make a peer
    flap (down, up again): each node gets `settle` seconds to show the
    right set; a flap seen meanwhile is printed."""
    for k in nodes:
        want = set(nodes) - {k}
        end = time.monotonic() + settle
        while True:
            names = remote_names(c, k)
            ok = set(names) == want and all("tmp" in names[j] for j in want)
            if ok or time.monotonic() > end:
                break
            print("node %d: names of %s, not yet %s; peers %s" % (
                k, sorted(names), sorted(want), c.peers(k)))
            time.sleep(1)
        assert set(names) == want, "node %d sees names of %s, want %s" % (
            k, sorted(names), sorted(want))
        for j in want:
            assert "tmp" in names[j], "node %d: no /net/%d/tmp in %s" % (k, j, names[j])
        for j in absent:
            assert j not in names, "node %d still has names of node %d" % (k, j)
    print("names: %s each see the others'" % (list(nodes),))


def flaps(c, nodes):
    """{K: [J, ...]}: the peers node K logged down since its boot."""
    out = {}
    for k in nodes:
        down = [int(j) for j in re.findall(r"netproxy: peer ([0-9]+) down", c.log(k))]
        if down:
            out[k] = down
    return out


def wait_states(c, pairs, state, timeout):
    """Wait until for every (k, j) of pairs node k's log says peer j is
    `state`; {(k, j): seconds from now when it was first seen}.  Raises
    AssertionError naming the pairs that did not get there."""
    t0 = time.monotonic()
    seen = {}
    while True:
        now = time.monotonic() - t0
        for k, j in pairs:
            if (k, j) not in seen and c.peers(k).get(j, ("",))[0] == state:
                seen[(k, j)] = now
        if len(seen) == len(pairs):
            return seen
        if now > timeout:
            missing = sorted(set(pairs) - set(seen))
            raise AssertionError("not %s within %g s: (node, peer) %s; states %s" % (
                state, timeout, missing, {k: c.peers(k) for k, _ in missing}))
        time.sleep(0.05)
