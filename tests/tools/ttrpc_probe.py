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
  checkpoint ID IMAGE [OPT=VALUE...]
              Checkpoint with containerd.runc.v1.CheckpointOptions built from
              OPTs (exit, open_tcp, external_unix_sockets, terminal, file_locks,
              empty_namespaces, cgroups_mode, image_path, work_path; "type=URL"
              sends other bytes under that type); prints "CODE MESSAGE"
  restore ID BUNDLE IMAGE [CONFIG_PATH]
              Create from the checkpoint IMAGE (runtime options: a
              runtimeoptions.v1.Options naming CONFIG_PATH), Start, State, Delete, Shutdown;
              prints one "METHOD CODE MESSAGE" line each
  restored ID BUNDLE IMAGE CONFIG_PATH OUT
              a restore that succeeds: Create from IMAGE with stdout to
              file://OUT, Start, State, Kill 9, Wait, Delete, Shutdown; prints
              one "METHOD CODE DETAIL" line each
  dump-restore ID BUNDLE IMAGE OUT1 OUT2
              with a criu that works: Create (stdout to file://OUT1), Start,
              Checkpoint into IMAGE with exit, Wait, Delete; then Create from
              IMAGE (stdout to file://OUT2), Start, State, Kill 9, Wait,
              Delete, Shutdown; one "METHOD CODE DETAIL" line each
  queued ID BUNDLE CONFIG_PATH RELEASE
              Create (runtime options naming CONFIG_PATH), then Start, Delete
              and State sent at once on one connection: prints each reply as
              "METHOD CODE DETAIL" in the order they come; the first within
              10 s, then RELEASE is created (the runtime holding Start lets
              go, once it holds Start and the task has exited) and the
              rest follow; then Shutdown
  closeio ID DIR
              Exec `cat` with a stdin FIFO this client keeps open, then
              CloseIO(stdin): cat must see EOF and exit 0 (Wait, 10 s), its
              output must hold what was written; prints what it saw
  shutdown    Shutdown (now)
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


def vfield(num, n):
    return varint(num << 3) + varint(n)


CHECKPOINT_OPTS = {
    "exit": 1, "open_tcp": 2, "external_unix_sockets": 3, "terminal": 4,
    "file_locks": 5, "empty_namespaces": 6, "cgroups_mode": 7,
    "image_path": 8, "work_path": 9,
}


def checkpoint_options(pairs):
    """containerd.runc.v1.CheckpointOptions from k=v strings, as an Any"""
    type_url, body = "containerd.runc.v1.CheckpointOptions", b""
    for kv in pairs:
        k, v = kv.split("=", 1)
        if k == "type":
            type_url = v
            continue
        num = CHECKPOINT_OPTS[k]
        if num <= 5:
            body += vfield(num, 1 if v in ("1", "true") else 0)
        elif num == 6:
            for ns in v.split(","):
                body += field(num, ns)
        else:
            body += field(num, v)
    return field(1, type_url) + field(2, body)


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


def call_sequence(s, calls, shown, before=None):
    """Send (method, payload) calls one after the other and print
    "METHOD CODE DETAIL" for each: the error message, or shown[METHOD] of
    the reply's fields. before[METHOD] runs just before that call. A
    closed connection ends the run (fine after Shutdown)."""
    for sid, (method, payload) in enumerate(calls):
        if before and method in before:
            before[method]()
        s.sendall(frame(2 * sid + 1, request(method, payload)))
        r = recv_frame(s)
        if r is None:
            print(method, "closed")
            return method == "Shutdown"
        code, msg = status_of(r[2])
        if code == 0:
            msg = shown[method](fields(msg)) if method in shown else ""
        print(method, code, msg)
    return True


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
    if case == "checkpoint":
        cid, image = sys.argv[3], sys.argv[4]
        payload = field(1, cid) + field(2, image)
        if len(sys.argv) > 5:
            payload += field(3, checkpoint_options(sys.argv[5:]))
        s.settimeout(120)
        s.sendall(frame(1, request("Checkpoint", payload)))
        code, msg = status_of(recv_frame(s)[2])
        print(code, msg if code else "")
        return True
    if case == "restore":
        cid, bundle, image = sys.argv[3], sys.argv[4], sys.argv[5]
        s.settimeout(120)
        create = field(1, cid) + field(2, bundle) + field(8, image)
        if len(sys.argv) > 6:
            create += field(10, field(1, "runtimeoptions.v1.Options") + field(2, field(2, sys.argv[6])))
        calls = [
            ("Create", create),
            ("Start", field(1, cid)),
            ("State", field(1, cid)),
            ("Delete", field(1, cid)),
            ("State", field(1, cid)),
            ("Shutdown", field(1, cid) + vfield(2, 1)),
        ]
        shown = {"State": lambda f: "status=%d" % f.get(4, 0), "Create": lambda f: "pid=%d" % f.get(1, 0)}
        return call_sequence(s, calls, shown)
    if case == "dump-restore":
        import time
        cid, bundle, image, out1, out2 = sys.argv[3:8]
        s.settimeout(300)
        sid = [1]

        def call(method, payload, show=None):
            s.sendall(frame(sid[0], request(method, payload)))
            sid[0] += 2
            r = recv_frame(s)
            if r is None:
                print(method, "closed")
                return None
            code, msg = status_of(r[2])
            detail = msg if code else (show(fields(msg)) if show else "")
            print(method, code, detail)
            sys.stdout.flush()
            return code

        pid = lambda f: "pid=%d" % f.get(1, 0)
        state = lambda f: "status=%d pid=%d" % (f.get(4, 0), f.get(3, 0))
        status = lambda f: "exit_status=%d" % f.get(1, 0)
        if call("Create", field(1, cid) + field(2, bundle) + field(6, "file://" + out1), pid):
            return False
        if call("Start", field(1, cid), pid):
            return False
        time.sleep(3)
        opts = field(1, "containerd.runc.v1.CheckpointOptions") + field(2, vfield(1, 1))
        if call("Checkpoint", field(1, cid) + field(2, image) + field(3, opts)):
            return False
        call("Wait", field(1, cid), status)
        call("Delete", field(1, cid))
        if call("Create", field(1, cid) + field(2, bundle) + field(6, "file://" + out2) + field(8, image), pid):
            return False
        if call("Start", field(1, cid), pid):
            return False
        time.sleep(3)
        call("State", field(1, cid), state)
        call("Kill", field(1, cid) + vfield(3, 9))
        call("Wait", field(1, cid), status)
        call("Delete", field(1, cid))
        call("Shutdown", field(1, cid) + vfield(2, 1))
        return True
    if case == "restored":
        cid, bundle, image, config, out = sys.argv[3:8]
        s.settimeout(120)
        opts = field(1, "runtimeoptions.v1.Options") + field(2, field(2, config))
        calls = [
            ("Create", field(1, cid) + field(2, bundle) + field(6, "file://" + out) + field(8, image) + field(10, opts)),
            ("Start", field(1, cid)),
            ("State", field(1, cid)),
            ("Kill", field(1, cid) + vfield(3, 9)),
            ("Wait", field(1, cid)),
            ("Delete", field(1, cid)),
            ("Shutdown", field(1, cid) + vfield(2, 1)),
        ]
        pid = lambda f: "pid=%d" % f.get(1, 0)
        shown = {
            "Create": pid,
            "Start": pid,
            "State": lambda f: "status=%d pid=%d" % (f.get(4, 0), f.get(3, 0)),
            "Wait": lambda f: "exit_status=%d" % f.get(1, 0),
            "Delete": lambda f: "exit_status=%d" % f.get(2, 0),
        }

        def output_arrived():
            """the task's first line before Kill: a loaded machine may not
            have run it yet (20 s at most, then the test says what it saw)"""
            import time
            for _ in range(200):
                if os.path.exists(out) and os.path.getsize(out) > 0:
                    return
                time.sleep(0.1)

        return call_sequence(s, calls, shown, {"Kill": output_arrived})
    if case == "queued":
        cid, bundle, config, release = sys.argv[3:7]
        opts = field(1, "runtimeoptions.v1.Options") + field(2, field(2, config))
        s.sendall(frame(1, request("Create", field(1, cid) + field(2, bundle) + field(10, opts))))
        code, msg = status_of(recv_frame(s)[2])
        print("Create", code, msg if code else "")
        if code:
            return False
        names = {3: "Start", 5: "Delete", 7: "State"}
        shown = {
            "Start": lambda f: "pid=%d" % f.get(1, 0),
            "Delete": lambda f: "exit_status=%d" % f.get(2, 0),
            "State": lambda f: "status=%d" % f.get(4, 0),
        }
        s.sendall(frame(3, request("Start", field(1, cid))) + frame(5, request("Delete", field(1, cid))) +
                  frame(7, request("State", field(1, cid))))
        for i in range(3):
            s.settimeout(10 if i == 0 else 120)
            sid, _, body = recv_frame(s)
            code, msg = status_of(body)
            print(names.get(sid, sid), code, shown[names[sid]](fields(msg)) if code == 0 else msg)
            sys.stdout.flush()
            if i == 0:
                gone_while_held(os.path.dirname(release), bundle)
                open(release, "w").close()
        s.sendall(frame(9, request("Shutdown", field(1, cid) + vfield(2, 1))))
        recv_frame(s)
        return True
    if case == "closeio":
        return closeio(s, sys.argv[3], sys.argv[4])
    if case == "shutdown":
        s.sendall(frame(1, request("Shutdown", vfield(2, 1))))
        r = recv_frame(s)
        print("shutdown", r and status_of(r[2])[0])
        return True
    raise SystemExit("unknown case " + case)


def gone_while_held(tmp, bundle):
    """the runtime holds Start (it made TMP/hung.start) and the task it
    started has exited meanwhile (a zombie of the shim, or reaped)"""
    import time
    for _ in range(200):
        if os.path.exists(os.path.join(tmp, "hung.start")):
            break
        time.sleep(0.1)
    with open(os.path.join(bundle, "init.pid")) as f:
        pid = f.read().strip()
    for _ in range(200):
        try:
            with open("/proc/%s/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return
        except FileNotFoundError:
            return
        time.sleep(0.1)


def closeio(s, cid, tmp):
    """cat reads a FIFO this client holds open: only CloseIO ends its input"""
    import json
    import time
    fifo, out = os.path.join(tmp, "closeio.in"), os.path.join(tmp, "closeio.out")
    for p in (fifo, out):
        if os.path.exists(p):
            os.unlink(p)
    os.mkfifo(fifo, 0o600)
    keep = os.open(fifo, os.O_RDWR)  # our writer stays open throughout
    os.write(keep, b"through-stdin\n")
    spec = json.dumps({"args": ["/bin/cat"], "cwd": "/", "env": ["PATH=/bin"],
                       "user": {"uid": 0, "gid": 0}})
    spec_any = field(1, "types.containerd.io/opencontainers/runtime-spec/1/Process") + field(2, spec)
    eid = "closeio"
    sid = [1]

    def call(method, payload, timeout=30):
        s.settimeout(timeout)
        s.sendall(frame(sid[0], request(method, payload)))
        sid[0] += 2
        r = recv_frame(s)
        return status_of(r[2])

    code, msg = call("Exec", field(1, cid) + field(2, eid) + field(4, fifo) + field(5, "file://" + out) + field(7, spec_any))
    print("exec", code, msg)
    if code:
        return False
    code, msg = call("Start", field(1, cid) + field(2, eid))
    print("start", code, msg)
    if code:
        return False
    time.sleep(1)
    code, msg = call("State", field(1, cid) + field(2, eid))
    status = fields(msg).get(4, 0) if code == 0 else -1
    print("state before CloseIO", code, status)
    if status != 2:  # cat must still be waiting for input
        return False
    code, msg = call("CloseIO", field(1, cid) + field(2, eid) + vfield(3, 1))
    print("closeio", code, msg)
    try:
        code, msg = call("Wait", field(1, cid) + field(2, eid), timeout=10)
    except socket.timeout:
        print("wait: cat is still running after CloseIO")
        return False
    exit_status = fields(msg).get(1, 0) if code == 0 else -1
    print("wait", code, "exit_status", exit_status)
    call("Delete", field(1, cid) + field(2, eid))
    os.close(keep)
    with open(out) as f:
        text = f.read()
    print("output", repr(text))
    return exit_status == 0 and text == "through-stdin\n"


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
