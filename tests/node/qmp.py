"""A small QMP client for node tests: screendumps and typed keys.

    q = Qmp("/tmp/x.qmp")              connects (retrying until QEMU made the socket)
    q.screendump("/tmp/screen.png")    PNG of the first display (QEMU >= 7.1)
    q.type_text("ls -l\\n")             key presses through input-send-event
    q.key("backspace")                 one key by QEMU qcode, press and release
    q.close()

Every method raises QmpError with QEMU's message when a command fails, so a
test script can let it propagate: the harness turns it into a failure.
QmpGone (a QmpError) means QEMU closed the socket or went silent.
"""

import json
import os
import socket
import time


class QmpError(RuntimeError):
    """A QMP command failed, or QEMU went away."""


class QmpGone(QmpError):
    """QEMU closed the socket or stopped answering (e.g. the guest powered off)."""


# ASCII -> (qcode, shifted) for a US keyboard.
_PLAIN = {" ": "spc", "\n": "ret", "\t": "tab", "\b": "backspace", "-": "minus",
          "=": "equal", "[": "bracket_left", "]": "bracket_right", ";": "semicolon",
          "'": "apostrophe", "`": "grave_accent", "\\": "backslash", ",": "comma",
          ".": "dot", "/": "slash"}
_SHIFTED = {"!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7",
            "*": "8", "(": "9", ")": "0", "_": "minus", "+": "equal",
            "{": "bracket_left", "}": "bracket_right", ":": "semicolon",
            "\"": "apostrophe", "~": "grave_accent", "|": "backslash",
            "<": "comma", ">": "dot", "?": "slash"}


def qcode_of(ch):
    """Return (qcode, needs_shift) for one ASCII character, or raise ValueError."""
    if "a" <= ch <= "z" or "0" <= ch <= "9":
        return ch, False
    if "A" <= ch <= "Z":
        return ch.lower(), True
    if ch in _PLAIN:
        return _PLAIN[ch], False
    if ch in _SHIFTED:
        return _SHIFTED[ch], True
    raise ValueError("no US key for %r" % ch)


class Qmp:
    def __init__(self, path, timeout=20.0):
        self.sock = None
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                self.sock = s
                break
            except OSError as e:
                last = e
                s.close()
                time.sleep(0.1)
        if self.sock is None:
            raise QmpError("cannot connect to QMP socket %s: %s" % (path, last))
        self.sock.settimeout(timeout)
        self.buf = b""
        greeting = self._read()
        if "QMP" not in greeting:
            raise QmpError("not a QMP greeting: %r" % greeting)
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise QmpGone("QMP: no answer from QEMU")
            except OSError as e:
                raise QmpGone("QMP: %s" % e)
            if not data:
                raise QmpGone("QMP: QEMU closed the socket")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        """Run one QMP command; return its result or raise QmpError."""
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        try:
            self.sock.sendall(json.dumps(msg).encode() + b"\n")
        except OSError as e:
            raise QmpGone("QMP: %s: %s" % (name, e))
        while True:
            r = self._read()
            if "event" in r:
                continue
            if "error" in r:
                raise QmpError("%s: %s" % (name, r["error"].get("desc", r["error"])))
            return r.get("return")

    def screendump(self, path):
        """Write a PNG of the first display to path (absolute)."""
        path = os.path.abspath(path)
        self.cmd("screendump", filename=path, format="png")
        # QEMU writes the file before it answers; be tolerant of slow disks.
        for _ in range(50):
            if os.path.exists(path) and os.path.getsize(path) > 0:
                return path
            time.sleep(0.1)
        raise QmpError("screendump: %s not written" % path)

    def key(self, qcode, shift=False, hold=0.01, may_end=False):
        """Press and release one key (by QEMU qcode), with shift if asked.
        may_end: the guest may power off on this key (it ends the line a
        test waits for), so QEMU gone before it answered is no error here;
        the caller must then judge by the effect (the guest's serial output
        and exit status).  A command QEMU answered with an error always
        raises."""
        def ev(code, down):
            return {"type": "key", "data": {"down": down,
                                            "key": {"type": "qcode", "data": code}}}
        downs = ([ev("shift", True)] if shift else []) + [ev(qcode, True)]
        ups = [ev(qcode, False)] + ([ev("shift", False)] if shift else [])
        try:
            self.cmd("input-send-event", events=downs)
            time.sleep(hold)
            self.cmd("input-send-event", events=ups)
        except QmpGone:
            # The guest may act on the key press and power off before QEMU
            # answers it: the answer is truly lost.  The caller checks the
            # effect instead (may_end says it does).
            if not may_end:
                raise

    def type_text(self, text, gap=0.02, may_end=False):
        """Type text on the keyboard, one character at a time.  Every key
        must be answered, except, with may_end, the last one (see key)."""
        for i, ch in enumerate(text):
            code, shift = qcode_of(ch)
            last = i == len(text) - 1
            self.key(code, shift, may_end=may_end and last)
            if not last:
                time.sleep(gap)

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None
