"""QMP script of node_init_uart: the default node (console on the UART) runs
the shell; a command typed on the serial line runs and its output comes back
on the serial line."""


def run(node):
    node.wait_for(r"init: Tessera node up", 60)
    node.wait_for(r"\$ $", 30)          # the prompt
    node.serial_write("echo serial-ok\r")
    node.wait_for(r"^serial-ok\r?$", 30)
    node.quit()
    return []
