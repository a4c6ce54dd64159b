"""QMP script of node_super_gpu: a node with console=gpu.  The GPU driver is
killed (the PCI server restarts it, the console attaches to the new one and
draws the screen again), then the keyboard driver (the console finds input0
again); then ^C typed on the keyboard ends a program and $? shows 130, drawn
on the screen."""

import time

from init_gpu import find_row

TEXT = "GPU-130-OK"


def ctrl_c(node):
    def ev(code, down):
        return {"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": code}}}
    node.qmp.cmd("input-send-event", events=[ev("ctrl", True), ev("c", True)])
    time.sleep(0.02)
    node.qmp.cmd("input-send-event", events=[ev("c", False), ev("ctrl", False)])


def run(node):
    node.wait_for(r"init: console on gpu", 60)
    node.wait_for(r"init: Tessera node up", 60)
    time.sleep(1)
    node.qmp.type_text("kill virtio-gpu")
    node.qmp.key("ret")
    node.wait_for(r"console: gpu0 back \(tid", 30)
    node.qmp.type_text("kill virtio-input")
    node.qmp.key("ret")
    node.wait_for(r"console: input input0 back \(tid", 30)
    time.sleep(0.5)
    node.qmp.type_text("idle")
    node.qmp.key("ret")
    time.sleep(2)
    ctrl_c(node)
    time.sleep(0.5)
    node.qmp.type_text("echo GPU-$?-OK")
    node.qmp.key("ret")
    row = find_row(node, TEXT)
    node.quit()
    return [] if row is not None else ["%r never appeared at the start of a screen row" % TEXT]
