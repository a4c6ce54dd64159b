"""QMP script of node test input (tests/node/test_input.c): type on the
virtio keyboard and move the virtio tablet when the guest says it is ready.
The guest checks what arrives and powers off itself; the test is judged by
its EXPECT lines and exit status."""

LINE = "Hello, World! 123\n"


def run(node):
    node.wait_for(r"input: ready", timeout=120)
    node.qmp.type_text(LINE)
    node.wait_for(r"input: raw ready", timeout=60)
    node.qmp.key("z")
    node.wait_for(r"input: pointer ready", timeout=60)
    node.qmp.cmd("input-send-event", events=[
        {"type": "abs", "data": {"axis": "x", "value": 1000}},
        {"type": "abs", "data": {"axis": "y", "value": 2000}}])
    for down in (True, False):
        node.qmp.cmd("input-send-event", events=[
            {"type": "btn", "data": {"down": down, "button": "left"}}])
    return []
