#!/usr/bin/env python3
"""Boot one Tessera node under QEMU and judge it: the ctest harness of node tests.

A test passes iff QEMU exits with status 0 (the guest wrote PASS to the
sifive_test finisher), every --expect regex appears in the serial log and no
line matches a --forbid regex (a kernel panic is always forbidden).  QEMU runs
in its own process group with a hard timeout.  The serial log is always
written to <log-dir>/<name>.log; on failure its tail is printed.

With --qmp-script FILE, QEMU also gets a QMP socket and FILE's function
run(node) runs in a thread while the serial log is read: it may wait for
serial text (node.wait_for), take screendumps and type keys (node.qmp, see
tests/node/qmp.py), keep artefacts next to the log (node.artefact) and end
QEMU when done (node.quit: QEMU exits 0), and type on the serial line
(node.serial_write).  It returns a list of failure
reasons (empty or None = fine); an exception is a failure too.

With --ttest SOURCE (a ttest program, tests/node/ttest.h), the runner's
summary must say exactly "<program>: N passed, 0 failed", N being the number
of tests in the table `tests[]` of SOURCE (entries not starting with '_'), or
--passes N when given: "0 passed" or a test the runner dropped fails.
The count is read from the source at each run, so adding a test to the
table needs no second edit; a test function left out of the table is
"defined but not used", which -Werror turns into a build failure.  When the
first program argument names a table entry, that test runs alone and prints
no summary; runs that must not exit 0 (--exit-status) print none either.

--stdin-text is typed on the serial line once the log matches --stdin-after
(the line the guest prints when it is ready to read), never after a fixed
delay.

Exit status: 0 pass, 1 fail.  QEMU or OpenSBI missing is a failure; with
TESSERA_ALLOW_SKIP=1 in the environment it is a skip (77) instead.
"""

import argparse
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "cluster"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # qmp.py, png.py
import qemu  # noqa: E402  (cluster/qemu.py builds every QEMU command line)

EXIT_PASS, EXIT_FAIL, EXIT_SKIP = 0, 1, 77
PANIC_RE = r"(?i)\bpanic"
TAIL_LINES = 40
ALLOW_SKIP_ENV = "TESSERA_ALLOW_SKIP"  # =1: a missing QEMU is a skip, not a failure
TTEST_TABLE_RE = re.compile(r"struct\s+ttest\s+tests\s*\[\s*\]\s*=\s*\{(.*?)\n\s*\};", re.S)
TTEST_ENTRY_RE = re.compile(r'\{\s*"([^"]+)"\s*,\s*\w+\s*\}')


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Boot one Tessera node in QEMU and check its exit code and serial log.",
        epilog="exit status: 0 pass, 1 fail, 77 skip (QEMU/OpenSBI missing and %s=1). "
               "The kernel-panic pattern %r is always forbidden." % (ALLOW_SKIP_ENV, PANIC_RE))
    ap.add_argument("--kernel", required=True, help="kernel ELF (build/guest/kernel/tessera.elf)")
    ap.add_argument("--initrd", required=True, help="boot image (build/guest/initrd.img)")
    ap.add_argument("--name", required=True, help="test name; the log is <log-dir>/<name>.log")
    ap.add_argument("--smp", type=int, default=1, help="harts, 1..8 (default 1)")
    ap.add_argument("--mem", default="256M", help="guest RAM (default 256M)")
    ap.add_argument("--timeout", type=float, default=60,
                    help="seconds before QEMU is killed and the test fails (default 60)")
    ap.add_argument("--bootargs", default="",
                    help='kernel command line, e.g. "init=test_boot -- 4"')
    ap.add_argument("--expect", action="append", default=[], metavar="REGEX",
                    help="must appear in the serial log (repeatable)")
    ap.add_argument("--forbid", action="append", default=[], metavar="REGEX",
                    help="no serial line may match (repeatable)")
    ap.add_argument("--log-dir", default=".", help="where <name>.log goes (default .)")
    ap.add_argument("--exit-status", type=int, default=0, metavar="N",
                    help="QEMU exit status that means pass (default 0)")
    ap.add_argument("--allow-panic", action="store_true",
                    help="do not fail on kernel panic lines (tests of the panic path)")
    ap.add_argument("--stdin-text", default=None, metavar="TEXT",
                    help="write TEXT to QEMU's serial input once --stdin-after matched")
    ap.add_argument("--stdin-after", default=None, metavar="REGEX",
                    help="serial text the guest prints when ready for --stdin-text (required "
                         "with it)")
    ap.add_argument("--ttest", default=None, metavar="SOURCE",
                    help="C source of a ttest program: check its exact pass count (see above)")
    ap.add_argument("--passes", type=int, default=None, metavar="N",
                    help="with --ttest: the runner must report exactly N passed "
                         "(when the run does not use the table tests[])")
    ap.add_argument("--icount", action="store_true",
                    help="run with -icount shift=0,sleep=off (deterministic timing)")
    ap.add_argument("--qmp-script", default=None, metavar="FILE",
                    help="Python file whose run(node) drives QEMU over QMP (see above)")
    ap.add_argument("--qemu-arg", action="append", default=[], metavar="ARG",
                    help="extra QEMU argument (repeatable; write --qemu-arg=-device)")
    return ap.parse_args(argv)


def compile_all(patterns, what):
    out = []
    for p in patterns:
        try:
            out.append((p, re.compile(p, re.M)))
        except re.error as e:
            raise SystemExit("run_node_test: bad %s regex %r: %s" % (what, p, e))
    return out


def kill_group(proc):
    """End QEMU and anything it started: TERM, then KILL after 2 s."""
    for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            pass


def clean_text(chunks):
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


class Node:
    """What a --qmp-script sees: the serial log so far, QMP, artefacts."""

    def __init__(self, log_dir, name, qmp_path):
        self.log_dir, self.name, self.qmp_path = log_dir, name, qmp_path
        self.cond = threading.Condition()
        self.chunks = []
        self.ended = False
        self.qmp = None
        self.stdin = None
        self.quit_sent = False

    def feed(self, data):
        with self.cond:
            self.chunks.append(data)
            self.cond.notify_all()

    def end(self):
        with self.cond:
            self.ended = True
            self.cond.notify_all()

    def text(self):
        with self.cond:
            return clean_text(self.chunks)

    def wait_for(self, regex, timeout=30.0):
        """Wait until the serial log matches regex; return the match.
        Raises RuntimeError on timeout or when QEMU ended first."""
        rx = re.compile(regex, re.M)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = rx.search(clean_text(self.chunks))
                if m:
                    return m
                left = deadline - time.monotonic()
                if self.ended or left <= 0:
                    raise RuntimeError("serial never showed /%s/ (%s)" % (
                        regex, "QEMU ended" if self.ended else "%g s" % timeout))
                self.cond.wait(min(left, 1.0))

    def serial_write(self, text):
        """Type text on the node's serial line (QEMU's standard input)."""
        self.stdin.write(text.encode())
        self.stdin.flush()

    def artefact(self, filename):
        """Path for an artefact kept next to the log: <log-dir>/<name>.<filename>."""
        return os.path.join(os.path.abspath(self.log_dir), "%s.%s" % (self.name, filename))

    def connect(self):
        import qmp as qmp_mod  # tests/node/qmp.py
        self.qmp = qmp_mod.Qmp(self.qmp_path)
        return self.qmp

    def quit(self):
        """End QEMU now; the test's exit status then counts as 0."""
        self.quit_sent = True
        self.qmp.cmd("quit")


def run_script(path, node, reasons):
    """Load path and run its run(node) in this thread; append failures."""
    try:
        ns = {"__file__": path, "__name__": "qmp_script"}
        with open(path) as f:
            code = compile(f.read(), path, "exec")
        exec(code, ns)
        node.connect()
        out = ns["run"](node)
        if out:
            reasons.extend("qmp script: %s" % r for r in out)
    except Exception as e:  # noqa: BLE001 - every script error is a test failure
        reasons.append("qmp script: %s: %s" % (type(e).__name__, e))
        traceback.print_exc()


def run_qemu(argv, log_path, timeout, stdin_text=None, node=None, script=None,
             stdin_after=None):
    """Run argv, copying its output to log_path as it comes; type stdin_text
    (if any) on its standard input as soon as the output so far matches the
    regex stdin_after (required with stdin_text); run the QMP script (if
    any) in a thread, fed with the same output.

    Returns (exit status or None on timeout, elapsed seconds, log text,
    script failure reasons).
    """
    start = time.monotonic()
    deadline = start + timeout
    chunks = []
    with open(log_path, "wb") as log:
        log.write(("# " + qemu.format_argv(argv) + "\n").encode())
        log.flush()
        if stdin_text is not None and not stdin_after:
            raise ValueError("run_qemu: stdin_text needs stdin_after (what to wait for)")
        type_rx = None if stdin_text is None else re.compile(stdin_after, re.M)
        stdin = subprocess.DEVNULL if stdin_text is None and not script else subprocess.PIPE
        proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        fd = proc.stdout.fileno()
        timed_out = False
        script_reasons = []
        worker = None
        if script:
            node.stdin = proc.stdin
            worker = threading.Thread(target=run_script, args=(script, node, script_reasons),
                                      daemon=True)
            worker.start()
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    timed_out = True
                    break
                ready, _, _ = select.select([fd], [], [], min(left, 1.0))
                if not ready:
                    continue
                data = os.read(fd, 65536)
                if not data:
                    break
                chunks.append(data)
                if node:
                    node.feed(data)
                log.write(data)
                log.flush()
                if type_rx is not None and type_rx.search(clean_text(chunks)):
                    type_rx = None
                    try:
                        proc.stdin.write(stdin_text.encode())
                        proc.stdin.flush()
                    except BrokenPipeError:
                        pass  # QEMU already gone: judged by its status
                if worker and not worker.is_alive() and script_reasons:
                    break  # the script failed: do not wait for the timeout
            if not timed_out:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    timed_out = True
        except BaseException:
            kill_group(proc)
            raise
        finally:
            if node:
                node.end()
            if worker:
                worker.join(timeout=10)
                if worker.is_alive():
                    script_reasons.append("qmp script: still running after QEMU ended")
            proc.stdout.close()
            if proc.stdin:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
        if timed_out or (proc.poll() is None and script_reasons):
            kill_group(proc)
        status = None if timed_out else proc.wait()
        elapsed = time.monotonic() - start
        log.write(("# timeout after %.0f s\n" % timeout if status is None
                   else "# qemu exit status %d after %.1f s\n" % (status, elapsed)).encode())
    return status, elapsed, clean_text(chunks), script_reasons


def judge(status, text, timeout, expects, forbids, want_status=0):
    """Return a list of failure reasons (empty = pass)."""
    reasons = []
    for pat, rx in forbids:
        for line in text.splitlines():
            if rx.search(line):
                reasons.append("forbidden /%s/ in line: %s" % (pat, line.strip()[:120]))
                break
    if status is None:
        reasons.append("timeout after %g s" % timeout)
    elif status != want_status:
        reasons.append("qemu exit status %d (want %d)" % (status, want_status))
    for pat, rx in expects:
        if not rx.search(text):
            reasons.append("expected /%s/ not in log" % pat)
    return reasons


def ttest_table(source):
    """The test names of the table tests[] in a ttest program's C source, in
    order (helpers starting with '_' included).  Raises ValueError if the
    source has no such table."""
    with open(source) as f:
        m = TTEST_TABLE_RE.search(f.read())
    if not m:
        raise ValueError("%s: no 'struct ttest tests[] = { ... };' table" % source)
    return TTEST_ENTRY_RE.findall(m.group(1))


def program_args(bootargs):
    """(program, its arguments) of a "init=PROG [kernel args] [-- ARGS]" line."""
    words = bootargs.split()
    prog = next((w[len("init="):] for w in words if w.startswith("init=")), "")
    rest = words[words.index("--") + 1:] if "--" in words else []
    return prog, rest


def ttest_summary(args):
    """(program, N, why) when the run must end with the ttest summary
    "<program>: N passed, 0 failed"; None when no summary is expected."""
    if not args.ttest:
        return None
    prog, rest = program_args(args.bootargs)
    names = ttest_table(args.ttest)
    if args.exit_status != 0 or (rest and rest[0] in names):
        return None  # a test run alone, or a run that must not pass
    if args.passes is not None:
        return prog, args.passes, "--passes"
    n = sum(1 for t in names if not t.startswith("_"))
    if n == 0:
        raise ValueError("%s: the table tests[] has no test" % args.ttest)
    return prog, n, "the table tests[] of %s" % os.path.relpath(args.ttest, ROOT)


def judge_summary(text, prog, want, why):
    """Failure reasons unless the log has the ttest summary with exactly want passes."""
    rx = re.compile(r"^(?:\[[^\]]*\] )?%s: (\d+) passed, (\d+) failed$" % re.escape(prog), re.M)
    got = rx.findall(text)
    if len(got) != 1:
        return ["ttest: %d summary line(s) '%s: N passed, M failed' in the log (want 1)"
                % (len(got), prog)]
    passed, failed = int(got[0][0]), int(got[0][1])
    if passed != want or failed != 0:
        return ["ttest: %s: %d passed, %d failed; want %d passed, 0 failed (%s)"
                % (prog, passed, failed, want, why)]
    return []


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv=None):
    signal.signal(signal.SIGTERM, _on_sigterm)
    args = parse_args(argv)
    expects = compile_all(args.expect, "--expect")
    forbids = compile_all(([] if args.allow_panic else [PANIC_RE]) + args.forbid, "--forbid")
    os.makedirs(args.log_dir, exist_ok=True)
    log_path = os.path.abspath(os.path.join(args.log_dir, args.name + ".log"))

    if not (shutil.which(qemu.QEMU) and os.path.isfile(qemu.OPENSBI)):
        skip = os.environ.get(ALLOW_SKIP_ENV) == "1"
        msg = "%s %s: %s or %s not installed (run ci/deps%s)" % (
            "SKIP" if skip else "FAIL", args.name, qemu.QEMU, qemu.OPENSBI,
            "" if skip else "; %s=1 makes this a skip" % ALLOW_SKIP_ENV)
        with open(log_path, "w") as f:
            f.write(msg + "\n")
        print(msg)
        return EXIT_SKIP if skip else EXIT_FAIL
    if args.stdin_text is not None and not args.stdin_after:
        raise SystemExit("run_node_test: --stdin-text needs --stdin-after REGEX")
    try:
        summary = ttest_summary(args)
    except (OSError, ValueError) as e:
        print("FAIL %s: %s" % (args.name, e))
        return EXIT_FAIL
    node, qmp_dir, qmp_path = None, None, None
    if args.qmp_script:
        qmp_dir = tempfile.mkdtemp(prefix="tessera-qmp-")
        qmp_path = os.path.join(qmp_dir, "qmp.sock")
        node = Node(args.log_dir, args.name, qmp_path)
    try:
        argv_q = qemu.qemu_argv(args.kernel, args.initrd, smp=args.smp, mem=args.mem,
                                bootargs=args.bootargs, icount=args.icount,
                                qmp_socket=qmp_path, extra=args.qemu_arg)
    except (qemu.QemuConfigError, FileNotFoundError) as e:
        with open(log_path, "w") as f:
            f.write("run_node_test: %s\n" % e)
        print("FAIL %s: %s (log %s)" % (args.name, e, log_path))
        return EXIT_FAIL

    print("run_node_test: %s" % qemu.format_argv(argv_q), flush=True)
    try:
        status, elapsed, text, script_reasons = run_qemu(
            argv_q, log_path, args.timeout, args.stdin_text, node, args.qmp_script,
            args.stdin_after)
    finally:
        if qmp_dir:
            shutil.rmtree(qmp_dir, ignore_errors=True)
    want = args.exit_status
    if node and node.quit_sent and status is not None:
        want = status  # the script ended QEMU: judged by the script and the log
    reasons = script_reasons + judge(status, text, args.timeout, expects, forbids, want)
    if summary:
        reasons += judge_summary(text, *summary)
    if not reasons:
        print("PASS %s: exit %d, %d expected pattern(s) found, no forbidden line%s (%.1f s)"
              % (args.name, args.exit_status, len(expects),
                 ", %s: %d passed as in %s" % summary if summary else "", elapsed))
        return EXIT_PASS
    lines = text.splitlines()
    print("---- last %d of %d serial lines ----" % (min(TAIL_LINES, len(lines)), len(lines)))
    for line in lines[-TAIL_LINES:]:
        print(line)
    print("---- full log: %s" % log_path)
    print("FAIL %s: %s (%.1f s)" % (args.name, "; ".join(reasons), elapsed))
    return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
