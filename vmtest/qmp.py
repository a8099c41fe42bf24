#!/usr/bin/env python3
"""Drive the test VM's emulated PS/2 keyboard and mouse over QMP, and wait for console lines.

Usage:
  qmp.py SOCKET type TEXT          type TEXT, one send-key per character (US layout; shift for
                                   capitals and shifted punctuation; the escapes \\n, \\t and
                                   \\\\ in TEXT, and real newlines and tabs, give ret and tab)
  qmp.py SOCKET key QCODE...       press QCODEs together as one chord (e.g. ctrl alt f2)
  (type and key take --hold MS before SOCKET: how long each key is held, QEMU's default 100)
  qmp.py SOCKET click [left|right|middle]   press and release a mouse button
  qmp.py SOCKET move DX DY         move the mouse by relative DX, DY
  qmp.py SOCKET wheel N            scroll N notches: up for N > 0, down for N < 0
  qmp.py SOCKET raw JSON           send one QMP command, print its "return" as JSON
  qmp.py wait-file [--pid PID] FILE PATTERN [TIMEOUT]
                                   wait until a line of FILE contains the fixed string PATTERN
                                   (default timeout 300 s); with --pid, give up when PID exits

SOCKET is the path given to `vmtest/run --qmp`. The VM may still be booting: the client waits
(up to 120 s) for QEMU to create the socket. Each command waits for QEMU's return, which means
QEMU has queued the input, not that the guest has read it: the guest script must itself wait
for the events it expects.

The mouse events only reach the guest once its psmouse driver has enabled the PS/2 mouse;
vmtest/init waits for that before starting the script. QEMU models the wheel as the buttons
wheel-up and wheel-down.

Typical use, from a host script:
  vmtest/run --qmp build/vm/q.sock -- tests/vm/x.sh >log &
  vmtest/qmp.py wait-file --pid $! log READY-QMP 300 && vmtest/qmp.py build/vm/q.sock type 'ab'
  wait $!
Exit status: 0 on success, 1 on a QMP error or timeout, 2 on bad usage.
"""
import json
import os
import socket
import sys
import time

UNSHIFTED = {" ": "spc", "\n": "ret", "\t": "tab", "-": "minus", "=": "equal",
             "[": "bracket_left", "]": "bracket_right", "\\": "backslash", ";": "semicolon",
             "'": "apostrophe", "`": "grave_accent", ",": "comma", ".": "dot", "/": "slash"}
SHIFTED = {"!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7", "*": "8",
           "(": "9", ")": "0", "_": "minus", "+": "equal", "{": "bracket_left",
           "}": "bracket_right", "|": "backslash", ":": "semicolon", '"': "apostrophe",
           "~": "grave_accent", "<": "comma", ">": "dot", "?": "slash"}


def die(msg, status=1):
    print("qmp.py: " + msg, file=sys.stderr)
    sys.exit(status)


def chord(ch):
    """The qcodes that type character ch on a US keyboard."""
    if ch.isascii() and (ch.islower() or ch.isdigit()):
        return [ch]
    if ch.isascii() and ch.isupper():
        return ["shift", ch.lower()]
    if ch in UNSHIFTED:
        return [UNSHIFTED[ch]]
    if ch in SHIFTED:
        return ["shift", SHIFTED[ch]]
    die("no key types %r" % ch, 2)


def unescape(text):
    """Turns the two-character escapes \\n, \\t and \\\\ into the characters they name."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "nt\\":
            out.append({"n": "\n", "t": "\t", "\\": "\\"}[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


class QMP:
    def __init__(self, path, wait=120.0):
        deadline = time.monotonic() + wait
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError as e:
                self.sock.close()
                if time.monotonic() > deadline:
                    die("cannot connect to %s: %s" % (path, e))
                time.sleep(0.1)
        self.file = self.sock.makefile("rb")
        self.read()  # the greeting
        self.cmd("qmp_capabilities")

    def read(self):
        """The next reply, skipping asynchronous events."""
        while True:
            line = self.file.readline()
            if not line:
                die("QEMU closed the QMP connection")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def cmd(self, name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        reply = self.read()
        if "error" in reply:
            die("%s: %s" % (name, reply["error"].get("desc", reply["error"])))
        return reply.get("return")

    def keys(self, qcodes, hold):
        args = {"keys": [{"type": "qcode", "data": q} for q in qcodes]}
        if hold is not None:
            args["hold-time"] = hold
        self.cmd("send-key", **args)

    def events(self, *events):
        self.cmd("input-send-event", events=list(events))


def button(name, down):
    return {"type": "btn", "data": {"down": down, "button": name}}


def wait_file(args):
    pid = None
    if args[:1] == ["--pid"]:
        pid, args = int(args[1]), args[2:]
    if len(args) not in (2, 3):
        die("usage: wait-file [--pid PID] FILE PATTERN [TIMEOUT]", 2)
    path, pattern = args[0], args[1].encode()
    deadline = time.monotonic() + (float(args[2]) if len(args) == 3 else 300.0)
    offset, carry = 0, b""
    while True:
        # Checked before reading, so that lines written just before PID exited still count.
        alive = pid is None or os.path.exists("/proc/%d" % pid)
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                new = f.read()
        except FileNotFoundError:
            new = b""
        offset += len(new)
        # Only the new bytes and the last few before them can hold a new match.
        data = carry + new
        if pattern in data:
            return
        carry = data[len(data) - len(pattern) + 1:]
        if not alive:
            die("process %d ended before %s showed %r" % (pid, path, args[1]))
        if time.monotonic() > deadline:
            die("timed out waiting for %r in %s" % (args[1], path))
        time.sleep(0.05)


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        sys.exit(0 if argv else 2)
    if argv[0] == "wait-file":
        return wait_file(argv[1:])
    hold = None
    if len(argv) >= 2 and argv[0] == "--hold":
        hold, argv = int(argv[1]), argv[2:]
    if len(argv) < 2:
        die("usage: qmp.py [--hold MS] SOCKET COMMAND ARGS... (see qmp.py --help)", 2)
    path, verb, rest = argv[0], argv[1], argv[2:]
    if verb not in ("type", "key", "click", "move", "wheel", "raw"):
        die("unknown command " + verb, 2)
    q = QMP(path)
    if verb == "type" and len(rest) == 1:
        for ch in unescape(rest[0]):
            q.keys(chord(ch), hold)
    elif verb == "key" and rest:
        q.keys(rest, hold)
    elif verb == "click" and len(rest) <= 1:
        name = rest[0] if rest else "left"
        q.events(button(name, True))
        q.events(button(name, False))
    elif verb == "move" and len(rest) == 2:
        q.events({"type": "rel", "data": {"axis": "x", "value": int(rest[0])}},
                 {"type": "rel", "data": {"axis": "y", "value": int(rest[1])}})
    elif verb == "wheel" and len(rest) == 1:
        name = "wheel-up" if int(rest[0]) > 0 else "wheel-down"
        for _ in range(abs(int(rest[0]))):
            q.events(button(name, True))
            q.events(button(name, False))
    elif verb == "raw" and len(rest) == 1:
        req = json.loads(rest[0])
        print(json.dumps(q.cmd(req["execute"], **req.get("arguments", {}))))
    else:
        die("bad arguments for " + verb, 2)


if __name__ == "__main__":
    main(sys.argv[1:])
