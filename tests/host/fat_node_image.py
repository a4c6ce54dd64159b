#!/usr/bin/env python3
"""The disk of node test node_fatfs (tests/node/fat.cmake).

make IMG:  a 16 MiB FAT16 image (mkfs.fat) holding /hello.txt,
           /dir/Long file name.bin (pattern 1, 100000 bytes), /dir/keep.txt.
check IMG: after the guest ran: fsck.fat -n is clean and mtools sees what
           test_fatfs.c wrote, renamed and deleted.
"""
import os
import subprocess
import sys
import tempfile

HELLO = b"hello from the host\n"
ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")


def pattern(k, n):
    return bytes((i * 7 + i // 251 + k) & 0xff for i in range(n))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, env=ENV, **kw)


def make(img):
    if os.path.exists(img):
        os.unlink(img)
    run(["mkfs.fat", "-C", "-F", "16", "-i", "2468ace0", img, "16384"],
        stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "dir"))
        with open(os.path.join(d, "hello.txt"), "wb") as f:
            f.write(HELLO)
        with open(os.path.join(d, "dir", "Long file name.bin"), "wb") as f:
            f.write(pattern(1, 100000))
        with open(os.path.join(d, "dir", "keep.txt"), "wb") as f:
            f.write(b"keep\n")
        run(["mcopy", "-s", "-i", img, os.path.join(d, "hello.txt"),
             os.path.join(d, "dir"), "::/"])
    return 0


def check(img):
    bad = 0
    r = subprocess.run(["fsck.fat", "-n", img], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    lines = [l for l in r.stdout.splitlines()
             if l.strip() and not l.startswith("fsck.fat")
             and " files, " not in l]
    if r.returncode != 0 or lines:
        print("fsck.fat -n:\n" + r.stdout)
        bad = 1
    want = {
        "::/newdir/Guest File.txt": pattern(2, 141072),
        "::/newdir/hello renamed.txt": HELLO,
        "::/dir/keep.txt": b"keep\n",
    }
    for path, data in want.items():
        got = subprocess.run(["mtype", "-i", img, path], env=ENV,
                             stdout=subprocess.PIPE).stdout
        if got != data:
            print("%s: %d bytes, want %d" % (path, len(got), len(data)))
            bad = 1
    expect = sorted(["::/dir/", "::/dir/keep.txt", "::/newdir/",
                     "::/newdir/Guest File.txt",
                     "::/newdir/hello renamed.txt"])
    got = sorted(l for l in subprocess.run(
        ["mdir", "-/", "-b", "-i", img, "::"], env=ENV,
        stdout=subprocess.PIPE, text=True).stdout.splitlines() if l.strip())
    if got != expect:
        print("mdir: %s, want %s" % (got, expect))
        bad = 1
    print("fat_node_image: %s" % ("bad" if bad else "fsck clean, contents match"))
    return bad


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("make", "check"):
        sys.exit("usage: fat_node_image.py make|check IMG")
    sys.exit(make(sys.argv[2]) if sys.argv[1] == "make" else check(sys.argv[2]))
