# Helpers for bats suites that run inside the cgroup v2 guest (tests/vm/run.sh).
# The guest exports $RUNC and $WARD when those binaries were put in the image.

CGROOT=/sys/fs/cgroup
# Test cgroups live under a dedicated parent, as on real hosts.
CGPARENT=ward-test

# use_runtime NAME: set $RT to the runtime binary or skip the test.
use_runtime() {
	case $1 in
	runc) RT=${RUNC:-} ;;
	ward) RT=${WARD:-} ;;
	*) echo "unknown runtime $1" >&2; return 1 ;;
	esac
	[ -n "$RT" ] && [ -x "$RT" ] || skip "$1 is not in the guest image"
	# Until the ward CLI exists the binary is a bare skeleton; a runtime that
	# answers --version is expected to pass every check below.
	"$RT" --version 2>/dev/null | grep -qi version ||
		skip "$1 --version reports no version: CLI not implemented yet"
}

# make_rootfs DIR: a busybox root filesystem.
make_rootfs() {
	local dir=$1 a
	mkdir -p "$dir"/{bin,dev,proc,sys,tmp,etc,root}
	cp /usr/bin/busybox "$dir/bin/busybox"
	for a in sh cat echo sleep tail seq kill ls grep head wc true false \
		id ps dd mkdir rm env; do
		ln -s busybox "$dir/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
	echo 'root:x:0:' >"$dir/etc/group"
}

# make_bundle DIR ID ROOTFS RESOURCES ARG...: an OCI bundle running ARG... as
# root with the usual namespaces (cgroup included), cgroupsPath /ward-test/ID
# and RESOURCES (a JSON object, e.g. '{"pids": {"limit": 8}}') merged into
# linux.resources.
make_bundle() {
	local dir=$1 id=$2 rootfs=$3 res=$4
	shift 4
	mkdir -p "$dir"
	# argv as JSON through NUL-separated input: jq would take "-c" and
	# friends in a positional list for its own options.  The final "end"
	# element is dropped again; jq 1.6 split() loses trailing empty fields.
	{ printf '%s\0' "$@"; printf end; } | jq -Rs --arg root "$rootfs" --arg cg "/$CGPARENT/$id" \
		--argjson res "$res" '
		split("\u0000")[:-1] as $argv | {
		ociVersion: "1.0.2",
		process: {
			terminal: false,
			user: {uid: 0, gid: 0},
			args: $argv,
			env: ["PATH=/bin", "HOME=/root"],
			cwd: "/",
			capabilities: {
				bounding: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"],
				effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"],
				permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"]
			},
			rlimits: [{type: "RLIMIT_NOFILE", hard: 1024, soft: 1024}],
			noNewPrivileges: true
		},
		root: {path: $root, readonly: true},
		hostname: "vm-smoke",
		mounts: [
			{destination: "/proc", type: "proc", source: "proc"},
			{destination: "/dev", type: "tmpfs", source: "tmpfs",
			 options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
			{destination: "/dev/pts", type: "devpts", source: "devpts",
			 options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
			{destination: "/dev/shm", type: "tmpfs", source: "shm",
			 options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
			{destination: "/dev/mqueue", type: "mqueue", source: "mqueue",
			 options: ["nosuid", "noexec", "nodev"]},
			{destination: "/sys", type: "sysfs", source: "sysfs",
			 options: ["nosuid", "noexec", "nodev", "ro"]},
			{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
			 options: ["nosuid", "noexec", "nodev", "relatime", "ro"]},
			{destination: "/tmp", type: "tmpfs", source: "tmpfs",
			 options: ["nosuid", "nodev", "mode=1777"]}
		],
		linux: {
			cgroupsPath: $cg,
			resources: ({devices: [{allow: false, access: "rwm"}]} + $res),
			namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"},
				{type: "uts"}, {type: "mount"}, {type: "cgroup"}],
			maskedPaths: ["/proc/acpi", "/proc/kcore", "/proc/keys",
				"/proc/latency_stats", "/proc/timer_list", "/proc/sched_debug",
				"/sys/firmware", "/proc/scsi"],
			readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
				"/proc/sysrq-trigger"]
		}
	}' >"$dir/config.json"
}

# bundle_set DIR JQ-FILTER: edit DIR/config.json in place.
bundle_set() {
	jq "$2" "$1/config.json" >"$1/config.json.new" &&
		mv "$1/config.json.new" "$1/config.json"
}

# wait_status ID STATUS: poll "$RT state" until the container reaches STATUS.
wait_status() {
	local i st
	for i in $(seq 100); do
		st=$("$RT" state "$1" 2>/dev/null | jq -r .status) || st=
		[ "$st" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1 is '$st', not '$2'" >&2
	return 1
}
