#!/usr/bin/env python3
"""MiniSH scripts on a FAT disk, through the user's own path:
cluster/launch --disk IMAGE --exec 'CMD; CMD'; then the host checks the
image with mtools and fsck.fat -n (issue 5's node tests).

Usage: exec_fat.py --build-dir DIR --work DIR [--case NAME]
Each case prints PASS/FAIL lines; exit status 0 only if every case passed.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCH = os.path.join(ROOT, "cluster", "launch")
MKFS = shutil.which("mkfs.fat") or "/sbin/mkfs.fat"
FSCK = shutil.which("fsck.fat") or "/sbin/fsck.fat"
BIG = 4 * 1024 * 1024


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, **kw)


def gen_bytes(size, seed):
    """The bytes user/gen.c writes: low bytes of an xorshift32 stream."""
    out = bytearray(size)
    x = seed or 1
    for i in range(size):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out[i] = x & 0xFF
    return bytes(out)


def cksum_line(path):
    """The host's cksum(1): 'CRC SIZE'."""
    r = run(["cksum", path])
    crc, size = r.stdout.split()[:2]
    return "%s %s" % (crc, size)


class Case:
    def __init__(self, work, build_dir, name):
        self.work, self.build_dir, self.name = work, build_dir, name
        self.reasons = []
        self.img = os.path.join(work, name + ".img")

    def check(self, cond, what):
        if not cond:
            self.reasons.append(what)
        return cond

    def make_image(self, fat, mib, files):
        if os.path.exists(self.img):
            os.unlink(self.img)
        r = run([MKFS, "-F", str(fat), "-n", "TESSERA", "-C", self.img, str(mib * 1024)])
        if r.returncode:
            raise RuntimeError("mkfs.fat: " + r.stdout)
        for path, data in files:
            if data is None:
                run(["mmd", "-i", self.img, "::" + path], check=True)
                continue
            src = os.path.join(self.work, "src.tmp")
            with open(src, "wb") as f:
                f.write(data)
            run(["mcopy", "-i", self.img, src, "::" + path], check=True)

    def launch(self, script, timeout=150, verbose=False):
        cmd = [sys.executable, LAUNCH, "--no-build", "--build-dir", self.build_dir,
               "--disk", self.img, "--smp", "2", "--timeout", str(timeout), "--exec", script]
        if verbose:
            cmd.insert(-2, "--verbose")  # the node's log lines too
        r = run(cmd, timeout=timeout + 30)
        with open(os.path.join(self.work, self.name + ".out"), "w") as f:
            f.write("$ %s\n%s" % (" ".join(cmd), r.stdout))
        return r.returncode, r.stdout

    def mtype(self, path):
        r = run(["mtype", "-i", self.img, "::" + path])
        return r.stdout if r.returncode == 0 else None

    def mdir(self, path):
        r = run(["mdir", "-b", "-i", self.img, "::" + path])
        if r.returncode:
            return None
        return sorted(os.path.basename(l.rstrip("/")) for l in r.stdout.split())

    def fsck_clean(self):
        r = run([FSCK, "-n", self.img])
        return self.check(r.returncode == 0, "fsck.fat -n: status %d: %s"
                          % (r.returncode, r.stdout.strip()[-300:]))


def case_files(c):
    """Create, append, copy, rename and delete files and directories."""
    c.make_image(16, 32, [("/hello.txt", b"hello from the host\n"),
                          ("/docs", None), ("/docs/readme.txt", b"read me\n"),
                          ("/old", None), ("/old/gone.txt", b"bye\n")])
    script = ("cat /disk/hello.txt; mkdir /disk/new; echo first > /disk/new/a.txt; "
              "echo second >> /disk/new/a.txt; cp /disk/new/a.txt /disk/new/b.txt; "
              "mv /disk/docs/readme.txt /disk/new/readme.txt; rm /disk/old/gone.txt; "
              "rmdir /disk/old; mkdir /disk/new/sub; echo deep > /disk/new/sub/c.txt; "
              "ls /disk/new; cat /disk/new/b.txt; df")
    status, out = c.launch(script)
    c.check(status == 0, "launch status %d" % status)
    c.check("hello from the host" in out, "cat of the host's file missing in output")
    c.check(re.search(r"first\s*\nsecond", out) is not None, "cat b.txt output missing")
    c.check(re.search(r"^/disk .* fat16 +TESSERA\s*$", out, re.M) is not None,
            "df does not show /disk as fat16 with label TESSERA")
    for name in ("a.txt", "b.txt", "readme.txt", "sub"):
        c.check(re.search(r"\b%s\b" % re.escape(name), out) is not None,
                "ls /disk/new does not show %s" % name)
    c.check(c.mtype("/new/a.txt") == "first\nsecond\n", "a.txt on the host: %r" % c.mtype("/new/a.txt"))
    c.check(c.mtype("/new/b.txt") == "first\nsecond\n", "b.txt on the host: %r" % c.mtype("/new/b.txt"))
    c.check(c.mtype("/new/readme.txt") == "read me\n", "readme.txt not moved")
    c.check(c.mtype("/new/sub/c.txt") == "deep\n", "sub/c.txt on the host")
    c.check(c.mdir("/new") == ["a.txt", "b.txt", "readme.txt", "sub"],
            "mdir /new: %r" % c.mdir("/new"))
    c.check(c.mdir("/docs") == [], "/docs should be empty: %r" % c.mdir("/docs"))
    c.check(c.mdir("/old") is None, "/old should be gone")
    c.fsck_clean()


def case_big(c):
    """A 4 MiB file written in the node and read back: the same checksum on
    both sides (node's cksum, host's cksum of the extracted file, and of the
    bytes the host computes itself)."""
    c.make_image(32, 64, [])
    status, out = c.launch("gen %d /disk/big.bin 7; cksum /disk/big.bin" % BIG)
    c.check(status == 0, "launch status %d" % status)
    want_bytes = gen_bytes(BIG, 7)
    mine = os.path.join(c.work, "big.host")
    with open(mine, "wb") as f:
        f.write(want_bytes)
    want = cksum_line(mine)
    c.check(re.search(r"^%s /disk/big.bin$" % re.escape(want), out, re.M) is not None,
            "node cksum line missing or wrong (want %s)" % want)
    got = os.path.join(c.work, "big.node")
    if os.path.exists(got):
        os.unlink(got)
    run(["mcopy", "-i", c.img, "::/big.bin", got])
    c.check(os.path.exists(got) and cksum_line(got) == want, "host copy of big.bin differs")
    c.fsck_clean()


def case_status(c):
    """$? and the exit status of --exec."""
    c.make_image(12, 4, [])
    status, out = c.launch("exitcode 3; echo status=$?; exitcode 0; echo status=$?; exitcode 5")
    c.check("status=3" in out and "status=0" in out, "$? lines missing: %r" % out[-300:])
    c.check(status == 5, "launch exit status %d, want 5 (the last command's)" % status)


CASES = {"files": case_files, "big": case_big, "status": case_status}


def main(cases=None, doc=None):
    """Run the cases named by --case (default all) of `cases`; 0 if all pass.
    exec_fsapi.py runs its own cases through this too."""
    chosen = cases or CASES
    ap = argparse.ArgumentParser(description=(doc or __doc__).splitlines()[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--work", required=True, help="folder for images and outputs")
    ap.add_argument("--case", action="append", choices=sorted(chosen),
                    help="run only this case (repeatable; default all)")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    failed = 0
    for name in args.case or sorted(chosen):
        c = Case(args.work, os.path.abspath(args.build_dir), name)
        try:
            chosen[name](c)
        except Exception as e:  # noqa: BLE001 - any error fails the case
            c.reasons.append("%s: %s" % (type(e).__name__, e))
        if c.reasons:
            failed += 1
            print("FAIL %s (output: %s)" % (name, os.path.join(args.work, name + ".out")))
            for r in c.reasons:
                print("  " + r)
        else:
            print("PASS %s" % name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
