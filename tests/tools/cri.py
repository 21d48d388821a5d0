#!/usr/bin/python3
"""A small CRI client (runtime.v1) with hand-encoded protobuf, for tests.

  cri.py SOCKET runp [OPT] NAME HANDLER CGROUP_PARENT   -> pod id
  cri.py SOCKET create [OPT] POD NAME CGROUP_PARENT IMAGE ARG... -> container id
  cri.py SOCKET start|stop|rm ID
  cri.py SOCKET exec ID TIMEOUT CMD...                  -> {"stdout","stderr","exit_code"}
  cri.py SOCKET status ID                               -> {"state","exit_code","reason"}
  cri.py SOCKET stats ID                                -> {"cpu","memory"}
  cri.py SOCKET stopp|rmp POD

The sandbox is host-network (no CNI) unless runp has --pod-network (its own
network namespace: containerd sets it up through CNI). OPT: --privileged
(runp, create), --drop-all-caps and --add-cap CAP (create), --stdin,
--stdin-once and --tty (create: for Attach). Field numbers are those of
k8s.io/cri-api runtime/v1 api.proto. gRPC errors: message on stderr, exit 2.
"""
import json
import sys

import grpc


def varint(n):
    if n < 0:
        n += 1 << 64
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def ln(num, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(num << 3 | 2) + varint(len(data)) + data


def vi(num, v):
    return varint(num << 3) + varint(v)


def read_varint(b, i):
    n = s = 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7F) << s
        s += 7
        if not c & 0x80:
            return n, i


def decode(b):
    """field number -> list of values (ints or bytes)"""
    i, out = 0, {}
    while i < len(b):
        key, i = read_varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(b, i)
        elif wt == 2:
            n, i = read_varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        out.setdefault(num, []).append(v)
    return out


def first(d, num, default=None):
    v = d.get(num)
    return v[0] if v else default


def annotations(num, opts, flag):
    """map<string, string> field num from each `flag KEY=VALUE` of opts"""
    out = b""
    for i, o in enumerate(opts):
        if o == flag:
            k, _, v = opts[i + 1].partition("=")
            out += ln(num, ln(1, k) + ln(2, v))
    return out


def sandbox_config(name, cgparent, opts=()):
    meta = ln(1, name) + ln(2, name + "-uid") + ln(3, "default") + vi(4, 0)
    # network NODE (POD, 0, with --pod-network), pid/ipc CONTAINER
    nsopts = (b"" if "--pod-network" in opts else vi(1, 2)) + vi(2, 1) + vi(3, 1)
    sec = ln(1, nsopts) + (vi(6, 1) if "--privileged" in opts else b"")
    linux = ln(1, cgparent) + ln(2, sec)
    # no hostname: a host-network pod shares the node's UTS namespace;
    # annotations 7 (--annotation KEY=VALUE)
    return ln(1, meta) + annotations(7, opts, "--annotation") + ln(8, linux)


def options(args):
    """leading --flags (--add-cap, --annotation and --ctr-annotation take a
    value), the rest"""
    opts = []
    while args and args[0].startswith("--"):
        n = 2 if args[0] in ("--add-cap", "--annotation", "--ctr-annotation") else 1
        opts, args = opts + args[:n], args[n:]
    return opts, args


# what the kubelet sends for procMount Default (all but privileged containers)
MASKED = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
          "/sys/devices/virtual/powercap"]
READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]


def container_security(opts):
    """LinuxContainerConfig.security_context: capabilities 1 (add 1, drop 2),
    privileged 2, masked_paths 13, readonly_paths 14"""
    caps = b"".join(ln(1, opts[i + 1]) for i, o in enumerate(opts) if o == "--add-cap")
    if "--drop-all-caps" in opts:
        caps += ln(2, "ALL")
    sec = ln(1, caps) if caps else b""
    if "--privileged" in opts:
        sec += vi(2, 1)
    else:
        sec += b"".join(ln(13, p) for p in MASKED) + b"".join(ln(14, p) for p in READONLY)
    return ln(2, sec)


def main():
    sock, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    ch = grpc.insecure_channel("unix://" + sock)

    def call(method, body, service="RuntimeService", timeout=60):
        f = ch.unary_unary("/runtime.v1.%s/%s" % (service, method),
                           request_serializer=lambda x: x, response_deserializer=lambda x: x)
        return decode(f(body, timeout=timeout))

    try:
        opts, args = options(args)
        if cmd == "runp":
            name, handler, cgparent = args
            r = call("RunPodSandbox", ln(1, sandbox_config(name, cgparent, opts)) + ln(2, handler))
            print(first(r, 1).decode())
        elif cmd == "create":
            pod, name, cgparent, image = args[:4]
            cfg = ln(1, ln(1, name)) + ln(2, ln(1, image))
            for a in args[4:]:
                cfg += ln(3, a)
            stdio = {"--stdin": 12, "--stdin-once": 13, "--tty": 14}
            cfg += b"".join(vi(stdio[o], 1) for o in opts if o in stdio)
            # the container's own annotations, 10 (--ctr-annotation KEY=VALUE)
            cfg += annotations(10, opts, "--ctr-annotation")
            cfg += ln(15, container_security(opts))
            body = ln(1, pod) + ln(2, cfg) + ln(3, sandbox_config(pod_name(pod, call), cgparent, opts))
            r = call("CreateContainer", body)
            print(first(r, 1).decode())
        elif cmd in ("start", "rm"):
            call({"start": "StartContainer", "rm": "RemoveContainer"}[cmd], ln(1, args[0]))
        elif cmd == "stop":
            call("StopContainer", ln(1, args[0]) + vi(2, 2))
        elif cmd in ("stopp", "rmp"):
            call({"stopp": "StopPodSandbox", "rmp": "RemovePodSandbox"}[cmd], ln(1, args[0]))
        elif cmd == "exec":
            cid, timeout = args[0], int(args[1])
            body = ln(1, cid) + b"".join(ln(2, a) for a in args[2:]) + vi(3, timeout)
            r = call("ExecSync", body, timeout=timeout + 30)
            print(json.dumps({"stdout": first(r, 1, b"").decode(), "stderr": first(r, 2, b"").decode(),
                              "exit_code": first(r, 3, 0)}))
        elif cmd == "status":
            r = call("ContainerStatus", ln(1, args[0]))
            st = decode(first(r, 1, b""))
            states = {0: "CREATED", 1: "RUNNING", 2: "EXITED", 3: "UNKNOWN"}
            print(json.dumps({"state": states.get(first(st, 3, 0)), "exit_code": first(st, 7, 0),
                              "reason": first(st, 10, b"").decode()}))
        elif cmd == "stats":
            r = call("ContainerStats", ln(1, args[0]))
            stats = decode(first(r, 1, b""))
            cpu = decode(first(stats, 2, b""))
            mem = decode(first(stats, 3, b""))
            print(json.dumps({"cpu": first(decode(first(cpu, 2, b"")), 1, 0),
                              "memory": first(decode(first(mem, 2, b"")), 1, 0)}))
        else:
            raise SystemExit("unknown command " + cmd)
    except grpc.RpcError as e:
        print("%s: %s" % (e.code().name, e.details()), file=sys.stderr)
        sys.exit(2)


def pod_name(pod, call):
    """the metadata name the sandbox was created with (PodSandboxStatus)"""
    r = call("PodSandboxStatus", ln(1, pod))
    st = decode(first(r, 1, b""))
    meta = decode(first(st, 2, b""))
    return first(meta, 1, b"").decode()


if __name__ == "__main__":
    main()
