"""QMP script of node test input (tests/node/test_input.c): type on the
virtio keyboard and move the virtio tablet when the guest says it is ready.
The guest checks what arrives and powers off itself; the test is judged by
its EXPECT lines and exit status."""

import qmp  # tests/node/qmp.py

LINE = "Hello, World! 123\n"


def send(node, *events):
    node.qmp.cmd("input-send-event", events=list(events))


def btn(down):
    return {"type": "btn", "data": {"down": down, "button": "left"}}


def run(node):
    node.wait_for(r"input: ready", timeout=120)
    node.qmp.type_text(LINE)
    node.wait_for(r"input: raw ready", timeout=60)
    node.qmp.key("z")
    node.wait_for(r"input: pointer ready", timeout=60)
    send(node, {"type": "abs", "data": {"axis": "x", "value": 1000}},
         {"type": "abs", "data": {"axis": "y", "value": 2000}})
    send(node, btn(True))
    # The guest needs this last event to finish and then powers off at
    # once, so QEMU may exit before its answer reaches us (seen as a reset
    # socket).  The guest's output and exit status judge the test.
    try:
        send(node, btn(False))
    except qmp.QmpGone as e:
        print("input_type.py: last command unanswered (QEMU exited): %s" % e)
    return []
