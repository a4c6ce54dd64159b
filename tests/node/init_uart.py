"""QMP script of node_init_uart: the default node (console on the UART) runs
the shell; commands typed on the serial line, edited with arrow keys,
backspace and history, run and their output comes back on the serial line."""


def run(node):
    node.wait_for(r"init: Tessera node up", 60)
    node.wait_for(r"\$ $", 30)          # the prompt
    # Line editing on the real input path (serial -> uart0 -> console ->
    # sh): left arrow, backspace over the x, insert o -> "echo serial-ok".
    node.serial_write("echo serial-xk\x1b[D\x7fo\r")
    node.wait_for(r"^serial-ok\r?$", 30)
    # History: up arrow recalls it, edited again (end, backspace, K).
    node.serial_write("\x1b[A\x7fK!\r")
    node.wait_for(r"^serial-oK!\r?$", 30)
    # The shell may power the node off (init starts it privileged): QEMU
    # exits with the status given.
    node.serial_write("poweroff 3\r")
    return []
