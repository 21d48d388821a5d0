#!/usr/bin/python3
"""Hostile and plain ttrpc clients for the shim's socket (stdlib only).

  ttrpc_probe.py SOCKET CASE

Cases print what came back; exit 0 when the shim behaved:
  unknown     unknown method -> status 12 (UNIMPLEMENTED)
  oversize    a frame over 4 MiB -> status 8, and the connection still serves
  truncated   a cut protobuf request -> status 3, or the connection closed
  garbage     random bytes -> an error status or the connection closed
  concurrent  Wait (blocks) then Connect on one connection -> Connect answers
  connect     Connect -> shim pid
"""
import os
import socket
import struct
import sys


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(num << 3 | 2) + varint(len(data)) + data


def request(method, payload=b"", service="containerd.task.v2.Task"):
    return field(1, service) + field(2, method) + field(3, payload)


def frame(sid, body, typ=1):
    return struct.pack(">IIBB", len(body), sid, typ, 0) + body


def read_varint(b, i):
    n = s = 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7F) << s
        s += 7
        if not c & 0x80:
            return n, i


def fields(b):
    i, out = 0, {}
    while i < len(b):
        key, i = read_varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(b, i)
        elif wt == 2:
            ln, i = read_varint(b, i)
            v, i = b[i:i + ln], i + ln
        else:
            raise ValueError("wire type %d" % wt)
        out.setdefault(num, v)
    return out


def recv_frame(s):
    hdr = b""
    while len(hdr) < 10:
        c = s.recv(10 - len(hdr))
        if not c:
            return None
        hdr += c
    ln, sid, typ, _ = struct.unpack(">IIBB", hdr)
    body = b""
    while len(body) < ln:
        c = s.recv(ln - len(body))
        if not c:
            return None
        body += c
    return sid, typ, body


def status_of(body):
    f = fields(body)
    if 1 not in f:
        return 0, f.get(2, b"")
    st = fields(f[1])
    return st.get(1, 0), st.get(2, b"").decode(errors="replace")


def conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s


def main():
    path, case = sys.argv[1], sys.argv[2]
    if path.startswith("unix://"):
        path = path[7:]
    s = conn(path)
    if case == "unknown":
        s.sendall(frame(1, request("NoSuchMethod")))
        code, msg = status_of(recv_frame(s)[2])
        print(code, msg)
        return code == 12
    if case == "connect":
        s.sendall(frame(1, request("Connect", field(1, sys.argv[3] if len(sys.argv) > 3 else ""))))
        code, body = status_of(recv_frame(s)[2])
        print(code, fields(body).get(1))
        return code == 0
    if case == "oversize":
        big = 5 << 20
        s.sendall(struct.pack(">IIBB", big, 1, 1, 0))
        chunk = b"\0" * 65536
        sent = 0
        while sent < big:
            s.sendall(chunk[: min(len(chunk), big - sent)])
            sent += min(len(chunk), big - sent)
        r = recv_frame(s)
        code = status_of(r[2])[0] if r else None
        print("oversize", code)
        s.sendall(frame(3, request("Connect", field(1, ""))))
        r2 = recv_frame(s)
        print("after", r2 and r2[0], r2 and status_of(r2[2])[0])
        return code == 8 and r2 is not None and r2[0] == 3
    if case == "truncated":
        body = request("State", field(1, "x" * 40))[:-20]
        s.sendall(frame(1, body))
        r = recv_frame(s)
        print("truncated", r and status_of(r[2])[0])
        return r is None or status_of(r[2])[0] in (3, 12)
    if case == "garbage":
        s.sendall(frame(1, os.urandom(64)) + frame(3, b"\xff" * 7) + frame(5, b"", typ=9))
        s.settimeout(2)
        codes = []
        try:
            while True:
                r = recv_frame(s)
                if r is None:
                    break
                codes.append(status_of(r[2])[0])
        except (socket.timeout, ValueError):
            pass
        print("garbage", codes)
        return all(c != 0 for c in codes)
    if case == "concurrent":
        s.sendall(frame(1, request("Wait", field(1, sys.argv[3]))))
        s.sendall(frame(3, request("Connect", field(1, sys.argv[3]))))
        sid, _, body = recv_frame(s)
        print("first reply on stream", sid)
        return sid == 3
    raise SystemExit("unknown case " + case)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
