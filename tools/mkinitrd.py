#!/usr/bin/env python3
"""Pack user programs into a Tessera boot image (initrd.img).

Format (little endian; the kernel parses it, keep both in step):
  offset  0  magic  "TSIMG1\\0\\0"            8 bytes
  offset  8  u32    count of entries
  offset 12  u32    reserved, 0
  offset 16  count entries of 48 bytes:
             char name[32]   NUL-padded, length 1..31, unique
             u64  offset     of the file data from the image start
             u64  size       in bytes
  file data at 4096-aligned offsets, in the order of the entries.

The module also reads images (read_image) so that ci/bench and tests can
list the programs of a built image.
"""

import argparse
import os
import re
import struct
import sys

MAGIC = b"TSIMG1\0\0"
HEADER = struct.Struct("<8sII")
ENTRY = struct.Struct("<32sQQ")
NAME_MAX = 31
ALIGN = 4096
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,%d}$" % NAME_MAX)


class ImageError(ValueError):
    pass


def check_name(name):
    """Raise ImageError unless name is 1..31 printable characters [A-Za-z0-9_.-]."""
    if not NAME_RE.match(name):
        raise ImageError("bad name %r: need 1..%d characters of [A-Za-z0-9_.-]"
                         % (name, NAME_MAX))


def _align(n):
    return (n + ALIGN - 1) // ALIGN * ALIGN


def build_image(files):
    """Return the image bytes for files, a list of (name, data) pairs."""
    seen = set()
    for name, _ in files:
        check_name(name)
        if name in seen:
            raise ImageError("duplicate name %r" % name)
        seen.add(name)
    out = bytearray(HEADER.pack(MAGIC, len(files), 0))
    offset = _align(HEADER.size + ENTRY.size * len(files))
    placed = []
    for name, data in files:
        out += ENTRY.pack(name.encode("ascii"), offset, len(data))
        placed.append((offset, data))
        offset = _align(offset + len(data))
    for off, data in placed:
        out += b"\0" * (off - len(out))
        out += data
    return bytes(out)


def read_image(blob):
    """Parse image bytes; return a list of (name, offset, size). Raises ImageError."""
    if len(blob) < HEADER.size:
        raise ImageError("image too short")
    magic, count, reserved = HEADER.unpack_from(blob, 0)
    if magic != MAGIC:
        raise ImageError("bad magic %r" % magic)
    if reserved != 0:
        raise ImageError("reserved field is %d, not 0" % reserved)
    if HEADER.size + count * ENTRY.size > len(blob):
        raise ImageError("entry table (%d entries) past end of image" % count)
    entries = []
    for i in range(count):
        raw, off, size = ENTRY.unpack_from(blob, HEADER.size + i * ENTRY.size)
        name = raw.split(b"\0", 1)[0].decode("ascii", "replace")
        if raw[len(name):].strip(b"\0"):
            raise ImageError("entry %d: name not NUL-padded" % i)
        check_name(name)
        if off % ALIGN or off + size > len(blob):
            raise ImageError("entry %d (%s): bad offset/size %d/%d" % (i, name, off, size))
        entries.append((name, off, size))
    return entries


def with_files(blob, extra):
    """Image bytes `blob` with the files of `extra` ((name, data) pairs)
    added, replacing entries of the same name: how cluster/launch gives a
    node its boot files (docs/cluster.md)."""
    entries = read_image(blob)
    names = {name for name, _ in extra}
    first = min((off for _, off, _ in entries), default=len(blob))
    count = len(entries) + len(extra)
    if names & {name for name, _, _ in entries} or HEADER.size + ENTRY.size * count > first:
        files = [(name, blob[off:off + size]) for name, off, size in entries
                 if name not in names]
        return build_image(files + list(extra))
    # Room in the table: add the entries there and the data at the end,
    # without moving the programs (one copy of the image, no rebuild).
    for name, _ in extra:
        check_name(name)
    if len(names) != len(extra):
        raise ImageError("duplicate name in %r" % sorted(names))
    table, tail, end = b"", [], _align(len(blob))
    for name, data in extra:
        table += ENTRY.pack(name.encode("ascii"), end, len(data))
        tail.append(b"\0" * (end - len(blob) - sum(map(len, tail))) + data)
        end = _align(end + len(data))
    head = HEADER.pack(MAGIC, count, 0) + blob[HEADER.size:HEADER.size + ENTRY.size * len(entries)]
    return b"".join([head, table, blob[len(head) + len(table):]] + tail)


def list_programs(path):
    """Names of the programs in the image file at path."""
    with open(path, "rb") as f:
        return [name for name, _, _ in read_image(f.read())]


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Pack files into a Tessera boot image (TSIMG1), or list one.",
        epilog="example: mkinitrd.py -o initrd.img init=build/user/init test_boot=build/tests/test_boot")
    ap.add_argument("-o", "--output", help="image file to write")
    ap.add_argument("-l", "--list", metavar="IMAGE", help="list the entries of IMAGE and exit")
    ap.add_argument("files", nargs="*", metavar="NAME=PATH",
                    help="a file to pack under NAME (1..31 characters of [A-Za-z0-9_.-])")
    args = ap.parse_args(argv)
    try:
        if args.list:
            with open(args.list, "rb") as f:
                for name, off, size in read_image(f.read()):
                    print("%-31s %10d %10d" % (name, off, size))
            return 0
        if not args.output:
            ap.error("-o OUTPUT is required")
        files = []
        for spec in args.files:
            name, sep, path = spec.partition("=")
            if not sep or not path:
                raise ImageError("expected NAME=PATH, got %r" % spec)
            check_name(name)
            with open(path, "rb") as f:
                files.append((name, f.read()))
        blob = build_image(files)
    except (ImageError, OSError) as e:
        print("mkinitrd: %s" % e, file=sys.stderr)
        return 1
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(blob)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
