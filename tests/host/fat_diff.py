#!/usr/bin/env python3
"""Differential test of the FAT library: random file-system operations on
FAT12, FAT16 and FAT32 images made by mkfs.fat, applied both to the image
and to a Python model, over several "boots" (separate mounts) of the same
image; after each boot the whole tree (names, sizes, bytes) must equal the
model through mtools (mdir, mcopy) and the library, and `fsck.fat -n` must
be clean (docs/fat.md, issue 13 item 1).

The operations: create, append, write at an offset (also past the end),
truncate, rm, mv (within and across directories, replacing files), cp,
mkdir, rmdir; sizes from 0 bytes to several MiB, so that freeing and
allocating touch more FAT sectors than the cache holds.

Host mode (this file's main): each boot is one run of test_fat in image
mode (a RAM device, mounted once, unmounted at the end).  The node variant
(tests/node/fat_diff_node.py) reuses Model and the generator and runs the
same kind of operations through the shell of a booted node.

Usage: fat_diff.py --tool TEST_FAT --mkfs MKFS --fsck FSCK --work DIR
                   [--seeds 1,2,3] [--boots N] [--ops N] [--fats 12,16,32]
"""
import argparse
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fat_mtools  # noqa: E402  (fsck, mtools_extract, compare_trees)

# Names: long names, 8.3 names, mixed case; unique when case-folded.
NAMES = ["a.txt", "B.BIN", "long file name number one.dat",
         "Another-Long_Name.bin", "x", "data.0", "README", "notes.md",
         "A very long name that needs several LFN slots to be stored.txt",
         "mixed.Case", "z9", "f1234567.abc", "k", "log.txt", "img.raw"]
DIRS = ["d1", "Sub Dir", "deeper directory name", "D4", "e"]

# Image per FAT type: (mkfs arguments, size in KiB, largest file).  Clusters
# of several sectors, so that directory scans read ahead (a FAT32 volume
# needs 65525 clusters: 128 MiB of 1 KiB clusters).
VOLUMES = {12: (["-F", "12"], 8 * 1024, 2 << 20),
           16: (["-F", "16", "-s", "2"], 32 * 1024, 6 << 20),
           32: (["-F", "32", "-s", "2"], 128 * 1024, 9 << 20)}


class Model:
    """The expected tree: files (path -> bytes) and directories."""

    def __init__(self):
        self.files = {}
        self.dirs = {""}

    def used(self):
        return sum(len(d) for d in self.files.values())

    def names_in(self, d):
        pre = d + "/" if d else ""
        out = set()
        for p in list(self.files) + list(self.dirs):
            if p and p.startswith(pre) and "/" not in p[len(pre):]:
                out.add(p[len(pre):].lower())
        return out

    def empty_dirs(self):
        return [d for d in self.dirs if d and not self.names_in(d)]

    def write(self, path, off, data):
        old = self.files[path]
        if not data:
            return                      # as pwrite: 0 bytes extend nothing
        if off > len(old):
            old = old + bytes(off - len(old))
        self.files[path] = old[:off] + data + old[off + len(data):]

    def apply(self, op, content):
        """Apply op; content(seed, n) gives the bytes of a write."""
        k = op[0]
        if k == "create":
            self.files[op[1]] = content(op[3], op[2])
        elif k == "write":
            self.write(op[1], op[2], content(op[4], op[3]))
        elif k == "trunc":
            d = self.files[op[1]]
            self.files[op[1]] = d[:op[2]] + bytes(max(0, op[2] - len(d)))
        elif k == "rm":
            del self.files[op[1]]
        elif k == "cp":
            self.files[op[2]] = self.files[op[1]]
        elif k == "mkdir":
            self.dirs.add(op[1])
        elif k == "rmdir":
            self.dirs.remove(op[1])
        elif k == "mv":
            a, b = op[1], op[2]
            if a in self.files:
                self.files[b] = self.files.pop(a)
            else:
                for p in sorted(self.dirs):
                    if p == a or p.startswith(a + "/"):
                        self.dirs.remove(p)
                        self.dirs.add(b + p[len(a):])
                for p in list(self.files):
                    if p.startswith(a + "/"):
                        self.files[b + p[len(a):]] = self.files.pop(p)

    def materialize(self, root):
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        for d in sorted(self.dirs):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        for p, data in self.files.items():
            with open(os.path.join(root, p), "wb") as f:
                f.write(data)


def rand_size(rng, cap):
    """0 .. cap bytes, spread over the orders of magnitude."""
    r = rng.random()
    if r < 0.1:
        return rng.choice([0, 1, 511, 512, 513])
    if r < 0.45:
        return rng.randint(1, 4096)
    if r < 0.75:
        return rng.randint(4096, 256 << 10)
    return rng.randint(256 << 10, max(256 << 10, cap))


def gen_op(rng, m, cap, budget, max_depth=3):
    """One random operation on model m that must succeed; files stay
    under budget bytes in all.  Returns a tuple (see Model.apply)."""
    room = max(0, budget - m.used())
    files = sorted(m.files)
    dirs = sorted(m.dirs)

    def new_path(dirpath, pool):
        taken = m.names_in(dirpath)
        free = [n for n in pool if n.lower() not in taken]
        if not free:
            return None
        n = rng.choice(free)
        return dirpath + "/" + n if dirpath else n

    while True:
        k = rng.choices(["create", "append", "write", "trunc", "rm", "mv",
                         "cp", "mkdir", "rmdir"],
                        [20, 12, 10, 4, 14, 10, 8, 5, 3])[0]
        if k == "create":
            p = new_path(rng.choice(dirs), NAMES)
            if p is None:
                continue
            return ("create", p, min(room, rand_size(rng, min(cap, room))),
                    rng.randint(1, 1 << 30))
        if k in ("append", "write", "trunc", "rm", "cp") and not files:
            continue
        if k == "append":
            p = rng.choice(files)
            return ("write", p, len(m.files[p]),
                    min(room, rand_size(rng, min(cap, room))),
                    rng.randint(1, 1 << 30))
        if k == "write":
            p = rng.choice(files)
            off = rng.randint(0, len(m.files[p]) + 3000)
            n = min(room // 2, rand_size(rng, min(cap, room) // 4))
            return ("write", p, off, n, rng.randint(1, 1 << 30))
        if k == "trunc":
            p = rng.choice(files)
            return ("trunc", p, rng.randint(0, len(m.files[p]) + 5000))
        if k == "rm":                   # large deletes free long chains
            if rng.random() < 0.4:
                return ("rm", max(files, key=lambda f: len(m.files[f])))
            return ("rm", rng.choice(files))
        if k == "cp":
            a = rng.choice(files)
            if len(m.files[a]) > room:
                continue
            b = new_path(rng.choice(dirs), NAMES)
            if b is None:
                continue
            return ("cp", a, b)
        if k == "mkdir":
            parent = rng.choice(dirs)
            if parent.count("/") + 1 >= max_depth:
                continue
            p = new_path(parent, DIRS)
            if p is None:
                continue
            return ("mkdir", p)
        if k == "rmdir":
            e = m.empty_dirs()
            if not e:
                continue
            return ("rmdir", rng.choice(sorted(e)))
        if k == "mv":
            if rng.random() < 0.2 and len(dirs) > 1:
                a = rng.choice(dirs[1:])
                dst = [d for d in dirs if d != a and
                       not d.startswith(a + "/")]
                b = new_path(rng.choice(dst), DIRS)
                if b is None:
                    continue
                return ("mv", a, b)
            if not files:
                continue
            a = rng.choice(files)
            if rng.random() < 0.3 and len(files) > 1:
                b = rng.choice([f for f in files if f != a])   # replaces
            else:
                b = new_path(rng.choice(dirs), NAMES)
                if b is None:
                    continue
            return ("mv", a, b)


def host_content(seed, n):
    return random.Random(seed).randbytes(n)


def tool_cmds(op, blobs):
    """The test_fat image-mode commands of op (writing its blob)."""
    k = op[0]
    if k in ("create", "write"):
        seed, n = (op[3], op[2]) if k == "create" else (op[4], op[3])
        blob = os.path.join(blobs, "b%d" % seed)
        with open(blob, "wb") as f:
            f.write(host_content(seed, n))
        if k == "create":
            return ["put:%s:/%s" % (blob, op[1])]
        return ["pwrite:%s:/%s:%d" % (blob, op[1], op[2])]
    if k == "trunc":
        return ["trunc:/%s:%d" % (op[1], op[2])]
    if k == "rm":
        return ["unlink:/" + op[1]]
    if k in ("mv", "cp"):
        return ["%s:/%s:/%s" % ("rename" if k == "mv" else "cp", op[1],
                                op[2])]
    return ["%s:/%s" % (k, op[1])]


def check_image(args, img, m, work, what):
    """fsck.fat -n clean, and mdir/mcopy show exactly the model."""
    before = len(fat_mtools.failures)
    fat_mtools.fsck(args, img)
    model = os.path.join(work, "model")
    m.materialize(model)
    out = os.path.join(work, "mtools")
    shutil.rmtree(out, ignore_errors=True)
    listing = fat_mtools.mtools_extract(img, out)
    fat_mtools.compare_trees(model, out, what)
    want = fat_mtools.tree_listing(model)
    if listing != want:
        fat_mtools.fail("%s: mdir differs: %s" % (what, sorted(listing ^
                                                               want)))
    return len(fat_mtools.failures) == before


def run_host(args, fat, seed):
    mkfs_args, kib, cap = VOLUMES[fat]
    work = os.path.join(args.work, "fat%d-%d" % (fat, seed))
    shutil.rmtree(work, ignore_errors=True)
    blobs = os.path.join(work, "blobs")
    os.makedirs(blobs)
    img = os.path.join(work, "img")
    fat_mtools.sh([args.mkfs, "-C"] + mkfs_args + ["-i", "0badcafe", img,
                                                   str(kib)])
    rng = random.Random(seed * 1000 + fat)
    m = Model()
    budget = min(kib * 1024 * 6 // 10, 40 << 20)
    nops = 0
    for boot in range(args.boots):
        ops = []
        for _ in range(args.ops):
            op = gen_op(rng, m, cap, budget)
            m.apply(op, host_content)
            ops.append(op)
        cmds = [c for op in ops for c in tool_cmds(op, blobs)]
        with open(os.path.join(work, "boot%d.cmds" % boot), "w") as f:
            f.write("\n".join(map(repr, ops)) + "\n")
        r = fat_mtools.sh([args.tool, img] + cmds, check=False)
        nops += len(ops)
        what = "fat%d seed %d boot %d" % (fat, seed, boot)
        if r.returncode != 0:
            fat_mtools.fail("%s: test_fat: %s" % (what, r.stdout[-2000:]))
            return nops
        if not check_image(args, img, m, work, what):
            return nops
        for b in os.listdir(blobs):
            os.unlink(os.path.join(blobs, b))
    shutil.rmtree(work)
    return nops


def main():
    ap = argparse.ArgumentParser()
    fat_mtools.tool_args(ap)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--boots", type=int, default=4)
    ap.add_argument("--ops", type=int, default=30)
    ap.add_argument("--fats", default="12,16,32")
    args = ap.parse_args()
    if "-" in args.seeds:
        lo, hi = args.seeds.split("-")
        seeds = list(range(int(lo), int(hi) + 1))
    else:
        seeds = [int(s) for s in args.seeds.split(",")]
    total = 0
    for fat in [int(f) for f in args.fats.split(",")]:
        for seed in seeds:
            total += run_host(args, fat, seed)
    print("%d seeds x %s, %d operations, %d failures"
          % (len(seeds), args.fats, total, len(fat_mtools.failures)))
    return 1 if fat_mtools.failures else 0


if __name__ == "__main__":
    sys.exit(main())
