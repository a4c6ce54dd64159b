#!/usr/bin/env python3
"""A node that recovers from its servers' deaths, and every orderly way down
flushes first (issue 13 items 4, 7-9, 13), through cluster/launch --exec on
FAT images checked by the host with mtools and fsck.fat -n.

Usage: super_exec.py --build-dir DIR --work DIR [--case NAME]
Each case prints PASS/FAIL lines; exit status 0 only if every case passed.
"""

import os
import random
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exec_fat  # noqa: E402


def case_shutdown_init(c):
    """init's death: the kernel's `shutdown` flushes /disk before the power-off."""
    c.make_image(16, 16, [])
    status, out = c.launch("echo important > /disk/imp; mkdir /disk/d; echo two > /disk/d/t; "
                           "kill init", verbose=True)
    c.check(status == 98, "launch exit status %d, want 98 (init killed)" % status)
    c.check("shutdown (tid" in out, "no shutdown task in the log: %r" % out[-400:])
    c.check(c.mtype("/imp") == "important\n", "/imp reads %r" % c.mtype("/imp"))
    c.check(c.mtype("/d/t") == "two\n", "/d/t reads %r" % c.mtype("/d/t"))
    c.fsck_clean()


def case_shutdown_poweroff(c):
    """The shell's poweroff flushes, and powers off with its status."""
    c.make_image(16, 16, [])
    status, _ = c.launch("echo keep > /disk/k; gen 300000 /disk/g; poweroff 7")
    c.check(status == 7, "launch exit status %d, want 7" % status)
    c.check(c.mtype("/k") == "keep\n", "/k reads %r" % c.mtype("/k"))
    got = subprocess.run(["mtype", "-i", c.img, "::/g"], stdout=subprocess.PIPE).stdout
    c.check(got == exec_fat.gen_bytes(300000, 1), "/g: %d bytes, not gen's" % len(got))
    c.fsck_clean()


def case_restart(c):
    """init restarts ramfs, fat, console and uart; the node is usable after each."""
    c.make_image(16, 16, [("/host.txt", b"from the host\n")])
    status, out = c.launch(
        "echo t1 > /tmp/a; kill ramfs; sleep 2; echo t2 > /tmp/b; cat /tmp/b; ls /tmp; "
        "echo d1 > /disk/d1; sync; kill fat; sleep 2; cat /disk/d1; cat /disk/host.txt; "
        "kill console; sleep 0.5; echo after-console; "
        "kill uart; sleep 0.5; echo after-uart; services", verbose=True)
    c.check(status == 0, "launch exit status %d, want 0" % status)
    for name in ("ramfs", "fat", "console", "uart"):
        c.check("init: %s restarted (tid" % name in out, "no restart line for %s" % name)
        c.check("init: %s died (status -15: task was killed); restart in 100 ms" % name in out,
                "no death line for %s" % name)
    lines = [l.strip() for l in out.splitlines()]
    for want in ("t2", "b", "d1", "from the host", "after-console", "after-uart"):
        c.check(want in lines, "line %r missing" % want)
    c.check("a" not in lines, "/tmp/a survived ramfs' death (a new ramfs is empty)")
    c.check("init: ramfs died" in out and "init: ramfs restarted" in out, "ramfs not restarted")


def case_blk_death(c):
    """The block driver dies: ls, ls -l and cat say so and fail; the PCI server
    restarts the driver, the FAT server re-opens blk0 and the files come back;
    umount and mount work."""
    c.make_image(16, 16, [("/host.txt", b"from the host\n")])
    status, out = c.launch(
        "kill virtio-blk; ls /disk; echo st=$?; ls -l /disk; echo st=$?; cat /disk/host.txt; "
        "echo st=$?; sleep 2; ls /disk; echo st=$?; cat /disk/host.txt; echo new > /disk/n; "
        "umount /disk; echo um=$?; mount blk0 /disk; echo mo=$?; cat /disk/n", verbose=True)
    c.check(status == 0, "launch exit status %d, want 0" % status)
    lines = [l.strip() for l in out.splitlines()]
    want = ["sh: /disk: I/O error", "st=1", "sh: /disk: I/O error", "st=1",
            "sh: /disk/host.txt: I/O error", "st=1", "host.txt", "st=0", "from the host",
            "um=0", "mo=0", "new"]
    got = [l for l in lines if l in want]
    c.check(got == want, "lines %r, want %r" % (got, want))
    c.check(re.search(r"pci: driver virtio-blk \(tid \d+\) died \(status -15: task was "
                      r"killed\); restart in 100 ms", out), "no pci death line")
    c.check(re.search(r"pci: restart 00:01\.0 -> driver virtio-blk \(started, tid \d+\)", out),
            "no pci restart line")
    c.check("fat: blk0 back (tid" in out, "the FAT server did not re-open blk0")
    c.check(c.mtype("/n") == "new\n", "/n reads %r" % c.mtype("/n"))
    c.fsck_clean()


def case_umount_dead(c):
    """umount right after the block driver died: the mount point is released
    (flushed if the driver came back in time, else with a clear message), and
    mount brings the volume back."""
    c.make_image(16, 16, [("/host.txt", b"from the host\n")])
    status, out = c.launch("echo x > /disk/x; kill virtio-blk; umount /disk; mount; "
                           "sleep 2; mount blk0 /disk; echo mo=$?; cat /disk/host.txt",
                           verbose=True)
    c.check(status == 0, "launch exit status %d, want 0" % status)
    lines = [l.strip() for l in out.splitlines()]
    c.check(not any(l.startswith("/disk on") for l in lines), "/disk still mounted")
    c.check("sh: umount: /disk: the server is still there" not in lines, "umount failed")
    c.check("mo=0" in lines and "from the host" in lines, "mount after umount failed")
    c.check("init: fat ended (status 0): not restarted" in out or
            "fat: unmounted without blk0: unwritten data lost" in out, "no umount line")
    c.fsck_clean()


def case_bad_disk(c):
    """A disk that is not FAT: the fat server's exit is noticed at once (no 10 s
    wait), the boot goes on, /disk is not mounted."""
    rnd = random.Random(13)
    with open(c.img, "wb") as f:
        f.write(bytes(rnd.getrandbits(8) for _ in range(1 << 20)))
    t0 = time.monotonic()
    status, out = c.launch("echo up; mount", verbose=True)
    took = time.monotonic() - t0
    c.check(status == 0, "launch exit status %d, want 0" % status)
    c.check("init: fat ended with status 1 (its log says why) before serving /disk" in out,
            "no clear message for the fat server's exit: %r" % out[-600:])
    c.check("up" in [l.strip() for l in out.splitlines()], "the script did not run")
    c.check(took < 9.0, "boot and script took %.1f s (init waited for /disk)" % took)


CASES = {"shutdown_init": case_shutdown_init, "shutdown_poweroff": case_shutdown_poweroff,
         "restart": case_restart, "bad_disk": case_bad_disk, "blk_death": case_blk_death,
         "umount_dead": case_umount_dead}

if __name__ == "__main__":
    sys.exit(exec_fat.main(CASES, __doc__))
