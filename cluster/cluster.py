"""How a Tessera cluster is laid out on this host, and how to drive it.

One module knows the layout; cluster/launch, cluster/ctl and the cluster
tests all use it (docs/cluster.md).  Usage:

    import cluster
    c = cluster.Cluster("default")           # <run root>/default
    c.create(nodes=3, build_dir="build")      # switch, key, cables, nodes
    c.wait_up(60); c.wait_formed(60)
    status, out = c.exec(2, "services; peers", timeout=30)
    c.partition([[1, 2], [3]]); c.heal()
    c.kill(3); c.restart(3)
    c.shutdown()                              # every process, by PID

Layout of a run directory (all sockets are UNIX sockets in it):
    cluster.json          the state: nodes, disks, PIDs, cable settings
    key                   the cluster key, hex (mode 0600)
    switch/, switch.mgmt  the private vde_switch and its management socket
    node-K.log            node K's serial log (everything it wrote)
    node-K.serial         node K's serial line (one client at a time)
    node-K.qmp            node K's QMP socket
    node-K.net            node K's cable: QEMU's NIC <-> wirefilter (ptp)
    node-K.wire           node K's wirefilter management socket
    boot-DIGEST.initrd    a boot image with boot files (boot.key), shared by
                          the nodes that have the same ones
    group-G/              a partition's switch (partition / heal)
Node K is 10.77.0.K/16 with MAC 52:54:00:77:00:KK (K as a hex byte); its
boot arguments carry node=K nodes=N, the key goes as boot file boot.key.
"""

import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import qemu  # noqa: E402

NODES_MAX = 16
KEY_BYTES = 32
PEER_EVENT = re.compile(r"netproxy: peer ([0-9]+) (up|down|refused)\b(.*)$")
# netproxy's peer lines reach the console at any time: not a command's output
PEER_LINE = re.compile(r"^(\[netproxy:[0-9]+\] )?netproxy: peer [0-9]+ (up|down|refused)\b")
NODE_UP = re.compile(r"init: Tessera node up\b")
PROMPT = re.compile(r"^tessera:[^\n]*?\$ ")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class ClusterError(RuntimeError):
    """A request the cluster cannot carry out; the message says why."""


def run_root():
    """Where run directories live: $TESSERA_RUN_DIR, else /tmp/tessera-UID
    (short, so that socket paths stay under the 107-byte limit)."""
    return os.environ.get("TESSERA_RUN_DIR") or "/tmp/tessera-%d" % os.getuid()


def test_run_root(build_dir):
    """The run root for the tests of one build: two worktrees' test suites
    running at once do not meet in one cluster name."""
    digest = hashlib.sha256(os.path.abspath(build_dir).encode()).hexdigest()[:8]
    return os.path.join(run_root(), "t" + digest)


def node_mac(k):
    return "52:54:00:77:00:%02x" % k


def node_ip(k):
    return "10.77.0.%d" % k


def pid_alive(pid, marker):
    """Is `pid` running with `marker` (our run directory) in its command line?"""
    if not pid:
        return False
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return marker.encode() in f.read()
    except OSError:
        return False


def kill_pid(pid, marker, sig=signal.SIGKILL):
    """Kill `pid` if it is one of ours (pid_alive); True if it was."""
    if not pid_alive(pid, marker):
        return False
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    for _ in range(100):
        if not pid_alive(pid, marker):
            break
        time.sleep(0.02)
    return True


def read_pidfile(path, wait=3.0):
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            with open(path) as f:
                text = f.read().strip()
            if text:
                return int(text)
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    raise ClusterError("no PID in %s" % path)


def peer_states(log_text):
    """{J: (state, detail)} from netproxy's lines in one node's log: the
    last event per peer wins, except that `refused` right after `up` (no
    `down` between) leaves J up: netproxy refused a connection that claimed
    to be J (an intruder) while J's own link stayed up; the detail then
    says "(up; refused a connection as J (REASON))"."""
    out = {}
    for line in log_text.splitlines():
        m = PEER_EVENT.search(line)
        if not m:
            continue
        j, state, detail = int(m.group(1)), m.group(2), m.group(3).strip()
        if state == "refused" and out.get(j, ("",))[0] == "up":
            state, detail = "up", "(up; refused a connection as %d %s)" % (j, detail)
        out[j] = (state, detail)
    return out


def is_formed(views):
    """views = {K: {J: (state, detail)}} for every node K of the cluster:
    formed when every node has J up for every other node J."""
    nodes = set(views)
    return len(nodes) > 0 and all(
        all(views[k].get(j, ("",))[0] == "up" for j in nodes - {k}) for k in nodes)


class Cluster:
    def __init__(self, name="default", root=None):
        if not re.match(r"^[A-Za-z0-9_.-]{1,32}$", name):
            raise ClusterError("bad cluster name %r (1-32 of [A-Za-z0-9_.-])" % name)
        self.name = name
        self.dir = os.path.join(root or run_root(), name)
        self.state = {}

    # -- layout ------------------------------------------------------------
    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def node_path(self, k, kind):
        return self.path("node-%d.%s" % (k, kind))

    def load(self):
        try:
            with open(self.path("cluster.json")) as f:
                self.state = json.load(f)
        except FileNotFoundError:
            raise ClusterError("no cluster %r (no %s)" % (self.name, self.dir)) from None
        return self.state

    def save(self):
        tmp = self.path("cluster.json.tmp")
        with open(tmp, "w") as f:
            json.dump(self.state, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path("cluster.json"))

    def nodes(self):
        return sorted(int(k) for k in self.state.get("nodes", {}))

    def node(self, k):
        n = self.state.get("nodes", {}).get(str(k))
        if n is None:
            raise ClusterError("no node %d in cluster %r (nodes: %s)"
                               % (k, self.name, self.nodes()))
        return n

    def alive(self, pid):
        return pid_alive(pid, self.dir)

    def running(self):
        """PIDs of this cluster's processes that still run."""
        pids = [self.state.get("switch_pid")]
        for sw in self.state.get("switches", {}).values():
            pids += [sw.get("pid"), sw.get("cable_pid")]
        pids += [g.get("pid") for g in self.state.get("groups", {}).values()]
        for n in self.state.get("nodes", {}).values():
            pids += [n.get("pid"), n.get("wire_pid")]
        pids.append(self.state.get("capture_pid"))
        return [p for p in pids if self.alive(p)]

    # -- creation ----------------------------------------------------------
    def create(self, nodes, build_dir, key_file=None, smp=1, mem="256M", disks=None,
               hub=False, boot_files=None, size=None, switches=1, loss=None):
        """Make the run directory and the switch; boot nodes 1..nodes.
        disks = {K: [image, ...]}; boot_files = {K: {name: bytes}}.
        size: the node numbers every node knows (boot argument nodes=,
        default nodes): room for `add`.  switches: the nodes split in
        blocks over that many switches, switch 1 joined to each other one
        by a cable process (dpipe vde_plug = vde_plug), as hosts would be.
        loss: percent lost on every node's cable from the start."""
        size = size or nodes
        if not 1 <= nodes <= size <= NODES_MAX:
            raise ClusterError("nodes must be 1..%d (and at most size)" % NODES_MAX)
        if not 1 <= switches <= nodes:
            raise ClusterError("switches must be 1..nodes")
        if os.path.isdir(self.dir):
            try:
                self.load()
            except (ClusterError, ValueError):
                self.state = {}
            if self.running():
                raise ClusterError("cluster %r is running (%s): cluster/ctl --name %s "
                                   "status, or end its launch first"
                                   % (self.name, self.dir, self.name))
            shutil.rmtree(self.dir)
        os.makedirs(self.dir, mode=0o700)
        key = self._key(key_file)
        kernel = os.path.join(build_dir, "guest", "kernel", "tessera.elf")
        initrd = os.path.join(build_dir, "guest", "initrd.img")
        self.state = {"name": self.name, "kernel": kernel, "initrd": initrd, "key": key,
                      "smp": smp, "mem": mem, "nodes_at_start": size, "nodes": {},
                      "groups": {}, "switches": {}, "hub": hub, "created": time.time()}
        self.save()
        self._start_switch(hub)
        for i in range(2, switches + 1):
            self._start_host_switch(i, hub)
        for k in range(1, nodes + 1):
            self.add_node(k, disks=(disks or {}).get(k, []),
                          boot_files=(boot_files or {}).get(k),
                          switch=(k - 1) * switches // nodes + 1, loss=loss)

    def _key(self, key_file):
        """The cluster key as hex: from key_file, or random; written to
        <dir>/key with mode 0600."""
        if key_file:
            with open(key_file) as f:
                key = f.read().strip()
            if not re.match(r"^[0-9a-fA-F]{32,128}$", key):
                raise ClusterError("%s: want 32-128 hex digits" % key_file)
        else:
            key = secrets.token_hex(KEY_BYTES)
        fd = os.open(self.path("key"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key + "\n")
        return key.lower()

    def _spawn(self, argv, out, session=True):
        with open(self.path(out), "ab") as log:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=session)

    def _vde_switch(self, sw, hub=False):
        """Start the vde_switch with control directory sw (management
        socket sw.mgmt); its PID."""
        argv = ["vde_switch", "-s", sw, "-M", sw + ".mgmt", "-d", "-p", sw + ".pid"]
        r = subprocess.run(argv + (["-x"] if hub else []), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode:
            raise ClusterError("vde_switch %s: %s" % (sw, r.stdout.strip()))
        return read_pidfile(sw + ".pid")

    def _start_switch(self, hub):
        self.state["switch_pid"] = self._vde_switch(self.path("switch"), hub)
        self.save()

    def switch_path(self, i):
        """Switch i's control directory: 1 is the main switch."""
        return self.path("switch") if i == 1 else self.path("switch-%d" % i)

    def _start_host_switch(self, i, hub):
        """Switch i (2..), standing for another host, and the cable process
        that joins it to switch 1: dpipe vde_plug SWITCH1 = vde_plug SWITCHi
        (between real hosts: ... = ssh HOST vde_plug SWITCHi)."""
        sw = self.switch_path(i)
        entry = {"pid": self._vde_switch(sw, hub)}
        self.state["switches"][str(i)] = entry
        self.save()
        argv = ["dpipe", "vde_plug", self.switch_path(1), "=", "vde_plug", sw]
        # dpipe makes a process group of its own (it fails in a new session)
        entry["cable_pid"] = self._spawn(argv, "switch-%d.cable.out" % i, session=False).pid
        self.save()

    def _start_wire(self, k, switch_dir):
        """node K's cable: a wirefilter between switch_dir and node-K.net
        (ptp), with the node's loss and delay."""
        n = self.node(k)
        kill_pid(n.get("wire_pid"), self.dir)
        for kind in ("wire", "wire.pid"):
            try:
                os.unlink(self.node_path(k, kind))
            except FileNotFoundError:
                pass
        argv = ["wirefilter", "-v", "%s:ptp://%s" % (switch_dir, self.node_path(k, "net")),
                "-M", self.node_path(k, "wire"), "--daemon",
                "--pidfile", self.node_path(k, "wire.pid")]
        if n.get("loss"):
            argv += ["-l", str(n["loss"])]
        if n.get("delay"):
            argv += ["-d", str(n["delay"])]
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode:
            raise ClusterError("wirefilter for node %d: %s" % (k, r.stdout.strip()))
        n["wire_pid"] = read_pidfile(self.node_path(k, "wire.pid"))
        n["switch"] = switch_dir
        self.save()

    def add_node(self, k=None, disks=(), key_file=None, boot_files=None, switch=1, loss=None):
        """Boot node k (default: the next number) on switch `switch` (1:
        the main one); returns k.  key_file: another key for this node (to
        be refused); loss: percent lost on its cable."""
        if k is None:
            k = max(self.nodes(), default=0) + 1
        if not 1 <= k <= NODES_MAX:
            raise ClusterError("node numbers are 1..%d" % NODES_MAX)
        if str(k) in self.state["nodes"]:
            raise ClusterError("node %d exists" % k)
        key = self.state["key"]
        if key_file:
            with open(key_file) as f:
                key = f.read().strip().lower()
        self.state["nodes"][str(k)] = {"disks": [os.path.abspath(d) for d in disks],
                                        "key": key, "boot_files": {},
                                        "home": self.switch_path(switch)}
        if loss:
            self.state["nodes"][str(k)]["loss"] = loss
        if boot_files:
            self.state["nodes"][str(k)]["boot_files"] = {
                n: b.decode("latin-1") for n, b in boot_files.items()}
        self.save()
        self._start_wire(k, self.switch_path(switch))
        self.start(k)
        return k

    def start(self, k):
        """Boot node k (again): same disks, same key, its log appended."""
        n = self.node(k)
        if self.alive(n.get("pid")):
            raise ClusterError("node %d is running (pid %d)" % (k, n["pid"]))
        files = {"boot.key": n["key"].encode()}
        files.update({name: b.encode("latin-1") for name, b in n["boot_files"].items()})
        initrd = self.boot_image(files)
        n["initrd"] = initrd
        nodes = max(self.nodes() + [self.state["nodes_at_start"]])
        for kind in ("pid", "serial", "qmp"):
            try:
                os.unlink(self.node_path(k, kind))
            except FileNotFoundError:
                pass
        argv = qemu.qemu_argv(self.state["kernel"], initrd, smp=self.state["smp"],
                              mem=self.state["mem"],
                              bootargs=qemu.bootargs("init", (), "node=%d nodes=%d" % (k, nodes)),
                              disks=n["disks"], nic=(node_mac(k), self.node_path(k, "net")),
                              serial_socket=self.node_path(k, "serial"),
                              serial_log=self.node_path(k, "log"),
                              qmp_socket=self.node_path(k, "qmp"),
                              pidfile=self.node_path(k, "pid"))
        with open(self.node_path(k, "log"), "ab") as f:
            f.write(b"\n== boot %s ==\n" % time.strftime("%H:%M:%S").encode())
        n["log_from"] = os.path.getsize(self.node_path(k, "log"))
        proc = self._spawn(argv, "node-%d.qemu.out" % k)
        n["pid"] = proc.pid
        n["started"] = time.time()
        self.save()
        return proc

    def boot_image(self, files):
        """The boot image with these boot files, shared by the nodes that
        have the same ones (boot-<digest>.initrd in the run directory)."""
        h = hashlib.sha256()
        for name in sorted(files):
            h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
        path = self.path("boot-%s.initrd" % h.hexdigest()[:16])
        if not os.path.exists(path):
            qemu.write_boot_image(path + ".tmp", self.state["initrd"], files)
            os.replace(path + ".tmp", path)
        return path

    # -- state of the nodes -----------------------------------------------
    def log(self, k, whole=False):
        """Node k's serial log since its last boot (whole: every boot)."""
        try:
            with open(self.node_path(k, "log"), "rb") as f:
                if not whole:
                    f.seek(self.node(k).get("log_from", 0))
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def up(self, k):
        """Node k runs and init said it is up."""
        return self.alive(self.node(k).get("pid")) and NODE_UP.search(self.log(k)) is not None

    def peers(self, k):
        return peer_states(self.log(k))

    def formed(self, nodes=None):
        """Every running node (of `nodes`, default all) sees every other
        one (is_formed)."""
        live = [k for k in (nodes or self.nodes()) if self.alive(self.node(k).get("pid"))]
        return is_formed({k: self.peers(k) for k in live})

    def wait(self, cond, timeout, what):
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                raise ClusterError("%s: not within %g s" % (what, timeout))
            time.sleep(0.1)

    # -- control -----------------------------------------------------------
    def kill(self, k):
        """Cut node k's power: QEMU killed hard (SIGKILL)."""
        if not kill_pid(self.node(k).get("pid"), self.dir):
            raise ClusterError("node %d is not running" % k)

    def restart(self, k):
        n = self.node(k)
        kill_pid(n.get("pid"), self.dir)
        return self.start(k)

    def wire_cmd(self, k, line):
        """Send one management command to node k's wirefilter; its answer."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(3)
        try:
            s.connect(self.node_path(k, "wire"))
            s.sendall(line.encode() + b"\n")
            time.sleep(0.1)
            try:
                return s.recv(4096).decode(errors="replace")
            except socket.timeout:
                return ""
        except OSError as e:
            raise ClusterError("node %d's wirefilter: %s" % (k, e)) from None
        finally:
            s.close()

    def degrade(self, k, loss=None, delay=None):
        """Loss (percent) and delay (ms) on node k's cable; kept over a
        partition, heal or restart of the cable."""
        n = self.node(k)
        if loss is not None:
            if not 0 <= loss <= 100:
                raise ClusterError("loss is 0..100 percent")
            n["loss"] = loss
            self.wire_cmd(k, "loss %g" % loss)
        if delay is not None:
            if not 0 <= delay <= 60000:
                raise ClusterError("delay is 0..60000 ms")
            n["delay"] = delay
            self.wire_cmd(k, "delay %g" % delay)
        self.save()

    def partition(self, groups):
        """Split the nodes into groups (lists of node numbers): the first
        group stays on the main switch, each other one gets a switch of its
        own; its nodes' cables are plugged into it.  Nodes named in no group
        keep the main switch."""
        seen = [k for g in groups for k in g]
        if len(seen) != len(set(seen)):
            raise ClusterError("a node is in two groups")
        for k in seen:
            self.node(k)
        self.heal()
        for i, g in enumerate(groups[1:], start=2):
            sw = self.path("group-%d" % i)
            self.state["groups"][str(i)] = {"pid": self._vde_switch(sw), "nodes": g}
            self.save()
            for k in g:
                self._start_wire(k, sw)

    def heal(self):
        """Every cable back on its own switch; the group switches end."""
        for k in self.nodes():
            home = self.home(k)
            if self.node(k).get("switch") != home:
                self._start_wire(k, home)
        for i, g in list(self.state["groups"].items()):
            kill_pid(g.get("pid"), self.dir)
            shutil.rmtree(self.path("group-%s" % i), ignore_errors=True)
            del self.state["groups"][i]
        self.save()

    def home(self, k):
        """The switch node k's cable belongs on when not partitioned."""
        return self.node(k).get("home", self.path("switch"))

    def start_capture(self, pcap):
        """Capture every frame on the main switch (a hub, see create) into
        pcap: a vde_plug from the switch to a ptp socket, read by
        cluster/capture.py."""
        net = self.path("capture.net")
        argv = [sys.executable, os.path.join(HERE, "capture.py"), "--dir", self.dir,
                "--switch", self.path("switch"), "--net", net, "--out", os.path.abspath(pcap)]
        proc = self._spawn(argv, "capture.out")
        self.state["capture_pid"] = proc.pid
        self.save()
        return proc

    # -- commands on a node ------------------------------------------------
    def exec(self, k, script, timeout=60):
        """Type script into node k's shell over its serial socket; returns
        (status, output).  The output leaves out the prompts, the echo of
        what was typed and netproxy's peer lines.  Needs the node's
        interactive shell (no other client on the serial socket)."""
        nonce = secrets.token_hex(4)
        # the whole line: the number may come in two reads
        end_re = re.compile(r"@@end-%s (-?[0-9]+)[ \t]*\n" % nonce)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + timeout
        try:
            s.connect(self.node_path(k, "serial"))
        except OSError as e:
            raise ClusterError("node %d's serial line: %s" % (k, e)) from None
        buf = b""

        def read_until(pattern):
            nonlocal buf
            while True:
                text = ANSI.sub("", buf.decode("utf-8", "replace")).replace("\r", "")
                m = pattern.search(text)
                if m:
                    return text, m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ClusterError("node %d: no answer within %g s" % (k, timeout))
                s.settimeout(left)
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    raise ClusterError("node %d: serial line closed (node down?)" % k)
                buf += chunk

        try:
            s.sendall(b"\n")
            read_until(re.compile(r"tessera:[^\n]*\$ $", re.M))
            buf = b""
            typed = [ln for ln in script.split("\n") if ln.strip()]
            typed.append("echo @@end-%s $?" % nonce)
            for ln in typed:
                s.sendall(ln.encode() + b"\n")
            text, m = read_until(end_re)
        finally:
            s.close()
        out = []
        for line in text[:m.start()].split("\n"):
            bare = PROMPT.sub("", line)
            if typed and bare == typed[0]:  # the shell's echo of a typed line
                typed.pop(0)
                continue
            if bare.strip() and not PEER_LINE.match(bare):
                out.append(line)
        return int(m.group(1)), "\n".join(out)

    def attach(self, k, detach=b"\x1d"):
        """Node k's serial line on this terminal until the detach key
        (Ctrl-]) or the node ends; the terminal is restored."""
        import select
        import termios
        import tty
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.node_path(k, "serial"))
        except OSError as e:
            raise ClusterError("node %d's serial line: %s" % (k, e)) from None
        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd) if os.isatty(fd) else None
        try:
            if saved is not None:
                tty.setraw(fd)
            s.sendall(b"\n")
            while True:
                r, _, _ = select.select([fd, s], [], [])
                if s in r:
                    data = s.recv(65536)
                    if not data:
                        return
                    os.write(sys.stdout.fileno(), data)
                if fd in r:
                    data = os.read(fd, 1024)
                    if not data or detach in data:
                        return
                    s.sendall(data)
        finally:
            if saved is not None:
                termios.tcsetattr(fd, termios.TCSADRAIN, saved)
            s.close()

    # -- the end -----------------------------------------------------------
    def shutdown(self):
        """End every process of the cluster by its PID (QEMU first), as
        the state file lists them now (cluster/ctl may have added some)."""
        try:
            self.load()
        except (ClusterError, ValueError):
            pass
        for n in self.state.get("nodes", {}).values():
            kill_pid(n.get("pid"), self.dir)
        kill_pid(self.state.get("capture_pid"), self.dir, signal.SIGTERM)
        for n in self.state.get("nodes", {}).values():
            kill_pid(n.get("wire_pid"), self.dir)
        for g in self.state.get("groups", {}).values():
            kill_pid(g.get("pid"), self.dir)
        for sw in self.state.get("switches", {}).values():
            # dpipe and its two vde_plugs: a process group of their own
            if pid_alive(sw.get("cable_pid"), self.dir):
                try:
                    os.killpg(sw["cable_pid"], signal.SIGKILL)
                except ProcessLookupError:
                    pass
            kill_pid(sw.get("cable_pid"), self.dir)
            kill_pid(sw.get("pid"), self.dir)
        kill_pid(self.state.get("switch_pid"), self.dir)
