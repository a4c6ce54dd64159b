#!/usr/bin/env python3
"""Disk images of the node test node_blk (tests/node/test_blk.c).

  blk_image.py make <image> <bytes>   fill with pattern B
  blk_image.py check <rw image> <ro image>
      the read-write image must hold B, with pattern W at [51200, 63488) and
      pattern C of client k at [256K + k*64K, +64K) for k in 0..7; the
      read-only image only B.  Exit 1 naming the first differing byte.
The patterns are the guest's (pat_b, pat_w, pat_c in test_blk.c).
"""
import sys

W_OFF, W_LEN = 51200, 12288
C_OFF, C_LEN, CLIENTS = 256 << 10, 64 << 10, 8


def pat_b(o):
    return ((o // 512) * 31 + (o % 512) * 7 + 1) & 0xff


def pat_w(o):
    return ((o // 512) * 13 + (o % 512) * 5 + 0x3c) & 0xff


def pat_c(k, o):
    return (k * 41 + (o // 512) * 3 + (o % 512) * 11 + 0x99) & 0xff


def expected(size, written):
    b = bytearray(pat_b(o) for o in range(size))
    if written:
        for o in range(W_OFF, W_OFF + W_LEN):
            b[o] = pat_w(o)
        for k in range(CLIENTS):
            for o in range(C_OFF + k * C_LEN, C_OFF + (k + 1) * C_LEN):
                b[o] = pat_c(k, o)
    return bytes(b)


def compare(path, want):
    with open(path, 'rb') as f:
        got = f.read()
    if len(got) != len(want):
        print(f'{path}: {len(got)} bytes, want {len(want)}')
        return False
    for o in range(len(want)):
        if got[o] != want[o]:
            print(f'{path}: byte 0x{o:x} is 0x{got[o]:02x}, want 0x{want[o]:02x}')
            return False
    print(f'{path}: {len(got)} bytes as expected')
    return True


def main():
    if len(sys.argv) == 4 and sys.argv[1] == 'make':
        with open(sys.argv[2], 'wb') as f:
            f.write(expected(int(sys.argv[3]), False))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == 'check':
        ok = compare(sys.argv[2], expected(1 << 20, True))
        ok = compare(sys.argv[3], expected(64 << 10, False)) and ok
        return 0 if ok else 1
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main())
