#!/usr/bin/env python3
"""cluster/launch --exec cannot hang or lie (issue 13, items 5 and 6).

Usage: exec_launch.py --build-dir DIR [--launch PATH] --case NAME
Cases:
  long          a 66,000-byte script (over 64 KiB) runs fully: every line of
                its output, in order, and the last command's status
  args_too_long boot arguments over the kernel's limit: refused with a
                message before QEMU starts
  panic         a kernel panic after boot (init= names no program): non-zero
                status and "kernel panic: ..." on stderr
  panic_early   a panic before the kernel knows the test finisher (QEMU
                itself exits 0): still 99 and the message
  unfinished    the node goes down in the middle of the script (init
                killed): non-zero and "stopped before the script finished"
  timeout_guest a silent script under --timeout 12: init stops it, launch
                ends on time with 124 and says so; no QEMU left
  timeout_sync  a script that wrote a file on a FAT disk and went silent:
                at the deadline init syncs before the power-off, so the
                host finds the file's bytes on the image
  timeout_hard  --timeout 2, too short for the guest's own deadline: QEMU
                killed by PID on time, 124, no QEMU left
  sigterm       launch killed with SIGTERM: QEMU goes with it
  cluster_exec  --nodes 3 with --exec per node: progress lines, "== node K =="
                headings, the first non-zero status, no process left
  cluster_timeout --nodes 2 and a silent script on node 2: 124 on time,
                no process left
Prints PASS/FAIL with reasons; exit status 0 only if the case passed.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SLACK = 5.0  # seconds launch may take past --timeout: the interpreter's start
             # (over 2 s through a pyenv shim on a loaded machine), kill, reap
QEMU_LINE = re.compile(r"^launch: (qemu-system-\S+ .*)$", re.M)


class Case:
    def __init__(self, launch, build_dir):
        self.launch, self.build_dir = launch, build_dir
        self.reasons = []

    def check(self, cond, what):
        if not cond:
            self.reasons.append(what)
        return cond

    def env(self):
        """launch's environment: this build's own run root for clusters."""
        sys.path.insert(0, os.path.join(ROOT, "cluster"))
        import cluster
        return dict(os.environ, TESSERA_RUN_DIR=cluster.test_run_root(self.build_dir))

    def cmd(self, *args):
        return [sys.executable, self.launch, "--no-build", "--build-dir", self.build_dir] + \
            list(args)

    def run(self, *args, limit=120):
        """Run launch; returns (status, stdout, stderr, seconds)."""
        t = time.monotonic()
        r = subprocess.run(self.cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=limit, env=self.env())
        took = time.monotonic() - t
        print("$ launch %s\n  status %d after %.1f s\n--- stdout (last 600)\n%s\n--- stderr\n%s"
              % (" ".join(a if len(a) < 80 else a[:60] + "..." for a in args), r.returncode,
                 took, r.stdout[-600:], r.stderr[-2000:]))
        return r.returncode, r.stdout, r.stderr, took

    def no_qemu_left(self, stderr):
        """The QEMU that launch started (its command line is on stderr) is
        no longer running."""
        m = QEMU_LINE.search(stderr)
        if not self.check(m is not None, "launch did not print the QEMU command line"):
            return
        # The run's own files (a per-run boot image) make the line unique.
        mine = [a for a in m.group(1).split() if "tessera-launch-" in a]
        if not self.check(mine, "no per-run file on the QEMU command line"):
            return
        left = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    line = f.read().decode(errors="replace")
            except OSError:
                continue
            if "qemu-system" in line and mine[0] in line:
                left.append(pid)
        self.check(not left, "QEMU still running after launch ended: pid %s" % left)


def case_long(c):
    lines = ["echo L%04d %s" % (i, "x" * 22) for i in range(2000)]
    script = "\n".join(lines) + "\nexitcode 7\n"
    c.check(len(script) > 65536, "script is only %d bytes" % len(script))
    status, out, err, _ = c.run("--timeout", "200", "--exec", script, limit=260)
    c.check(status == 7, "status %d, want 7 (the last command's)" % status)
    got = re.findall(r"^L([0-9]{4}) x{22}$", out, re.M)
    c.check(got == ["%04d" % i for i in range(2000)],
            "output lines: %d of 2000 (first missing: %s)"
            % (len(got), next((i for i in range(2000) if "%04d" % i not in got), None)))


def case_args_too_long(c):
    status, out, err, took = c.run("--timeout", "30", "--args", "y" * 5000, "--exec", "echo hi")
    c.check(status != 0, "status 0 for boot arguments over the limit")
    c.check("bootargs over 4095 bytes" in err, "no message about the boot arguments")
    c.check(QEMU_LINE.search(err) is None, "QEMU was started")


def case_panic(c):
    status, out, err, _ = c.run("--timeout", "60", "--exec", "echo hi",
                                "--qemu-arg=-append", "--qemu-arg=init=nosuch")
    c.check(status == 99, "status %d, want 99 (the kernel's panic status)" % status)
    c.check(re.search(r"launch: kernel panic: cannot start init program 'nosuch'", err),
            "no 'kernel panic: ...' message on stderr")


def case_panic_early(c):
    status, out, err, _ = c.run("--timeout", "60", "--exec", "echo hi", "--qemu-arg=-append",
                                "--qemu-arg=init=init x=" + "A" * 5000)
    c.check(status == 99, "status %d, want 99" % status)
    c.check("launch: kernel panic: device tree: argument too large" in err,
            "no 'kernel panic: ...' message on stderr")


def case_unfinished(c):
    status, out, err, _ = c.run("--timeout", "60", "--exec", "echo before; kill 4096; idle")
    c.check("before" in out, "first command's output missing")
    c.check(status != 0, "status 0 although the script did not finish")
    c.check("the node stopped before the script finished" in err,
            "no message saying that the script did not finish")


def case_timeout_guest(c):
    status, out, err, took = c.run("--timeout", "12", "--exec", "echo started; idle", limit=60)
    c.check(status == 124, "status %d, want 124" % status)
    c.check(took <= 12 + SLACK, "took %.1f s for --timeout 12" % took)
    c.check("started" in out, "the script did not start")
    c.check("timeout: the script did not finish in 12 s (the node stopped it)" in err,
            "no message that init stopped the script")
    c.no_qemu_left(err)


def case_timeout_sync(c):
    img = os.path.join(c.build_dir, "test-logs", "exec_launch_sync.img")
    os.makedirs(os.path.dirname(img), exist_ok=True)
    if os.path.exists(img):
        os.unlink(img)
    subprocess.run(["mkfs.fat", "-C", "-n", "TESSERA", img, "8192"], check=True,
                   stdout=subprocess.DEVNULL)
    status, out, err, took = c.run("--timeout", "15", "--disk", img, "--exec",
                                   "echo important > /disk/imp.txt; echo written; idle",
                                   limit=60)
    c.check(status == 124, "status %d, want 124" % status)
    c.check("written" in out, "the script did not write")
    c.check("(the node stopped it)" in err, "init did not stop the script")
    r = subprocess.run(["mtype", "-i", img, "::/imp.txt"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    c.check(r.stdout == "important\n", "imp.txt on the image: %r" % r.stdout)


def case_timeout_hard(c):
    status, out, err, took = c.run("--timeout", "2", "--exec", "idle", limit=60)
    c.check(status == 124, "status %d, want 124" % status)
    c.check(took <= 2 + SLACK, "took %.1f s for --timeout 2" % took)
    c.check(re.search(r"timeout after 2 s: .*QEMU \(pid [0-9]+\) killed", err),
            "no message that QEMU was killed at the deadline")
    c.no_qemu_left(err)


def case_sigterm(c):
    p = subprocess.Popen(c.cmd("--timeout", "120", "--exec", "echo started; idle"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t = time.monotonic()
    # Wait for the script to start, then stop launch as a CI runner would.
    for line in p.stdout:
        if line.strip() == "started" or time.monotonic() - t > 60:
            break
    p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        c.check(False, "launch did not end within 10 s of SIGTERM")
    print("--- stderr\n" + err[-1500:])
    c.check(p.returncode == 130, "status %d after SIGTERM, want 130" % p.returncode)
    c.check("stopped (SIGTERM)" in err, "no message about the signal")
    c.no_qemu_left(err)


def cluster_left(c_, name):
    """PIDs still running of cluster `name` (cluster/cluster.py)."""
    sys.path.insert(0, os.path.join(ROOT, "cluster"))
    import cluster
    c = cluster.Cluster(name, root=c_.env()["TESSERA_RUN_DIR"])
    c.load()
    return c.running()


def case_cluster_exec(c):
    name = "ctest-launch-exec"
    status, out, err, _ = c.run("--nodes", "3", "--name", name, "--timeout", "120",
                                "--exec", "echo one", "--exec", "2=echo two; exitcode 4",
                                "--exec", "3=echo three; exitcode 6", limit=180)
    c.check(status == 4, "status %d, want 4 (node 2's, the first non-zero)" % status)
    c.check(re.search(r"== node 1 ==\none\n== node 2 ==\ntwo\n== node 3 ==\nthree\n", out),
            "output not under the node headings")
    c.check(len(re.findall(r"^launch: node [123] up \([0-9.]+ s\)$", err, re.M)) == 3,
            "not one progress line per node")
    c.check("run directory /tmp/" in err or "run directory" in err, "run directory not named")
    c.check(cluster_left(c, name) == [], "processes left: %s" % cluster_left(c, name))


def case_cluster_timeout(c):
    name = "ctest-launch-timeout"
    status, out, err, took = c.run("--nodes", "2", "--name", name, "--timeout", "25",
                                   "--exec", "2=echo started; idle", limit=90)
    c.check(status == 124, "status %d, want 124" % status)
    c.check(took <= 25 + SLACK, "took %.1f s for --timeout 25" % took)
    c.check("timeout after 25 s" in err, "no timeout message")
    c.check(cluster_left(c, name) == [], "processes left: %s" % cluster_left(c, name))


CASES = {n[5:]: f for n, f in globals().items() if n.startswith("case_")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--launch", default=os.path.join(ROOT, "cluster", "launch"))
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    args = ap.parse_args()
    c = Case(args.launch, os.path.abspath(args.build_dir))
    try:
        CASES[args.case](c)
    except Exception as e:  # noqa: BLE001 - any error fails the case
        c.reasons.append("%s: %s" % (type(e).__name__, e))
    if c.reasons:
        print("FAIL %s" % args.case)
        for r in c.reasons:
            print("  " + r)
        return 1
    print("PASS %s" % args.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
