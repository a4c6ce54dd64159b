#!/usr/bin/env python3
"""Run one cluster test (cmake/TesseraClusterTest.cmake).

Usage: run_cluster_test.py --build-dir DIR --name NAME --nodes N --script F
                           --timeout S --log-dir DIR [--pcap]
Boots the cluster NAME (cluster/cluster.py), waits for every node to be up
and, when netproxy is in the boot image, for the cluster to form; then
calls run(c, ctx) of the script.  Whatever happens, every process of the
cluster is ended by PID (and the test fails if one is left), the node logs
are copied to --log-dir, and a hard deadline (SIGALRM) bounds the run.
"""

import argparse
import importlib.util
import os
import shutil
import signal
import sys
import time
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "cluster"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the scripts' helpers
import cluster  # noqa: E402
import mkinitrd  # noqa: E402  (on the path through cluster/qemu.py)


class Deadline(Exception):
    pass


def _alarm(signum, frame):
    raise Deadline("the test's deadline passed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--script", required=True)
    ap.add_argument("--timeout", type=float, required=True)
    ap.add_argument("--log-dir", required=True)
    ap.add_argument("--pcap", action="store_true")
    args = ap.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGTERM, _alarm)
    signal.alarm(int(args.timeout))
    spec = importlib.util.spec_from_file_location("cluster_script", args.script)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    os.makedirs(args.log_dir, exist_ok=True)
    # this build's own run root, for cluster/ctl and launch run by the script too
    os.environ["TESSERA_RUN_DIR"] = cluster.test_run_root(args.build_dir)
    c = cluster.Cluster(args.name)
    ctx = types.SimpleNamespace(build_dir=os.path.abspath(args.build_dir), log_dir=args.log_dir,
                                pcap=os.path.join(args.log_dir, "switch.pcap") if args.pcap
                                else None, root=ROOT, netproxy=False)
    t0 = time.monotonic()
    failed = None
    try:
        # a script's CREATE: more cluster.Cluster.create arguments (size, switches, loss)
        c.create(args.nodes, ctx.build_dir, hub=args.pcap, **getattr(script, "CREATE", {}))
        if ctx.pcap:
            c.start_capture(ctx.pcap)
        c.wait(lambda: all(c.up(k) for k in c.nodes()), args.timeout, "every node up")
        print("up: %d nodes in %.1f s" % (args.nodes, time.monotonic() - t0))
        ctx.netproxy = "netproxy" in mkinitrd.list_programs(c.state["initrd"])
        if ctx.netproxy:
            c.wait(c.formed, args.timeout, "cluster formed")
            ctx.formed_s = time.monotonic() - t0
            print("formed in %.1f s" % ctx.formed_s)
        script.run(c, ctx)
    except (Exception, Deadline) as e:  # noqa: BLE001 - any error fails the test
        import traceback
        traceback.print_exc()
        failed = "%s: %s" % (type(e).__name__, e)
    finally:
        signal.alarm(0)
        c.shutdown()
        left = c.running()
        # also a process cluster.json lost track of (any command line naming the run directory)
        for pid in os.listdir("/proc"):
            if pid.isdigit() and int(pid) != os.getpid() and int(pid) not in left \
                    and cluster.pid_alive(int(pid), c.dir + "/"):
                left.append(int(pid))
        for f in os.listdir(c.dir) if os.path.isdir(c.dir) else ():
            if f.endswith((".log", ".out", ".json")):
                shutil.copy(os.path.join(c.dir, f), args.log_dir)
    if left:
        failed = (failed + "; " if failed else "") + "processes left: %s" % left
    if failed:
        print("FAIL %s: %s (logs: %s)" % (args.name, failed, args.log_dir))
        return 1
    print("PASS %s (%.1f s)" % (args.name, time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
