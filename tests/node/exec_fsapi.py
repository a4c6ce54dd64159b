#!/usr/bin/env python3
"""File-system interface defects of issue 13 (items 2, 3, 11, 12), through
the user's own path: cluster/launch --disk IMAGE --exec 'CMD; ...', then the
host checks the image with mtools and fsck.fat -n.  Uses exec_fat.py's Case.

Usage: exec_fsapi.py --build-dir DIR --work DIR [--case NAME]
"""

import calendar
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ["LC_ALL"] = "C.UTF-8"        # mtools: non-ASCII names as UTF-8
import exec_fat  # noqa: E402
from exec_fat import Case  # noqa: E402


def status_lines(out):
    """The values of 'st=N' lines, in order."""
    return [int(v) for v in re.findall(r"^st=(\d+)\s*$", out, re.M)]


def case_samefile(c):
    """cp and mv of a file onto itself under other spellings (FAT and ramfs):
    refused with status 1 and a message, the file intact."""
    c.make_image(16, 16, [("/q", None), ("/q/p", b"deep file\n"), ("/p", b"top file\n")])
    script = ("cd /disk; cp p ./p; echo st=$?; cp /disk/q/p q/p; echo st=$?; "
              "cp p /disk; echo st=$?; cp q/p q/../q/./p; echo st=$?; "
              "mv p ./p; echo st=$?; mv q q; echo st=$?; mv q /disk/q/; echo st=$?; "
              "cat p q/p; "
              "echo ram > /tmp/r; cd /tmp; cp r ./r; echo st=$?; cp /tmp/r /tmp; echo st=$?; "
              "mv r /tmp/./r; echo st=$?; mkdir d; mv d d/e; echo st=$?; cat /tmp/r; "
              "cp /disk/p /disk/p2; echo st=$?; mv /disk/p2 /disk/P3; echo st=$?; "
              "cp /tmp/r /disk/r; echo st=$?; cat /disk/r")
    status, out = c.launch(script)
    c.check(status == 0, "launch status %d" % status)
    st = status_lines(out)
    want = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]
    c.check(st == want, "statuses %r, want %r" % (st, want))
    for msg in ("cp: p and ./p are the same file", "cp: /disk/q/p and q/p are the same file",
                "cp: p and /disk/p are the same file", "mv: p and ./p are the same file",
                "mv: cannot move q into itself", "cp: r and ./r are the same file",
                "mv: r and /tmp/./r are the same file", "mv: cannot move d into itself"):
        c.check(msg in out, "message missing: %r" % msg)
    c.check(re.search(r"^top file\s*\ndeep file\s*$", out, re.M) is not None,
            "FAT files not intact after cp/mv onto themselves")
    c.check(len(re.findall(r"^ram\s*$", out, re.M)) == 2,
            "ramfs file not intact (or the copy to /disk wrong)")
    c.check(c.mtype("/r") == "ram\n", "/r on the host: %r" % c.mtype("/r"))
    c.check(c.mtype("/p") == "top file\n", "/p on the host: %r" % c.mtype("/p"))
    c.check(c.mtype("/q/p") == "deep file\n", "/q/p on the host: %r" % c.mtype("/q/p"))
    c.check(c.mtype("/P3") == "top file\n", "/P3 on the host: %r" % c.mtype("/P3"))
    c.fsck_clean()


LS_TIME = calendar.timegm((2020, 5, 17, 12, 34, 56, 0, 0, 0))
LS_FILES = [("a.bin", 1234), ("Long Name File.txt", 70001), ("zero", 0), ("ro.txt", 3)]
LS_MANY = 1000
LS_SLOW_S = 3.0     # `ls -l` of 1,000 files took 6-15 s with a stat per entry


def case_lsl(c):
    """ls -l takes size, type and time from the listing: exact lines for
    files made on the host (mtime kept by mcopy -m), and a directory of
    1,000 files listed long in well under the old 6-15 s."""
    os.environ["TZ"] = "UTC"    # mtools writes local time; FAT keeps no zone
    c.make_image(32, 64, [("/d", None), ("/many", None)])
    src = os.path.join(c.work, "lsl.src")
    for name, size in LS_FILES:
        with open(src, "wb") as f:
            f.write(b"x" * size)
        os.utime(src, (LS_TIME, LS_TIME))
        subprocess.run(["mcopy", "-m", "-i", c.img, src, "::/d/" + name], check=True)
    subprocess.run(["mattrib", "-i", c.img, "+r", "::/d/ro.txt"], check=True)
    many = os.path.join(c.work, "lsl.many")
    os.makedirs(many, exist_ok=True)
    for i in range(LS_MANY):
        with open(os.path.join(many, "file-%04d.txt" % i), "wb") as f:
            f.write(b"y" * (i % 7))
    subprocess.run(["mcopy", "-s", "-i", c.img] + [os.path.join(many, n) for n in sorted(os.listdir(many))]
                   + ["::/many/"], check=True)
    status, out = c.launch("ls -l /disk/d; ls -l /disk/d/a.bin; time ls -l /disk/many > /disk/out; "
                           "ls -l /disk/out; mkdir /tmp/t; echo hello > /tmp/t/h; ls -l /tmp/t")
    c.check(status == 0, "launch status %d" % status)
    when = "2020-05-17 12:34"
    for name, size in sorted(LS_FILES):
        line = "- %10d %s %s" % (size, when, name)
        c.check(re.search(r"^%s\s*$" % re.escape(line), out, re.M) is not None,
                "ls -l line missing: %r" % line)
    c.check(re.search(r"^- +1234 %s /disk/d/a.bin\s*$" % when, out, re.M) is not None,
            "ls -l of one file")
    c.check(re.search(r"^- +6 \d{4}-\d\d-\d\d \d\d:\d\d h\s*$", out, re.M) is not None,
            "ls -l on ramfs")
    listing = c.mtype("/out") or ""
    lines = listing.splitlines()
    c.check(len(lines) == LS_MANY, "ls -l /disk/many gave %d lines" % len(lines))
    for i in (0, 500, 999):
        line = "- %10d" % (i % 7)
        c.check(any(l.startswith(line) and l.endswith("file-%04d.txt" % i) for l in lines),
                "ls -l /disk/many: file-%04d.txt wrong" % i)
    m = re.search(r"^real (\d+\.\d+)s", out, re.M)
    c.check(m is not None and float(m.group(1)) < LS_SLOW_S,
            "time ls -l of %d files: %s (want < %.1f s)" % (LS_MANY, m and m.group(1), LS_SLOW_S))
    print("lsl: ls -l of %d files: real %ss" % (LS_MANY, m and m.group(1)))
    c.fsck_clean()


LONG_L = "L" + "x" * 253 + "L"          # 255 characters: FAT's longest name
LONG_D = "D" + "d" * 248 + "D"          # 250, for directories
DEEP = "/" + "/".join([LONG_D] * 5)     # 1,255 bytes
LONG_U = "\u00e9" * 128                  # + ".txt": 260 bytes of UTF-8, mtools' limit


def mput(c, data, path):
    src = os.path.join(c.work, "long.src")
    with open(src, "wb") as f:
        f.write(data)
    subprocess.run(["mcopy", "-i", c.img, src, "::" + path], check=True)


def case_longnames(c):
    """Names of 255 characters and paths over 1 KiB made by mtools are read,
    listed, created and removed from the node; mtools checks the result."""
    # 4 KiB clusters: mtools 4.0 fails ("No directory slots") to put a
    # 21-slot long name into a directory of 512-byte clusters.
    if os.path.exists(c.img):
        os.unlink(c.img)
    subprocess.run(["mkfs.fat", "-F", "16", "-s", "8", "-n", "TESSERA", "-C", c.img, "65536"],
                   check=True, stdout=subprocess.DEVNULL)
    d = ""
    for _ in range(5):
        d += "/" + LONG_D
        subprocess.run(["mmd", "-i", c.img, "::" + d], check=True)
    mput(c, b"two five five\n", "/" + LONG_L)
    mput(c, b"deep down\n", DEEP + "/deep.txt")
    mput(c, b"remove me\n", DEEP + "/gone.txt")
    mput(c, b"unicode\n", "/" + LONG_U + ".txt")
    script = ("L=%s; D=%s; cat /disk/$L; cd /disk/$D/$D/$D/$D/$D; cat deep.txt; "
              "echo new > made.txt; cp /disk/$L copy.txt; rm gone.txt; mkdir $D; "
              "echo deeper > $D/x.txt; ls $D; ls -l; cd /disk; echo node > /disk/$D.node; "
              "rm /disk/$L; ls /disk" % (LONG_L, LONG_D))
    status, out = c.launch(script)
    c.check(status == 0, "launch status %d" % status)
    c.check("two five five" in out, "cat of the 255-character name failed")
    c.check("deep down" in out, "cat of a file 1,255 bytes down failed")
    c.check(re.search(r"^x\.txt\s*$", out, re.M) is not None, "ls of a 1,506-byte path")
    c.check(re.search(r"^- +14 .* copy\.txt\s*$", out, re.M) is not None, "ls -l deep: copy.txt")
    c.check(re.search(r"^d +0 .* %s\s*$" % LONG_D, out, re.M) is not None, "ls -l deep: the new dir")
    c.check(re.search(r"gone\.txt\s*$", out, re.M) is None, "gone.txt still listed")
    c.check(re.search(r"^%s\.txt\s*$" % LONG_U, out, re.M) is not None,
            "ls /disk does not show the 260-byte UTF-8 name")
    c.check(c.mtype(DEEP + "/made.txt") == "new\n", "made.txt on the host: %r" % c.mtype(DEEP + "/made.txt"))
    c.check(c.mtype(DEEP + "/copy.txt") == "two five five\n", "copy.txt on the host")
    c.check(c.mtype(DEEP + "/" + LONG_D + "/x.txt") == "deeper\n", "x.txt (1,512-byte path) on the host")
    c.check(c.mtype(DEEP + "/gone.txt") is None, "gone.txt still on the disk")
    c.check(c.mtype("/" + LONG_L) is None, "the 255-character file still on the disk")
    c.check(c.mtype("/" + LONG_D + ".node") == "node\n", "the node's 255-character name")
    # The UTF-8 name, in a second boot (the script's bytes triple in the
    # boot arguments): read, appended, a directory and a file made in it.
    c.name = "longnames2"
    status, out = c.launch("U=%s; cat /disk/$U.txt; echo more >> /disk/$U.txt; cat /disk/$U.txt; "
                           "mkdir /disk/$U; echo in > /disk/$U/$U.txt; ls -l /disk/$U; "
                           "mv /disk/$U/$U.txt /disk/$U/x; cat /disk/$U/x" % LONG_U)
    c.check(status == 0, "launch status %d (UTF-8 name)" % status)
    c.check(re.search(r"^unicode\s*\nunicode\s*\nmore\s*$", out, re.M) is not None,
            "the 260-byte UTF-8 name was not read and appended")
    c.check(re.search(r"^- +3 .* %s\.txt\s*$" % LONG_U, out, re.M) is not None,
            "ls -l of the node's UTF-8 file")
    c.check(re.search(r"^in\s*$", out, re.M) is not None, "rename from a 520-byte path")
    c.check(c.mtype("/" + LONG_U + ".txt") == "unicode\nmore\n", "UTF-8 file on the host")
    c.check(c.mtype("/" + LONG_U + "/x") == "in\n", "UTF-8 directory's file on the host")
    c.fsck_clean()


def case_busy(c):
    """A mounted block device refuses a second mount with a clear message;
    the first mount keeps working; after umount a new mount works."""
    c.make_image(16, 16, [])
    script = ("mount blk0 /disk2; echo st=$?; echo a > /disk/x; cat /disk/x; umount /disk; "
              "echo st=$?; mount blk0 /disk2; echo st=$?; echo b > /disk2/y; cat /disk2/x /disk2/y; "
              "mount blk0 /disk3; echo st=$?")
    status, out = c.launch(script)
    c.check(status == 0, "launch status %d" % status)
    st = status_lines(out)
    c.check(st == [1, 0, 0, 1], "statuses %r, want [1, 0, 0, 1]" % st)
    c.check(out.count("mount: blk0: device busy (already mounted for writing)") == 2,
            "the busy message is not there twice")
    c.check(re.search(r"^a\s*\nst=0\s*\nst=0\s*\na\s*\nb\s*$", out, re.M) is not None,
            "/disk/x and /disk2/x, /disk2/y not read back")
    c.check(c.mtype("/x") == "a\n", "/x on the host: %r" % c.mtype("/x"))
    c.check(c.mtype("/y") == "b\n", "/y on the host: %r" % c.mtype("/y"))
    c.fsck_clean()


CASES = {"samefile": case_samefile, "busy": case_busy, "lsl": case_lsl,
         "longnames": case_longnames}


if __name__ == "__main__":
    sys.exit(exec_fat.main(CASES, __doc__))
