"""5 % loss on every cable from the first frame: the cluster still forms
and every node sees the others' names; run(c, ctx) for run_cluster_test.py."""

from scenario import check_names
from launcher import cmdline

CREATE = {"loss": 5}


def run(c, ctx):
    nodes = c.nodes()
    for k in nodes:
        wire = cmdline(c.node(k)["wire_pid"])
        assert " -l 5" in wire, "node %d's cable: %s" % (k, wire)
    print("formed with 5%% loss: %d nodes in %.1f s" % (len(nodes), ctx.formed_s))
    check_names(c, nodes)
