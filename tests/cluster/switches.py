"""Two switches joined by a cable process (dpipe vde_plug = vde_plug) stand
in for two hosts: nodes 1,2 on the first, 3,4 on the second form one
cluster and see each other's names; with the cable cut, each side sees the
other side down.  run(c, ctx) for run_cluster_test.py."""

import os
import signal

from launcher import cmdline
from scenario import check_names, remote_names, wait_states

CREATE = {"switches": 2}


def run(c, ctx):
    nodes = c.nodes()
    assert nodes == [1, 2, 3, 4]
    for k in nodes:
        home = c.path("switch") if k <= 2 else c.path("switch-2")
        wire = cmdline(c.node(k)["wire_pid"])
        assert wire.split()[2].startswith(home + ":"), "node %d's cable: %s" % (k, wire)
    cable = c.state["switches"]["2"]["cable_pid"]
    line = cmdline(cable)
    assert line.startswith("dpipe vde_plug %s = vde_plug %s" % (c.path("switch"),
                                                               c.path("switch-2"))), line
    print("formed over two switches in %.1f s" % ctx.formed_s)
    check_names(c, nodes)
    # the frames between the halves go through that cable only
    os.killpg(cable, signal.SIGKILL)
    cross = [(a, b) for a in nodes for b in nodes if (a < 3) != (b < 3)]
    down = wait_states(c, cross, "down", 5)
    print("cable cut: the other half down after %.2f s" % max(down.values()))
    assert set(remote_names(c, 1)) == {2} and set(remote_names(c, 3)) == {4}
