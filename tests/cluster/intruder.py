#!/usr/bin/env python3
"""A host-side intruder on a cluster's switch (issue 10, outside input).

It plugs into the switch with `vde_plug SWITCH ptp://SOCK` (no host address,
no tap) and sends, as MAC 52:54:00:77:00:63 / 10.77.0.99 (a number no node
has):
  - random frames (random bytes, random lengths 14..1514);
  - an ARP request for the target node (its reply proves we are heard);
  - TCP SYNs to the netproxy port 7700 of the target;
  - a TCP connection carrying random bytes;
  - a TCP connection carrying a well-formed netproxy HELLO that claims to
    be node `claim`, and, after the target's CHALLENGE, a RESPONSE with a
    made-up proof (the key is not known).
It reports what the target answered; it accepts nothing itself.

    python3 tests/cluster/intruder.py --switch RUNDIR/switch --node 4 [--claim 1]
"""

import argparse
import os
import random
import select
import socket
import struct
import subprocess
import time
import zlib

MAC = bytes.fromhex("525400770063")
IP = bytes([10, 77, 0, 99])
PORT = 7700
NPF_HELLO, NPF_CHALLENGE, NPF_RESPONSE = 1, 2, 3


def node_mac(k):
    return bytes.fromhex("5254007700%02x" % k)


def node_ip(k):
    return bytes([10, 77, 0, k])


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def np_frame(ftype, payload):
    """A netproxy frame: the 12-byte header (netproxy/frame.h), then payload."""
    hdr = b"TN" + bytes([1, ftype]) + struct.pack("<I", len(payload))
    return hdr + struct.pack("<I", zlib.crc32(hdr)) + payload


class Plug:
    """A vde_plug from the switch to a ptp datagram socket we own."""

    def __init__(self, switch, sock_path):
        self.net = sock_path
        for p in (sock_path, sock_path + "+"):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
        self.proc = subprocess.Popen(["vde_plug", switch, "ptp://" + sock_path],
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        for _ in range(200):
            if os.path.exists(sock_path):
                break
            time.sleep(0.02)
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(sock_path + "+")
        self.s.setblocking(False)
        self.sent = 0
        self.pending = []

    def send(self, frame, timeout=5.0):
        """Send one frame.  vde_plug blocks on us while our receive queue
        is full (a hub sends us everything), so a full send queue drains
        ours first, keeping the last frames for recv."""
        end = time.monotonic() + timeout
        while True:
            try:
                self.s.sendto(frame, self.net)
                self.sent += 1
                return
            except (BlockingIOError, TimeoutError):
                if time.monotonic() > end:
                    raise
            while True:
                try:
                    self.pending.append(self.s.recv(65536))
                except (BlockingIOError, TimeoutError):
                    break
            del self.pending[:-4096]
            time.sleep(0.001)

    def recv(self, timeout):
        if self.pending:
            return self.pending.pop(0)
        if not select.select([self.s], [], [], max(timeout, 0))[0]:
            return None
        try:
            return self.s.recv(65536)
        except (BlockingIOError, TimeoutError):
            return None

    def close(self):
        self.s.close()
        self.proc.kill()
        self.proc.wait()
        for p in (self.net, self.net + "+"):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass


def arp(op, dst_mac, target_mac, target_ip):
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + MAC + IP + target_mac + target_ip
    return dst_mac + MAC + b"\x08\x06" + body


def tcp(dst, sport, seq, ack, flags, payload=b""):
    """An Ethernet/IPv4/TCP frame from us to node dst."""
    th = struct.pack("!HHIIBBHHH", sport, PORT, seq, ack, 5 << 4, flags, 8192, 0, 0)
    pseudo = IP + node_ip(dst) + struct.pack("!BBH", 0, 6, len(th) + len(payload))
    c = csum(pseudo + th + payload)
    th = th[:16] + struct.pack("!H", c) + th[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(th) + len(payload),
                     random.randrange(65536), 0x4000, 64, 6, 0, IP, node_ip(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return node_mac(dst) + MAC + b"\x08\x00" + ip + th + payload


class Intruder:
    def __init__(self, switch, sock_path, node, log=print):
        self.plug = Plug(switch, sock_path)
        self.node = node
        self.log = log
        self.seen = {"arp_reply": 0, "synack": 0, "rst": 0, "fin": 0, "data": b""}

    def handle(self, f):
        """Answer ARP for our address; return (flags, seq, ack, payload) of a
        TCP segment from the target to us, else None."""
        if len(f) < 14 or f[6:12] == MAC:
            return None
        etype = f[12:14]
        if etype == b"\x08\x06" and len(f) >= 42:
            op = struct.unpack("!H", f[20:22])[0]
            if op == 1 and f[38:42] == IP:
                self.plug.send(arp(2, f[6:12], f[22:28], f[28:32]))
            elif op == 2 and f[28:32] == node_ip(self.node) and f[38:42] == IP:
                self.seen["arp_reply"] += 1
            return None
        if etype != b"\x08\x00" or len(f) < 34 or f[23] != 6 or f[30:34] != IP:
            return None
        ihl = (f[14] & 15) * 4
        t = f[14 + ihl:]
        total = struct.unpack("!H", f[16:18])[0]
        sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", t[:14])
        payload = t[(off >> 4) * 4:total - ihl]
        return flags, seq, ack, payload, dport

    def wait_tcp(self, sport, want, timeout):
        """Segments to sport until one has a flag of `want` (or timeout):
        [(flags, seq, ack, payload)]."""
        end = time.monotonic() + timeout
        got = []
        while time.monotonic() < end:
            f = self.plug.recv(end - time.monotonic())
            if f is None:
                break
            seg = self.handle(f)
            if seg and seg[4] == sport:
                got.append(seg[:4])
                if seg[0] & want:
                    break
        return got

    def random_frames(self, n, rng):
        for _ in range(n):
            kind = rng.randrange(4)
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 1500)))
            if kind == 0:    # anything at all
                f = bytes(rng.randrange(256) for _ in range(14)) + body
            elif kind == 1:  # broadcast, random type
                f = b"\xff" * 6 + MAC + bytes(rng.randrange(256) for _ in range(2)) + body
            elif kind == 2:  # to a node, IPv4 with a random header
                f = node_mac(rng.randrange(1, 17)) + MAC + b"\x08\x00" + body
            else:            # to a node, ARP garbage
                f = node_mac(rng.randrange(1, 17)) + MAC + b"\x08\x06" + body[:60]
            self.plug.send(f)
            if rng.randrange(20) == 0:
                time.sleep(0.01)

    def arp_probe(self, tries=5):
        """ARP request for the target, again each second (the node may
        drop one while its receive ring is full of our random frames)."""
        for _ in range(tries):
            self.plug.send(arp(1, b"\xff" * 6, b"\0" * 6, node_ip(self.node)))
            end = time.monotonic() + 1
            while time.monotonic() < end and not self.seen["arp_reply"]:
                f = self.plug.recv(end - time.monotonic())
                if f is not None:
                    self.handle(f)
            if self.seen["arp_reply"]:
                return True
        return False

    def connect(self, sport):
        """SYN to the target's netproxy port; (seq, their seq) or None."""
        seq = random.randrange(1 << 32)
        for _ in range(3):  # a SYN again, as TCP would
            self.plug.send(tcp(self.node, sport, seq, 0, 0x02))
            for flags, rseq, rack, _ in self.wait_tcp(sport, 0x12 | 0x04, 2):
                if flags & 0x04:
                    self.seen["rst"] += 1
                    return None
                if flags & 0x12 == 0x12:
                    self.seen["synack"] += 1
                    return (seq + 1) & 0xffffffff, (rseq + 1) & 0xffffffff
        return None

    def send_data(self, sport, st, data, wait_for):
        """Send data on connection st = [our seq, their next seq]; collect
        the answer until a segment with flags wait_for; returns its bytes."""
        self.plug.send(tcp(self.node, sport, st[0], st[1], 0x18, data))
        st[0] = (st[0] + len(data)) & 0xffffffff
        got = b""
        for flags, rseq, rack, payload in self.wait_tcp(sport, wait_for, 4):
            if payload:
                got += payload
                st[1] = (rseq + len(payload)) & 0xffffffff
                self.plug.send(tcp(self.node, sport, st[0], st[1], 0x10))
            if flags & 0x04:
                self.seen["rst"] += 1
            if flags & 0x01:
                self.seen["fin"] += 1
        self.seen["data"] += got
        return got

    def fake_handshake(self, sport, claim, nodes):
        """HELLO claiming to be node `claim`, then a made-up RESPONSE.
        Returns (challenge received, connection ended by the target)."""
        c = self.connect(sport)
        if c is None:
            return False, True
        st = list(c)
        hello = struct.pack("<HHHH", 1, claim, self.node, nodes) + os.urandom(32)
        ans = self.send_data(sport, st, np_frame(NPF_HELLO, hello), 0x08)
        chal = len(ans) >= 12 and ans[:4] == b"TN\x01" + bytes([NPF_CHALLENGE])
        before = self.seen["rst"] + self.seen["fin"]
        self.send_data(sport, st, np_frame(NPF_RESPONSE, os.urandom(32)), 0x05)
        return chal, self.seen["rst"] + self.seen["fin"] > before

    def garbage_connection(self, sport, rng):
        c = self.connect(sport)
        if c is None:
            return True
        before = self.seen["rst"] + self.seen["fin"]
        self.send_data(sport, list(c), bytes(rng.randrange(256) for _ in range(300)), 0x05)
        return self.seen["rst"] + self.seen["fin"] > before

    def close(self):
        self.plug.close()


def attack(switch, sock_path, node, claim, nodes, frames=1000, seed=1, log=print):
    """Everything above against node `node`; a dict of what happened."""
    rng = random.Random(seed)
    it = Intruder(switch, sock_path, node, log)
    try:
        out = {}
        it.random_frames(frames, rng)
        out["arp_reply"] = it.arp_probe()
        out["syn_answered"] = it.connect(41000) is not None
        out["garbage_dropped"] = it.garbage_connection(41001, rng)
        out["challenge"], out["fake_dropped"] = it.fake_handshake(41002, claim, nodes)
        it.random_frames(frames, rng)
        out["frames_sent"] = it.plug.sent
        out["seen"] = dict(it.seen, data=len(it.seen["data"]))
        log("intruder: %s" % out)
        return out
    finally:
        it.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--switch", required=True, help="the switch's control directory")
    ap.add_argument("--sock", default=None, help="our ptp socket (default SWITCH/../intruder.net)")
    ap.add_argument("--node", type=int, default=2, help="the node to attack")
    ap.add_argument("--claim", type=int, default=1, help="the node the fake HELLO claims to be")
    ap.add_argument("--nodes", type=int, default=4, help="nodes= in the fake HELLO")
    ap.add_argument("--frames", type=int, default=1000)
    a = ap.parse_args()
    sock = a.sock or os.path.join(os.path.dirname(os.path.abspath(a.switch)), "intruder.net")
    attack(a.switch, sock, a.node, a.claim, a.nodes, a.frames)


if __name__ == "__main__":
    main()
