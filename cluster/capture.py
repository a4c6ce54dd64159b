#!/usr/bin/env python3
"""Capture the frames of a cluster's switch into a pcap file.

Usage: capture.py --dir RUNDIR --switch SWITCHDIR --net SOCKET --out FILE

Starts `vde_plug SWITCHDIR ptp://SOCKET` (the switch must be a hub, as
cluster/launch --pcap makes it, so that this port sees every frame), reads
the frames as datagrams on SOCKET+ and writes them to FILE in the classic
pcap format (LINKTYPE_ETHERNET) that `tcpdump -r` and Wireshark read.
Ends on SIGTERM or when the plug ends; the plug is ended by its PID.
"""

import argparse
import os
import signal
import socket
import struct
import subprocess
import sys
import time

PCAP_HEADER = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
SNAPLEN = 65535


class Stop(Exception):
    pass


def _stop(signum, frame):
    raise Stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True, help="the run directory (for the logs)")
    ap.add_argument("--switch", required=True)
    ap.add_argument("--net", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    for p in (args.net, args.net + "+"):
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass
    plug = subprocess.Popen(["vde_plug", args.switch, "ptp://" + args.net],
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(100):  # the plug binds SOCKET first; we are its peer
            if os.path.exists(args.net):
                break
            time.sleep(0.02)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(args.net + "+")
        s.settimeout(0.5)
        with open(args.out, "wb") as out:
            out.write(PCAP_HEADER)
            out.flush()
            while plug.poll() is None:
                try:
                    frame = s.recv(SNAPLEN)
                except socket.timeout:
                    continue
                t = time.time()
                out.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(frame),
                                      len(frame)) + frame)
                out.flush()
    except Stop:
        pass
    finally:
        if plug.poll() is None:
            plug.kill()
        plug.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
