"""The one place that builds QEMU command lines for Tessera nodes.

Every launcher (cluster/launch, tests/node/run_node_test.py, ci/bench and
later the multi-node cluster scripts) calls qemu_argv(); nobody else spells
QEMU flags.  Usage:

    import qemu
    argv = qemu.qemu_argv("build/guest/kernel/tessera.elf",
                          "build/guest/initrd.img",
                          smp=2, bootargs=qemu.bootargs("test_boot", ["4"]))
    subprocess.run(argv)

The guest ends QEMU through the sifive_test finisher, so QEMU's exit status
is the guest's (0 = pass).  The serial console is on stdio.

Later issues add disks, NICs on a vde2 switch and a GPU: each becomes one
more keyword argument that appends its own -device group through a small
helper here (see _device_args), so callers never build raw flags.
"""

import os
import re
import shlex
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))
import mkinitrd  # noqa: E402

QEMU = "qemu-system-riscv64"
OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
SMP_MIN, SMP_MAX = 1, 8
GDB_PORT = 1234

_MEM_RE = re.compile(r"^[1-9][0-9]*[MG]$")


class QemuConfigError(ValueError):
    """A node configuration that QEMU would refuse or that Tessera does not support."""


def check_smp(smp):
    """Return smp as an int in SMP_MIN..SMP_MAX or raise QemuConfigError."""
    if isinstance(smp, bool) or not re.match(r"^[0-9]+$", str(smp).strip()):
        raise QemuConfigError("smp must be an integer, got %r" % (smp,))
    n = int(str(smp).strip())
    if not SMP_MIN <= n <= SMP_MAX:
        raise QemuConfigError("smp must be %d..%d, got %d" % (SMP_MIN, SMP_MAX, n))
    return n


def check_mem(mem):
    """Return mem normalised ("256M", "1G") or raise QemuConfigError.

    Accepts a positive integer followed by M or G (lower case too); the size
    must be at least 64M (the kernel, OpenSBI and the boot image need room)
    and at most 16G.
    """
    m = str(mem).strip().upper()
    if not _MEM_RE.match(m):
        raise QemuConfigError("mem must look like 256M or 1G, got %r" % (mem,))
    mib = int(m[:-1]) * (1024 if m.endswith("G") else 1)
    if not 64 <= mib <= 16384:
        raise QemuConfigError("mem must be 64M..16G, got %s" % m)
    return m


def bootargs(init=None, args=(), extra=""):
    """Compose the kernel command line: "init=<prog> [extra] -- <args>".

    args is a string (passed as is) or a list of words.  Returns "" when
    there is nothing to pass, so the kernel's default (init) applies.
    """
    parts = []
    if init:
        if not re.match(r"^[A-Za-z0-9_.-]{1,31}$", init):
            raise QemuConfigError("bad program name %r" % (init,))
        parts.append("init=" + init)
    if extra:
        parts.append(extra)
    if isinstance(args, str):
        args = args.strip()
        if args:
            parts += ["--", args]
    elif args:
        parts += ["--"] + [str(a) for a in args]
    return " ".join(parts)


BOOTARGS_MAX = 4095  # kernel/include/kernel/fdt.h FDT_BOOTARGS_MAX - 1
_BOOT_FILE_RE = re.compile(r"^boot\.[A-Za-z0-9_.-]{1,26}$")


def write_boot_image(path, initrd, files):
    """Write to path the boot image `initrd` with boot files {name: bytes}
    added (names "boot.*", at most 31 bytes): the node's initrd for
    qemu_argv.  The guest reads them with the boot_read system call
    (user/bootfile.h; docs/cluster.md, "Boot files")."""
    for name in files:
        if not _BOOT_FILE_RE.match(name):
            raise QemuConfigError("bad boot file name %r (want boot.NAME)" % (name,))
    with open(initrd, "rb") as f:
        blob = f.read()
    try:
        blob = mkinitrd.with_files(blob, sorted(files.items()))
    except mkinitrd.ImageError as e:
        raise QemuConfigError("boot image %s: %s" % (initrd, e)) from None
    with open(path, "wb") as f:
        f.write(blob)


def _nic_args(nic):
    """A virtio-net-pci NIC on a unix datagram socket pair (QEMU dgram
    netdev): nic = (mac, path).  The frames go to `path`, which a
    wirefilter or vde_plug opened as ptp://path (it sends back to
    path + "+"): a cable to the cluster's vde_switch, never the host's
    network."""
    mac, path = nic
    if not re.match(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$", mac):
        raise QemuConfigError("bad MAC %r" % (mac,))
    if "," in path:
        raise QemuConfigError("socket path must not contain ',': %s" % path)
    return ["-netdev", "dgram,id=net0,local.type=unix,local.path=%s+,remote.type=unix,"
                       "remote.path=%s" % (path, path),
            "-device", "virtio-net-pci,netdev=net0,mac=%s,romfile=" % mac]


def _device_args(disks=(), gpu=False, nic=None):
    """Devices of a node: a virtio-blk-pci per disk image (blk0, blk1, ... in
    order: the PCI server numbers them by slot), with gpu a virtio-gpu-pci
    plus a virtio-keyboard-pci, with nic a NIC on the cluster's switch
    (_nic_args; never user/tap/multicast networking)."""
    argv = _nic_args(nic) if nic else ["-nic", "none"]
    for i, path in enumerate(disks):
        if not os.path.isfile(path):
            raise FileNotFoundError("no such disk image: %s" % path)
        if "," in path:
            raise QemuConfigError("disk image path must not contain ',': %s" % path)
        argv += ["-drive", "if=none,id=disk%d,format=raw,file=%s" % (i, path),
                 "-device", "virtio-blk-pci,drive=disk%d" % i]
    if gpu:
        argv += ["-device", "virtio-gpu-pci", "-device", "virtio-keyboard-pci"]
    return argv


def qemu_argv(kernel, initrd, smp=1, mem="256M", bootargs="", gdb=False,
              icount=False, qmp_socket=None, extra=(), disks=(), gpu=False, display=None,
              nic=None, serial_socket=None, serial_log=None, pidfile=None):
    """Return the argv list that boots one Tessera node.

    kernel, initrd: paths to tessera.elf and initrd.img (must exist).
    initrd: the boot image, or one from write_boot_image() with boot files.
    smp: harts 1..8.  mem: "256M"-style size.  bootargs: kernel command line.
    gdb: stop at reset and wait for gdb on tcp::1234 (-s -S).
    icount: deterministic instruction counting for benchmarks.
    qmp_socket: path of a UNIX socket for QMP control (server, no wait).
    extra: further QEMU arguments appended verbatim (for experiments).
    disks: raw disk images, attached in order (the node sees blk0, blk1...).
    gpu: add a virtio GPU and keyboard (the console=gpu node).
    display: None = no window (-nographic: serial on stdio); else a QEMU
    -display value ("gtk", "sdl", "vnc=:1", "none") with the serial still
    on stdio.
    nic: (mac, socket path): a NIC on the cluster's switch (_nic_args).
    serial_socket: the serial line on this UNIX socket (a server that one
    client at a time attaches to) instead of stdio; serial_log: a file that
    gets everything the node writes on it.  pidfile: QEMU writes its PID.
    Raises QemuConfigError on a bad value, FileNotFoundError on a missing file.
    """
    smp = check_smp(smp)
    mem = check_mem(mem)
    for path in (kernel, initrd):
        if not os.path.isfile(path):
            raise FileNotFoundError("no such file: %s" % path)
    if any(c in bootargs for c in "\n\r\0"):
        raise QemuConfigError("bootargs must be one line")
    if len(bootargs.encode()) > BOOTARGS_MAX:
        raise QemuConfigError("bootargs over %d bytes (the kernel refuses them); pass "
                              "large data as a boot file" % BOOTARGS_MAX)
    argv = [QEMU,
            "-machine", "virt",
            "-cpu", "rv64",
            "-bios", OPENSBI,
            "-kernel", kernel,
            "-initrd", initrd,
            "-smp", str(smp),
            "-m", mem,
            "-no-reboot"]
    if serial_socket:
        for path in (serial_socket, serial_log or ""):
            if "," in path:
                raise QemuConfigError("path must not contain ',': %s" % path)
        log = ",logfile=%s,logappend=on" % serial_log if serial_log else ""
        argv += ["-display", display or "none", "-monitor", "none",
                 "-chardev", "socket,id=ser0,path=%s,server=on,wait=off%s" % (serial_socket, log),
                 "-serial", "chardev:ser0"]
    elif display is None:
        argv += ["-nographic"]
    else:
        argv += ["-display", display, "-serial", "mon:stdio"]
    if bootargs:
        argv += ["-append", bootargs]
    argv += _device_args(disks, gpu, nic)
    if pidfile:
        argv += ["-pidfile", pidfile]
    if icount:
        argv += ["-icount", "shift=0,sleep=off"]
    if gdb:
        argv += ["-s", "-S"]
    if qmp_socket:
        argv += ["-qmp", "unix:%s,server=on,wait=off" % qmp_socket]
    argv += list(extra)
    return argv


def format_argv(argv):
    """argv as one shell-quoted line, for logs and for copy-paste."""
    return " ".join(shlex.quote(a) for a in argv)


def gdb_hint(kernel):
    """The command that attaches gdb to a node started with gdb=True."""
    return "gdb-multiarch %s -ex 'target remote :%d'" % (shlex.quote(kernel), GDB_PORT)
