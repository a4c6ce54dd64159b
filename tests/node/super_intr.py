"""QMP script of node_super_intr: the default node on the serial line.
^C ends the foreground program (status 130, $? shows it) and the prompt
comes back, also for a program that reads the console; the console server
is killed and the shell goes on with the restarted one."""

import time


def run(node):
    node.wait_for(r"init: Tessera node up", 60)
    node.wait_for(r"\$ $", 30)          # the prompt
    # A program that sleeps for ever: only ^C gets out.
    node.serial_write("idle\r")
    time.sleep(2)                       # idle runs, the shell waits for ^C
    node.serial_write("\x03")
    node.wait_for(r"^\^C$", 30)
    node.serial_write("echo st=$?\r")
    node.wait_for(r"^st=130$", 30)
    # A program that reads the console: the ^C is not its input; the line
    # typed next reaches the shell whole.
    node.serial_write("wc\r")
    time.sleep(2)
    node.serial_write("\x03echo wc=$?\r")      # one chunk: the race at its worst
    node.wait_for(r"^wc=130$", 30)
    # ^C at the prompt still drops the line (the line editor's).
    node.serial_write("echo dropped\x03echo prompt=$?\r")
    node.wait_for(r"^prompt=130$", 30)
    # The console dies: init restarts it, the shell re-opens it, and what is
    # typed next reaches the shell through the new console.
    node.serial_write("kill console\r")
    node.wait_for(r"init: console restarted", 30)
    time.sleep(1)
    node.serial_write("echo reconnected\r")
    node.wait_for(r"^reconnected$", 30)
    node.serial_write("poweroff 4\r")
    return []
