"""QMP script of node_console_input: type a line on the virtio keyboard once
test_console is reading from the console; the guest prints what it got and
powers off by itself."""

TEXT = 'Hello, Tessera! ~/a_b-c=1 "quoted"\n'


def run(node):
    node.wait_for(r"console: type now", 90)
    node.wait_for(r"console: console ready", 30)
    # The guest powers off once it has the line, so QEMU's answer to the
    # last key may be lost; the EXPECT line "console: got ..." checks it.
    node.qmp.type_text(TEXT, may_end=True)
    return []
