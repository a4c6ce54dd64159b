#!/usr/bin/env python3
"""Two Tessera nodes joined by a QEMU dgram unix-socket pair: the netproxy
node tests (tests/node/netproxy.cmake) until the cluster launcher exists.

Node 1 runs `test_np ... check` (or `refuse`), node 2 `test_np ... wait`;
both run netproxy (node=1/2 nodes=2 key=...).  Each QEMU has its own
process group, serial log (<log-dir>/<name>-node<K>.log) and a hard
timeout; both are killed by PID at the end.  Scenarios:

  pair      node 1 must see peer 2 up, its names (export=tnode,/tmp,nothere:
            nothere is not registered, so not announced), ECHO; when node 1 prints
            "np: kill node 2 now" node 2's QEMU is killed (SIGKILL) and
            node 1 must log "netproxy: peer 2 down" within 3 s; when node 1
            prints "np: restart node 2 now" node 2 boots again (log
            <name>-node2.log.restart) and must come back with its names.
  ipc       the same as pair with nic=net0 on both nodes: netproxy goes
            through the virtio-net server instead of driving the NIC.
  wrongkey  node 2 has another key: node 1 logs "peer 2 refused", no node
            logs "peer .* up", node 1 registers none of node 2's names.

Exit status: 0 pass, 1 fail, 77 skip (QEMU/OpenSBI missing).
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_node_test as rnt  # noqa: E402  (kill_group, clean_text, qemu)

KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
BAD_KEY = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
PANIC_RE = re.compile(r"(?i)\bpanic")
DOWN_BOUND_S = 3.0


class Qemu:
    """One node: QEMU in its own session, serial output collected with the
    host time each chunk arrived."""

    def __init__(self, argv, log_path):
        self.log = open(log_path, "wb")
        self.log.write(("# " + rnt.qemu.format_argv(argv) + "\n").encode())
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.cond = threading.Condition()
        self.text = ""
        self.lines = []  # (host time, line)
        self.partial = ""
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            now = time.monotonic()
            with self.cond:
                if not data:
                    self.cond.notify_all()
                    return
                self.log.write(data)
                self.log.flush()
                s = rnt.clean_text([data])
                self.text += s
                self.partial += s
                *done, self.partial = self.partial.split("\n")
                self.lines += [(now, line) for line in done]
                self.cond.notify_all()

    def wait_for(self, regex, deadline):
        """(host time, line) of the first line matching regex, or None."""
        rx = re.compile(regex)
        with self.cond:
            while True:
                for t, line in self.lines:
                    if rx.search(line):
                        return t, line
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self.thread.is_alive()):
                    return None
                self.cond.wait(min(left, 0.5))

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def close(self):
        rnt.kill_group(self.proc)
        self.thread.join(timeout=5)
        self.log.write(("# qemu exit status %s\n" % self.proc.returncode).encode())
        self.log.close()


def node_argv(args, k, mode, key, sock_self, sock_peer):
    nic = "net0" if args.scenario == "ipc" else "00:01.0"
    extra_args = " bulk=1" if args.scenario == "ipc" else ""
    if args.scenario == "pair":  # the export= list (ipc: the default exports)
        extra_args += " export=tnode,/tmp,nothere"
    boot = "init=test_np -- node=%d nodes=2 key=%s nic=%s %s%s" % (k, key, nic, mode, extra_args)
    extra = ["-netdev", "dgram,id=n0,local.type=unix,local.path=%s,remote.type=unix,"
             "remote.path=%s" % (sock_self, sock_peer),
             "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:77:00:%02x,romfile=" % k]
    return rnt.qemu.qemu_argv(args.kernel, args.initrd, smp=1, mem="256M", bootargs=boot,
                              extra=extra)


def run(args):
    reasons = []
    sock = [os.path.join(args.sock_dir, "%s_%d.sock" % (args.name, k)) for k in (1, 2)]
    mode1 = "refuse" if args.scenario == "wrongkey" else "check"
    key2 = BAD_KEY if args.scenario == "wrongkey" else KEY
    logs = [os.path.join(args.log_dir, "%s-node%d.log" % (args.name, k)) for k in (1, 2)]
    deadline = time.monotonic() + args.timeout
    n2 = Qemu(node_argv(args, 2, "wait", key2, sock[1], sock[0]), logs[1])
    first2 = ""
    n1 = Qemu(node_argv(args, 1, mode1, KEY, sock[0], sock[1]), logs[0])
    try:
        if args.scenario != "wrongkey":
            hit = n1.wait_for(r"np: kill node 2 now", deadline)
            if not hit:
                reasons.append("node 1 never asked to kill node 2")
            else:
                n2.kill()
                killed = time.monotonic()
                down = n1.wait_for(r"netproxy: peer 2 down \(", deadline)
                if not down:
                    reasons.append("node 1 never logged 'peer 2 down'")
                else:
                    dt = down[0] - killed
                    print("peer 2 down logged %.2f s after the kill" % dt)
                    if dt > DOWN_BOUND_S:
                        reasons.append("peer 2 down after %.2f s (bound %.1f)" % (dt, DOWN_BOUND_S))
                if not n1.wait_for(r"np: restart node 2 now", deadline):
                    reasons.append("node 1 never asked to restart node 2")
                else:
                    n2.close()
                    first2 = n2.text
                    n2 = Qemu(node_argv(args, 2, "wait", key2, sock[1], sock[0]),
                              logs[1] + ".restart")
                    logs.append(logs[1] + ".restart")
        n1.proc.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        reasons.append("timeout after %d s" % args.timeout)
    finally:
        n1.close()
        n2.close()
    t1, t2 = n1.text, first2 + n2.text
    if n1.proc.returncode != 0:
        reasons.append("node 1 exit status %s" % n1.proc.returncode)
    for k, t in ((1, t1), (2, t2)):
        for line in t.splitlines():
            if PANIC_RE.search(line) or "np: FAIL" in line or "lwIP assertion" in line:
                reasons.append("node %d: %s" % (k, line.strip()[:120]))
    how = "through IPC" if args.scenario == "ipc" else "direct, interrupts"
    want1 = [r"netproxy: node 1 of 2: 10\.77\.0\.1/16 .*" + how, r"np: all passed"]
    want2 = [r"netproxy: node 2 of 2: 10\.77\.0\.2/16 .*" + how]
    if args.scenario != "wrongkey":
        want1 += [r"netproxy: peer 2 up \(rtt \d+ us\)", r"net/2/tnode", r"/net/2/tmp",
                  r"np: peer 2 up again after \d+ ms, names back",
                  r"np: echo 64 bytes", r"np: node 2's names gone",
                  r"np: peer 2 counters over the ECHOs: frames out \d+",
                  r"\s2 up\s+\d+\s+\d+\s+\d+"]
        want2 += [r"netproxy: peer 1 up \(rtt \d+ us\)"]
    else:
        want1 += [r"netproxy: peer 2 refused \(bad key\)"]
        want2 += [r"netproxy: peer 1 refused \("]
        for k, t in ((1, t1), (2, t2)):
            if re.search(r"netproxy: peer \d+ up", t):
                reasons.append("node %d brought a peer up with the wrong key" % k)
    for k, t, want in ((1, t1, want1), (2, t2, want2)):
        for w in want:
            if not re.search(w, t):
                reasons.append("node %d: expected /%s/" % (k, w))
    for line in t1.splitlines():
        if line.startswith("np: "):
            print(line)
    return reasons


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--scenario", choices=("pair", "ipc", "wrongkey"), required=True)
    ap.add_argument("--log-dir", required=True)
    ap.add_argument("--sock-dir", required=True)
    ap.add_argument("--timeout", type=int, default=120)
    args = ap.parse_args()
    os.makedirs(args.log_dir, exist_ok=True)
    if not (rnt.shutil.which(rnt.qemu.QEMU) and os.path.isfile(rnt.qemu.OPENSBI)):
        print("SKIP %s: QEMU or OpenSBI not installed" % args.name)
        return 77
    start = time.monotonic()
    reasons = run(args)
    el = time.monotonic() - start
    if reasons:
        print("FAIL %s: %s (%.1f s; logs %s-node1/2.log)" % (args.name, "; ".join(reasons), el,
                                                            os.path.join(args.log_dir, args.name)))
        return 1
    print("PASS %s (%.1f s)" % (args.name, el))
    return 0


if __name__ == "__main__":
    sys.exit(main())
