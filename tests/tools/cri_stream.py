#!/usr/bin/python3
"""CRI Exec/Attach streaming for tests: asks for the stream URL over CRI, then
talks to containerd's streaming server with WebSocket (RFC 6455) and the
kubelet channel protocol v4.channel.k8s.io. Standard library only.

  cri_stream.py SOCKET exec ID [-t] [-i] [--step S]... -- CMD...
  cri_stream.py SOCKET attach ID [-t] [-i] [--step S]...

Each binary message starts with a channel byte: 0 stdin, 1 stdout, 2 stderr,
3 status (JSON, v4), 4 resize (JSON {"Width","Height"}). Steps run in order:
  send:TEXT     TEXT on stdin (backslash escapes like \\n and \\x04 decoded)
  resize:W,H    a resize message
  wait:REGEX    read until stdout matches REGEX (re.S) or the timeout
  close         close the connection (the stdin stream ends)
Then, unless closed, read until the server closes. Prints
{"stdout","stderr","status","exit_code","protocol","url"}; exit 1 on a timeout.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import socket
import struct
import sys
import time
import urllib.parse

import grpc

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from cri import decode, first, ln, vi  # noqa: E402

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BIN, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class Timeout(Exception):
    pass


class WebSocket:
    def __init__(self, url, protocols, deadline):
        self.deadline = deadline
        u = urllib.parse.urlsplit(url)
        if u.scheme != "http":
            raise SystemExit("streaming URL %s: only plain http is spoken here" % url)
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=self.left())
        key = base64.b64encode(os.urandom(16))
        path = u.path + ("?" + u.query if u.query else "")
        req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: %s\r\n\r\n") % (path, u.netloc, key.decode(), ", ".join(protocols))
        self.sock.sendall(req.encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if lines[0].split(" ")[1:2] != ["101"]:
            raise SystemExit("upgrade refused: %s %s" % (lines[0], self.buf[:200]))
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        want = base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode()
        if hdrs.get("sec-websocket-accept") != want:
            raise SystemExit("bad Sec-WebSocket-Accept %r" % hdrs.get("sec-websocket-accept"))
        self.protocol = hdrs.get("sec-websocket-protocol", "")
        self.closed = False

    def left(self):
        t = self.deadline - time.monotonic()
        if t <= 0:
            raise Timeout()
        return t

    def fill(self):
        self.sock.settimeout(self.left())
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            raise Timeout()
        if not d:
            raise EOFError()
        self.buf += d

    def take(self, n):
        while len(self.buf) < n:
            self.fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def send(self, payload, op=OP_BIN):
        # clients mask every frame (RFC 6455 5.3)
        n = len(payload)
        if n < 126:
            hdr = struct.pack("!BB", 0x80 | op, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x80 | op, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x80 | op, 0x80 | 127, n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        self.sock.sendall(hdr + mask + body)

    def frame(self):
        b0, b1 = self.take(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.take(8))[0]
        mask = self.take(4) if b1 & 0x80 else None
        data = self.take(n)
        if mask:
            data = bytes(b ^ mask[i & 3] for i, b in enumerate(data))
        return b0 & 0x80, b0 & 0x0F, data

    def message(self):
        """the next data message (opcode, payload), or None once closed"""
        parts, op = [], None
        while True:
            fin, o, data = self.frame()
            if o == OP_PING:
                self.send(data, OP_PONG)
                continue
            if o == OP_PONG:
                continue
            if o == OP_CLOSE:
                if not self.closed:
                    self.send(data[:2], OP_CLOSE)
                    self.closed = True
                return None
            if o != OP_CONT:
                op = o
            parts.append(data)
            if fin:
                return op, b"".join(parts)

    def close(self):
        if not self.closed:
            self.send(struct.pack("!H", 1000), OP_CLOSE)
            self.closed = True
        self.sock.close()


def stream_url(sock, verb, cid, tty, stdin, stderr, cmd):
    ch = grpc.insecure_channel("unix://" + sock)
    if verb == "exec":
        body = ln(1, cid) + b"".join(ln(2, a) for a in cmd) + vi(3, tty) + vi(4, stdin) + vi(5, 1) \
            + vi(6, stderr)
    else:
        body = ln(1, cid) + vi(2, stdin) + vi(3, tty) + vi(4, 1) + vi(5, stderr)
    f = ch.unary_unary("/runtime.v1.RuntimeService/%s" % verb.capitalize(),
                       request_serializer=lambda x: x, response_deserializer=lambda x: x)
    try:
        return first(decode(f(body, timeout=30)), 1).decode()
    except grpc.RpcError as e:
        print("%s: %s" % (e.code().name, e.details()), file=sys.stderr)
        sys.exit(2)


def exit_code(status):
    """the exit code a v4 status message carries (Success -> 0)"""
    if status is None:
        return None
    if status.get("status") == "Success":
        return 0
    for c in (status.get("details") or {}).get("causes") or []:
        if c.get("reason") == "ExitCode":
            return int(c.get("message"))
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("verb", choices=("exec", "attach"))
    ap.add_argument("id")
    ap.add_argument("-t", "--tty", action="store_true")
    ap.add_argument("-i", "--stdin", action="store_true")
    ap.add_argument("--step", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--protocol", action="append", help="offered subprotocols, in order")
    argv = sys.argv[1:]
    cmd = argv[argv.index("--") + 1:] if "--" in argv else []
    a = ap.parse_args(argv[:len(argv) - len(cmd) - (1 if cmd else 0)])

    url = stream_url(a.socket, a.verb, a.id, int(a.tty), int(a.stdin), int(not a.tty), cmd)
    ws = WebSocket(url, a.protocol or ["v4.channel.k8s.io", "channel.k8s.io"], time.monotonic() + a.timeout)
    out = {1: b"", 2: b""}
    status = None
    eof = False

    def pump():
        nonlocal status, eof
        m = ws.message()
        if m is None:
            eof = True
            return
        op, data = m
        if op != OP_BIN or not data:
            return  # the server opens each output channel with an empty message
        chan, data = data[0], data[1:]
        if chan in out:
            out[chan] += data
        elif chan == 3 and data:
            status = json.loads(data) if ws.protocol.startswith("v4.") else {"message": data.decode()}

    timed_out = False
    try:
        for s in a.step:
            verb, _, arg = s.partition(":")
            if verb == "send":
                ws.send(b"\0" + arg.encode().decode("unicode_escape").encode("latin-1"))
            elif verb == "resize":
                w, h = arg.split(",")
                ws.send(b"\4" + json.dumps({"Width": int(w), "Height": int(h)}).encode())
            elif verb == "wait":
                rx = re.compile(arg.encode(), re.S)
                while not rx.search(out[1]) and not eof:
                    pump()
            elif verb == "close":
                ws.close()
                break
            else:
                raise SystemExit("unknown step " + s)
        else:
            while not eof:
                pump()
            ws.close()
    except Timeout:
        timed_out = True
    except EOFError:
        pass
    print(json.dumps({"stdout": out[1].decode(errors="replace"), "stderr": out[2].decode(errors="replace"),
                      "status": status, "exit_code": exit_code(status), "protocol": ws.protocol, "url": url}))
    sys.exit(1 if timed_out else 0)


if __name__ == "__main__":
    main()
