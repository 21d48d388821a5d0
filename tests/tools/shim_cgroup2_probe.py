#!/usr/bin/python3
"""The shim's cgroup v2 paths over ttrpc, with a stand-in for containerd's
event service (stdlib only; shares the wire helpers of ttrpc_probe.py).

  shim_cgroup2_probe.py SOCKET EVENTS CASE ID BUNDLE CGDIR ROOT

EVENTS is the socket the shim was started with as TTRPC_ADDRESS: this
probe serves Events/Forward on it and acknowledges every event, as
containerd does. CGDIR is the container's cgroup directory, ROOT the
runtime's state root (containerd.runc.v1.Options root). Cases:

  oom    Create, Start, Wait (the init allocates past memory.max); then the
         oom_kill counter of CGDIR/memory.events, Delete, Shutdown
  stats  Create, Start; Stats compared with the cgroup files read just
         before and after it (hugetlb: one entry per huge page size); Pause (cgroup.freeze), Resume, Update (memory
         and pids limits), Stats again; Kill 9, Wait, Delete, Shutdown

Every step prints one line; checks print "ok NAME ..." or "bad NAME ...",
and the events received, in order, end the output as
"event TOPIC TYPE_URL container_id=ID". Exit 0 when no check was bad.
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ttrpc_probe import field, fields, frame, read_varint, recv_frame, request, status_of, vfield  # noqa: E402

U64_MAX = (1 << 64) - 1
bad = []
events = []
events_lock = threading.Lock()


def say(*words):
    print(*words)
    sys.stdout.flush()


def check(name, good, detail):
    say("ok" if good else "bad", name, detail)
    if not good:
        bad.append(name)


# ---- containerd's side: Events/Forward ----

def serve_events(path):
    """Accept the shim's connections on PATH and record each forwarded
    envelope; the reply is an empty (successful) Response."""
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)

    def conn_loop(c):
        while True:
            try:
                r = recv_frame(c)
            except OSError:
                r = None
            if r is None:
                return
            sid, typ, body = r
            req = fields(body)
            if req.get(1) == b"containerd.services.events.ttrpc.v1.Events" and req.get(2) == b"Forward":
                env = fields(fields(req.get(3, b"")).get(1, b""))
                any_ = fields(env.get(4, b""))
                ev = fields(any_.get(2, b""))
                with events_lock:
                    events.append((env.get(3, b"").decode(), any_.get(1, b"").decode(),
                                   ev.get(1, b"").decode()))
            c.sendall(frame(sid, b"", typ=2))

    def accept_loop():
        while True:
            c, _ = srv.accept()
            threading.Thread(target=conn_loop, args=(c,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()


def wait_event(topic, secs=20):
    """whether an event on TOPIC arrived within SECS (the shim retries its
    connection every half second)"""
    for _ in range(int(secs * 10)):
        with events_lock:
            if any(e[0] == topic for e in events):
                return True
        time.sleep(0.1)
    return False


def print_events():
    with events_lock:
        for topic, url, cid in events:
            say("event", topic, url, "container_id=" + cid)


# ---- the Task service ----

class Shim:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.sid = 1

    def call(self, method, payload, timeout=120):
        """(code, reply fields or error message)"""
        self.s.settimeout(timeout)
        self.s.sendall(frame(self.sid, request(method, payload)))
        self.sid += 2
        r = recv_frame(self.s)
        if r is None:
            return -1, "closed"
        code, msg = status_of(r[2])
        return code, (fields(msg) if code == 0 else msg)

    def step(self, method, payload, show=None, timeout=120):
        code, reply = self.call(method, payload, timeout)
        say(method, code, show(reply) if code == 0 and show else (reply if code else ""))
        return code, reply


# ---- the cgroup files ----

def cg_read(cg, name):
    try:
        with open(os.path.join(cg, name)) as f:
            return f.read()
    except OSError:
        return None


def cg_value(cg, name):
    """a one-value file as the Metrics carry it: "max" is all ones (as
    containerd's cgroup2 Stat reads it), a missing file 0"""
    s = cg_read(cg, name)
    if s is None:
        return 0
    s = s.strip()
    return U64_MAX if s == "max" else int(s)


def cg_keyed(cg, name, key):
    s = cg_read(cg, name) or ""
    for line in s.splitlines():
        k, _, v = line.partition(" ")
        if k == key:
            return int(v)
    return 0


# (Metrics field, sub-message field number, field number, reader of the
# file value[, slack]); the numbers are containerd's cgroup2/stats/metrics.proto.
# memory.current moves by a few pages even in an idle cgroup (kernel
# objects charged and freed): 1 MiB of slack either side.
STATS = [
    ("pids.current", 1, 1, lambda cg: cg_value(cg, "pids.current")),
    ("pids.limit", 1, 2, lambda cg: cg_value(cg, "pids.max")),
    ("cpu.usage_usec", 2, 1, lambda cg: cg_keyed(cg, "cpu.stat", "usage_usec")),
    ("cpu.user_usec", 2, 2, lambda cg: cg_keyed(cg, "cpu.stat", "user_usec")),
    ("cpu.system_usec", 2, 3, lambda cg: cg_keyed(cg, "cpu.stat", "system_usec")),
    ("memory.anon", 4, 1, lambda cg: cg_keyed(cg, "memory.stat", "anon")),
    ("memory.pgfault", 4, 18, lambda cg: cg_keyed(cg, "memory.stat", "pgfault")),
    ("memory.pgactivate", 4, 26, lambda cg: cg_keyed(cg, "memory.stat", "pgactivate")),
    ("memory.pgscan", 4, 24, lambda cg: cg_keyed(cg, "memory.stat", "pgscan")),
    ("memory.pgsteal", 4, 25, lambda cg: cg_keyed(cg, "memory.stat", "pgsteal")),
    ("memory.usage", 4, 32, lambda cg: cg_value(cg, "memory.current"), 1 << 20),
    ("memory.usage_limit", 4, 33, lambda cg: cg_value(cg, "memory.max")),
    ("memory.swap_usage", 4, 34, lambda cg: cg_value(cg, "memory.swap.current")),
    ("memory.swap_limit", 4, 35, lambda cg: cg_value(cg, "memory.swap.max")),
    ("memory.max_usage", 4, 36, lambda cg: cg_value(cg, "memory.peak")),
    ("memory_events.max", 8, 3, lambda cg: cg_keyed(cg, "memory.events", "max")),
    ("memory_events.oom", 8, 4, lambda cg: cg_keyed(cg, "memory.events", "oom")),
    ("memory_events.oom_kill", 8, 5, lambda cg: cg_keyed(cg, "memory.events", "oom_kill")),
]


def fields_all(b):
    """every (number, value) of a message, repeated fields included"""
    i, out = 0, []
    while i < len(b):
        key, i = read_varint(b, i)
        if key & 7 == 0:
            v, i = read_varint(b, i)
        else:
            ln, i = read_varint(b, i)
            v, i = b[i:i + ln], i + ln
        out.append((key >> 3, v))
    return out


def hugetlb_vs_files(m, cg, label):
    """Metrics field 7, one HugeTlbStat {1 current, 2 max, 3 pagesize} per
    huge page size of the host, named as the cgroup files name it"""
    sizes = []
    for d in sorted(os.listdir("/sys/kernel/mm/hugepages")):
        kb = int(d[len("hugepages-"):-2])
        sizes.append("%dGB" % (kb >> 20) if kb % (1 << 20) == 0 else
                     "%dMB" % (kb >> 10) if kb % 1024 == 0 else "%dKB" % kb)
    got = {}
    for num, v in fields_all(m):
        if num == 7:
            e = fields(v)
            got[e.get(3, b"").decode()] = (e.get(1, 0), e.get(2, 0))
    check(label + ".hugetlb.sizes", sorted(got) == sorted(sizes), "%s host %s" % (sorted(got), sorted(sizes)))
    for size in sizes:
        want = (cg_value(cg, "hugetlb.%s.current" % size), cg_value(cg, "hugetlb.%s.max" % size))
        check("%s.hugetlb.%s" % (label, size), got.get(size) == want, "stats=%s file=%s" % (got.get(size), want))


def stats_vs_files(shim, cid, cg, label):
    """Stats between two readings of the files: each value must lie
    between them (counters only grow; an idle task's gauges stand still)"""
    before = {row[0]: row[3](cg) for row in STATS}
    code, reply = shim.step("Stats", field(1, cid))
    after = {row[0]: row[3](cg) for row in STATS}
    if code:
        check(label + ".reply", False, reply)
        return None
    any_ = fields(reply.get(1, b""))
    url = any_.get(1, b"").decode()
    check(label + ".type_url", url == "io.containerd.cgroups.v2.Metrics", url)
    m = fields(any_.get(2, b""))
    got = {}
    for row in STATS:
        name, sub, num = row[:3]
        slack = row[4] if len(row) > 4 else 0
        v = fields(m.get(sub, b"")).get(num, 0)
        got[name] = v
        lo = max(min(before[name], after[name]) - slack, 0)
        hi = max(before[name], after[name]) + slack
        check("%s.%s" % (label, name), lo <= v <= hi, "stats=%d file=%d..%d" % (v, lo, hi))
    hugetlb_vs_files(any_.get(2, b""), cg, label)
    return got


def wait_file(cg, name, want, secs=10):
    s = None
    for _ in range(secs * 10):
        s = cg_read(cg, name)
        if s is not None and want(s):
            return True, s
        time.sleep(0.1)
    return False, s


def resources_any(json_text):
    return field(1, "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources") + field(2, json_text)


def create(shim, cid, bundle, root):
    """Create with the runtime's state root in containerd.runc.v1.Options"""
    opts = field(1, "containerd.runc.v1.Options") + field(2, field(7, root))
    return shim.step("Create", field(1, cid) + field(2, bundle) + field(10, opts),
                     lambda f: "pid=%d" % f.get(1, 0))[0]


def case_oom(shim, cid, bundle, cg, root):
    pid = lambda f: "pid=%d" % f.get(1, 0)
    if create(shim, cid, bundle, root):
        return False
    if shim.step("Start", field(1, cid), pid)[0]:
        return False
    code, reply = shim.step("Wait", field(1, cid), lambda f: "exit_status=%d" % f.get(1, 0), timeout=300)
    check("wait.exit_status", code == 0 and reply.get(1, 0) == 137, reply.get(1, 0) if code == 0 else reply)
    kills = cg_keyed(cg, "memory.events", "oom_kill")
    check("memory.events.oom_kill", kills > 0, kills)
    # the exited task's cgroup stays until Delete: its counters after the
    # kill (reclaim tried first), all still, so equal to the files
    got = stats_vs_files(shim, cid, cg, "stats")
    if got is not None:
        check("stats.oom_kill", got["memory_events.oom_kill"] > 0, got["memory_events.oom_kill"])
    check("event.oom", wait_event("/tasks/oom"), "TaskOOM received")
    wait_event("/tasks/exit")
    shim.step("Delete", field(1, cid))
    wait_event("/tasks/delete", 5)
    shim.step("Shutdown", field(1, cid) + vfield(2, 1))
    return True


def case_stats(shim, cid, bundle, cg, root):
    pid = lambda f: "pid=%d" % f.get(1, 0)
    state = lambda f: "status=%d" % f.get(4, 0)
    if create(shim, cid, bundle, root):
        return False
    if shim.step("Start", field(1, cid), pid)[0]:
        return False
    # the init burns CPU, then sleeps: wait for the sleep (its cgroup
    # idle, two processes) so that gauges hold still around Stats
    ok, s = wait_file(cg, "cpu.stat", lambda s: cg_keyed(cg, "cpu.stat", "usage_usec") > 0, 60)
    ok, _ = wait_file(cg, "pids.current", lambda s: s.strip() == "2", 120)
    time.sleep(1)
    got = stats_vs_files(shim, cid, cg, "stats")
    if got is not None:
        check("stats.cpu_burnt", got["cpu.usage_usec"] > 0, got["cpu.usage_usec"])
        check("stats.memory_used", got["memory.usage"] > 0, got["memory.usage"])

    # Pause freezes the cgroup, Resume thaws it
    shim.step("Pause", field(1, cid))
    ok, s = wait_file(cg, "cgroup.freeze", lambda s: s.strip() == "1")
    check("pause.cgroup.freeze", ok, repr(s))
    ok, s = wait_file(cg, "cgroup.events", lambda s: "frozen 1" in s)
    check("pause.cgroup.events", ok, repr(s))
    code, reply = shim.step("State", field(1, cid), state)
    check("pause.state", code == 0 and reply.get(4, 0) == 4, reply.get(4, 0) if code == 0 else reply)
    check("event.paused", wait_event("/tasks/paused"), "TaskPaused received")
    shim.step("Resume", field(1, cid))
    ok, s = wait_file(cg, "cgroup.freeze", lambda s: s.strip() == "0")
    check("resume.cgroup.freeze", ok, repr(s))
    ok, s = wait_file(cg, "cgroup.events", lambda s: "frozen 0" in s)
    check("resume.cgroup.events", ok, repr(s))
    code, reply = shim.step("State", field(1, cid), state)
    check("resume.state", code == 0 and reply.get(4, 0) == 2, reply.get(4, 0) if code == 0 else reply)
    check("event.resumed", wait_event("/tasks/resumed"), "TaskResumed received")

    # Update: new memory and pids limits in the files and in Stats
    mem = 100663296
    code, _ = shim.step("Update", field(1, cid) + field(2, resources_any(
        '{"memory":{"limit":%d},"pids":{"limit":50}}' % mem)))
    check("update.reply", code == 0, code)
    v = cg_value(cg, "memory.max")
    check("update.memory.max", v == mem, v)
    v = cg_value(cg, "pids.max")
    check("update.pids.max", v == 50, v)
    got = stats_vs_files(shim, cid, cg, "stats2")
    if got is not None:
        check("stats2.usage_limit", got["memory.usage_limit"] == mem, got["memory.usage_limit"])
        check("stats2.pids_limit", got["pids.limit"] == 50, got["pids.limit"])

    shim.step("Kill", field(1, cid) + vfield(3, 9))
    code, reply = shim.step("Wait", field(1, cid), lambda f: "exit_status=%d" % f.get(1, 0))
    check("wait.exit_status", code == 0 and reply.get(1, 0) == 137, reply.get(1, 0) if code == 0 else reply)
    wait_event("/tasks/exit")
    shim.step("Delete", field(1, cid))
    wait_event("/tasks/delete", 5)
    shim.step("Shutdown", field(1, cid) + vfield(2, 1))
    return True


def main():
    sock, evsock, case, cid, bundle, cg, root = sys.argv[1:8]
    if sock.startswith("unix://"):
        sock = sock[7:]
    serve_events(evsock)
    shim = Shim(sock)
    done = {"oom": case_oom, "stats": case_stats}[case](shim, cid, bundle, cg, root)
    print_events()
    if bad:
        say("failed checks:", " ".join(bad))
    return done and not bad


if __name__ == "__main__":
    rc = 0 if main() else 1
    sys.stdout.flush()
    # the event threads may sit in accept or recv: no thread teardown
    # (it needs libgcc_s, which the test guest does not carry)
    os._exit(rc)
