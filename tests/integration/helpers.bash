#!/bin/bash
# Shared setup for the integration suites. Every suite does:
#
#   load helpers
#   setup() { setup_bundle; }
#   teardown() { teardown_bundle; }
#
# The runtime under test is $WARD (a path or a name on PATH; default: the
# ward built by tests/run.sh). WARD=runc runs the same suites against the
# reference runtime, which is how the tests themselves are checked. Where
# ward deliberately differs from runc, a test says so and asserts ward's
# behaviour (is_ward / requires_ward below).

bats_require_minimum_version 1.5.0

INTEGRATION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$INTEGRATION_DIR/../.." && pwd)
: "${WARD_BUILD_DIR:=$SRC_DIR/_build/tests}"
: "${WARD:=$WARD_BUILD_DIR/ward}"
if [[ "$WARD" != */* ]]; then
	WARD=$(command -v "$WARD") || { echo "runtime not found: $WARD" >&2; exit 1; }
fi

# Scratch space shared by the whole run (rootfs cache, recvtty). tests/run.sh
# exports WARD_TEST_TMP; a bare `bats` run uses its own run directory. It must
# be searchable by others: containers with a user namespace reach their
# rootfs through it as an unprivileged host uid.
if [ -z "${WARD_TEST_TMP:-}" ]; then
	WARD_TEST_TMP=$BATS_RUN_TMPDIR/ward
	mkdir -p "$WARD_TEST_TMP"
	chmod 755 "$BATS_RUN_TMPDIR" "$WARD_TEST_TMP"
fi

# A short name of the runtime for messages and cache keys.
WARD_NAME=$(basename "$WARD")

# The cgroup parent every test container lives under (relative to each
# hierarchy's root); nothing else on the machine is touched.
CGROUP_PARENT=ward-test

is_runc() { [[ "$WARD_NAME" == runc* ]]; }
is_ward() { ! is_runc; }

# For behaviour ward has on purpose and the reference runc 1.1.5 lacks: the
# test runs against ward; against runc it is skipped, naming the gap.
requires_ward() {
	if is_runc; then
		skip "reference runc 1.1.5 lacks: $*"
	fi
}

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# ---- assertions (they print what was seen, to make failures readable) ----

_show_output() {
	echo "--- status: $status"
	echo "--- output:"
	printf '%s\n' "$output"
	echo "---"
}

assert_success() {
	if [ "$status" -ne 0 ]; then
		_show_output >&2
		fail "expected success, got exit status $status"
	fi
}

# assert_failure [STATUS]: non-zero (or exactly STATUS).
assert_failure() {
	if [ $# -gt 0 ]; then
		if [ "$status" -ne "$1" ]; then
			_show_output >&2
			fail "expected exit status $1, got $status"
		fi
	elif [ "$status" -eq 0 ]; then
		_show_output >&2
		fail "expected failure, got exit status 0"
	fi
}

assert_output() {
	if [ "$output" != "$1" ]; then
		_show_output >&2
		echo "--- expected:" >&2
		printf '%s\n' "$1" >&2
		fail "output differs"
	fi
}

assert_output_contains() {
	if [[ "$output" != *"$1"* ]]; then
		_show_output >&2
		fail "output does not contain: $1"
	fi
}

refute_output_contains() {
	if [[ "$output" == *"$1"* ]]; then
		_show_output >&2
		fail "output contains: $1"
	fi
}

assert_output_matches() {
	if ! [[ "$output" =~ $1 ]]; then
		_show_output >&2
		fail "output does not match: $1"
	fi
}

# assert_line STRING: some line of the output is exactly STRING.
# assert_line -n N STRING: line N (0-based) is exactly STRING.
assert_line() {
	if [ "$1" = "-n" ]; then
		if [ "${lines[$2]}" != "$3" ]; then
			_show_output >&2
			fail "line $2 is '${lines[$2]}', expected '$3'"
		fi
		return 0
	fi
	local l
	for l in "${lines[@]}"; do
		[ "$l" = "$1" ] && return 0
	done
	_show_output >&2
	fail "no line is exactly: $1"
}

# assert_equal ACTUAL EXPECTED [WHAT]
assert_equal() {
	if [ "$1" != "$2" ]; then
		fail "${3:-value} is '$1', expected '$2'"
	fi
}

# ---- the runtime ----

# ward ARGS...: the runtime with this test's private --root.
ward() {
	"$WARD" --root "$WARD_ROOT" "$@"
}

# ward_detached ARGS...: for commands that leave a container process behind
# (create, run -d): the container inherits the runtime's stdio, so the
# runtime runs with stdin from /dev/null and stdout/stderr in a file, which is
# printed afterwards (bats `run` would otherwise wait for the container to
# close its end of the output pipe). The container's own later output goes
# to $TEST_DIR/detached.out.
ward_detached() {
	local log=$TEST_DIR/detached.out rc=0
	: >"$log"
	"$WARD" --root "$WARD_ROOT" "$@" </dev/null >>"$log" 2>&1 || rc=$?
	cat "$log"
	return $rc
}

# bg_ward ARGS...: the runtime in the background, BG_PID being the runtime's
# own pid (so signals sent to it reach it, not a wrapping subshell).
bg_ward() {
	"$WARD" --root "$WARD_ROOT" "$@" 3>&- &
	BG_PID=$!
	echo "$BG_PID" >>"$TEST_DIR/bg.pids"
}

# ---- rootfs and bundles ----

# The busybox rootfs, built once per run under a lock and copied per bundle.
ROOTFS_CACHE=$WARD_TEST_TMP/rootfs

_build_rootfs() {
	local dir=$1 bb tmp
	bb=$(command -v busybox) || { echo "busybox not installed (apt-get install busybox-static)" >&2; return 1; }
	if ldd "$bb" >/dev/null 2>&1; then
		echo "$bb is dynamically linked; install busybox-static" >&2
		return 1
	fi
	tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,proc,sys,dev,home/nobody}
	cp "$bb" "$tmp/bin/busybox"
	chroot "$tmp" /bin/busybox --install -s
	chmod 1777 "$tmp/tmp"
	chmod 700 "$tmp/root"
	chown 1000:1000 "$tmp/home/nobody"
	cat >"$tmp/etc/passwd" <<-'EOF'
		root:x:0:0:root:/root:/bin/sh
		nobody:x:1000:1000:nobody:/home/nobody:/bin/sh
	EOF
	cat >"$tmp/etc/group" <<-'EOF'
		root:x:0:
		tty:x:5:
		nobody:x:1000:
	EOF
	echo ward-test >"$tmp/etc/hostname"
	mv "$tmp" "$dir"
}

# The default config, generated once per run by the runtime under test.
SPEC_CACHE=$WARD_TEST_TMP/spec.$WARD_NAME.json

_prepare_cache() {
	(
		flock 9
		if [ ! -d "$ROOTFS_CACHE" ]; then
			_build_rootfs "$ROOTFS_CACHE" || exit 1
		fi
		if [ ! -s "$SPEC_CACHE" ]; then
			local d
			d=$(mktemp -d "$WARD_TEST_TMP/spec.XXXXXX")
			(cd "$d" && "$WARD" spec) || { rm -rf "$d"; exit 1; }
			mv "$d/config.json" "$SPEC_CACHE"
			rm -rf "$d"
		fi
	) 9>"$WARD_TEST_TMP/.lock"
}

# make_bundle DIR [NAME]: a bundle with the busybox rootfs and the runtime's
# default spec, edited for tests: no terminal, a cgroup under ward-test, and a
# long-running init that exits 143 on SIGTERM (pid 1 has no default
# handlers, so the trap is what makes `kill` with SIGTERM observable).
make_bundle() {
	local dir=$1 name=${2:-main}
	_prepare_cache || return 1
	mkdir -p "$dir"
	cp -a "$ROOTFS_CACHE" "$dir/rootfs"
	jq --arg cg "/$CGROUP_PARENT/$TEST_NAME-$name" '
		.process.terminal = false
		| .process.args = ["sh", "-c", "trap \"exit 143\" TERM; sleep 1000 & wait"]
		| .linux.cgroupsPath = $cg
	' "$SPEC_CACHE" >"$dir/config.json"
}

# Per test: a private directory (state root, bundle, host-side files).
setup_bundle() {
	TEST_DIR=$(mktemp -d "$WARD_TEST_TMP/t.XXXXXX")
	chmod 755 "$TEST_DIR"
	TEST_NAME=$(basename "$TEST_DIR")
	# the run's list of test names, to find cgroups a test left behind
	echo "$TEST_NAME" >>"$WARD_TEST_TMP/tests.list"
	WARD_ROOT=$TEST_DIR/state
	BUNDLE=$TEST_DIR/bundle
	HOST_DIR=$TEST_DIR/host
	mkdir -p "$HOST_DIR"
	chmod 777 "$HOST_DIR"
	make_bundle "$BUNDLE" || return 1
	_start_watchdog
	cd "$BUNDLE" || return 1
}

# A test stuck on a container that holds its output pipe cannot be stopped
# by bats' own timeout (bash waits in a read). The watchdog force-deletes
# the test's containers after WARD_TEST_WATCHDOG seconds, which unblocks it;
# teardown then fails the test. fd 3 (bats' TAP stream) is closed in it.
_start_watchdog() {
	local limit=${WARD_TEST_WATCHDOG:-150}
	(
		trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
		sleep "$limit" &
		sleeper=$!
		wait "$sleeper"
		echo "$limit" >"$TEST_DIR/watchdog.fired"
		_kill_test_containers
	) </dev/null >/dev/null 2>&1 3>&- &
	WATCHDOG_PID=$!
}

_kill_test_containers() {
	local id cg pid f
	if [ -d "$WARD_ROOT" ]; then
		for id in $(timeout 30 "$WARD" --root "$WARD_ROOT" list -q 2>/dev/null) \
			$(ls "$WARD_ROOT" 2>/dev/null); do
			timeout 30 "$WARD" --root "$WARD_ROOT" delete -f "$id" >/dev/null 2>&1
		done
	fi
	for cg in $(_test_cgroups); do
		for pid in $(cat "$cg/cgroup.procs" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
	done
	# runtime processes of this test that are still around (a hung `run`):
	# one of their arguments is this test's private state root. One grep
	# over every command line: a fork per process made each teardown cost
	# seconds on a busy machine.
	for f in $(grep -lzxF -- "$WARD_ROOT" /proc/[0-9]*/cmdline 2>/dev/null); do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" = "$BASHPID" ] && continue
		kill -9 "$pid" 2>/dev/null
	done
	return 0
}

# update_config [JQ ARGS...] FILTER: edit $BUNDLE/config.json in place.
update_config() {
	local f=${CONFIG:-$BUNDLE/config.json}
	jq "$@" "$f" >"$f.new" && mv "$f.new" "$f"
}

# set_cmd 'shell command': the container's process runs `sh -c` on it.
set_cmd() {
	update_config --arg c "$1" '.process.args = ["sh", "-c", $c]'
}

# Bind $HOST_DIR at /host in the container (read-write), to pass files out.
bind_host_dir() {
	# the mount point exists beforehand: a container whose root is an
	# unprivileged host uid (user namespace) could not create it
	mkdir -p "$BUNDLE/rootfs/host"
	update_config --arg src "$HOST_DIR" \
		'.mounts += [{"destination": "/host", "type": "bind", "source": $src, "options": ["rbind", "rw"]}]'
}

# The container's status ("" if the runtime does not know it).
container_status() {
	ward state "$1" 2>/dev/null | jq -r .status 2>/dev/null
}

container_pid() {
	ward state "$1" 2>/dev/null | jq -r .pid 2>/dev/null
}

# wait_for_container TRIES DELAY ID [STATUS]: until the container exists (and
# has STATUS).
wait_for_container() {
	local tries=$1 delay=$2 id=$3 want=${4:-} i st
	for ((i = 0; i < tries; i++)); do
		st=$(container_status "$id")
		if [ -n "$st" ] && { [ -z "$want" ] || [ "$st" = "$want" ]; }; then
			return 0
		fi
		sleep "$delay"
	done
	fail "container $id did not reach status '${want:-any}' (last: '$st')"
}

# wait_for_file TRIES DELAY PATH: until PATH exists and is not empty.
wait_for_file() {
	local tries=$1 delay=$2 path=$3 i
	for ((i = 0; i < tries; i++)); do
		[ -s "$path" ] && return 0
		sleep "$delay"
	done
	fail "$path did not appear"
}

# Mount points on the host under this test's directory: a runtime that
# leaked one into the host mount namespace.
_leaked_mounts() {
	awk -v d="$TEST_DIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo
}

# Every cgroup directory this test's containers may have created.
_test_cgroups() {
	local d
	for d in /sys/fs/cgroup/*/"$CGROUP_PARENT"/"$TEST_NAME"-* /sys/fs/cgroup/"$CGROUP_PARENT"/"$TEST_NAME"-*; do
		[ -d "$d" ] && echo "$d"
	done
}

# Remove one cgroup directory, children first, killing what is still inside.
_remove_cgroup() {
	local cg=$1 sub pid i
	for sub in $(find "$cg" -mindepth 1 -depth -type d 2>/dev/null); do
		_remove_cgroup "$sub"
	done
	for ((i = 0; i < 50; i++)); do
		rmdir "$cg" 2>/dev/null && return 0
		for pid in $(cat "$cg/cgroup.procs" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		sleep 0.1
	done
	echo "cannot remove cgroup $cg" >&2
}

teardown_bundle() {
	local id leaked rc=0
	cd / || true
	[ -n "${TEST_DIR:-}" ] || return 0

	# Background helpers a test started (recvtty, foreground runtimes).
	if [ -f "$TEST_DIR/bg.pids" ]; then
		while read -r id; do
			kill -9 "$id" 2>/dev/null
		done <"$TEST_DIR/bg.pids"
	fi

	[ -n "${WATCHDOG_PID:-}" ] && kill "$WATCHDOG_PID" 2>/dev/null
	if [ -f "$TEST_DIR/watchdog.fired" ]; then
		echo "watchdog: the test ran past $(cat "$TEST_DIR/watchdog.fired")s; its containers were force-deleted" >&2
		rc=1
	fi

	# Force-delete every container the test made.
	_kill_test_containers
	for id in $(_test_cgroups); do
		_remove_cgroup "$id"
	done

	# A mount that escaped into the host namespace fails the test; it is
	# unmounted (it is ours: it lies under our test directory) before the
	# directory is removed, so nothing outside is ever deleted through it.
	leaked=$(_leaked_mounts)
	if [ -n "$leaked" ]; then
		echo "mounts leaked into the host mount namespace:" >&2
		echo "$leaked" >&2
		sort -r <<<"$leaked" | while read -r id; do umount -l "$id"; done
		rc=1
	fi
	rm -rf --one-file-system "$TEST_DIR"
	return $rc
}

# Start a command in the background and remember it for teardown.
# Sets BG_PID.
bg_start() {
	"$@" 3>&- &
	BG_PID=$!
	echo "$BG_PID" >>"$TEST_DIR/bg.pids"
}

# wait_bg PID: wait for a background job of this shell (bats `run` cannot:
# it runs in a subshell); sets $status like `run` does.
wait_bg() {
	status=0
	wait "$1" || status=$?
	if [ -f "$TEST_DIR/bg.pids" ]; then
		grep -vx "$1" "$TEST_DIR/bg.pids" >"$TEST_DIR/bg.pids.new" || true
		mv "$TEST_DIR/bg.pids.new" "$TEST_DIR/bg.pids"
	fi
}

# pid_alive PID: the process exists and is not a zombie (a container's init
# that died may linger unreaped under whatever adopted it).
pid_alive() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# ---- terminals ----

# recvtty (tests/tools/recvtty.c): built by make; compiled here when absent
# so the suites also run from a plain `bats` call.
_recvtty_bin() {
	local b
	for b in "${RECVTTY:-}" "$WARD_BUILD_DIR/tests/tools/recvtty" "$(dirname "$WARD")/tests/tools/recvtty"; do
		[ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
	done
	b=$WARD_TEST_TMP/recvtty
	(
		flock 9
		[ -x "$b" ] || cc -O2 -Wall -o "$b" "$SRC_DIR/tests/tools/recvtty.c"
	) 9>"$WARD_TEST_TMP/.lock-recvtty" || return 1
	echo "$b"
}

# start_recvtty [-n]: listen on $CONSOLE_SOCKET; what the terminal prints goes
# to $TTY_OUT. Waits until it is listening.
start_recvtty() {
	local bin
	bin=$(_recvtty_bin) || return 1
	CONSOLE_SOCKET=$TEST_DIR/console.sock
	TTY_OUT=$TEST_DIR/tty.out
	bg_start "$bin" -n -p "$TEST_DIR/recvtty.pid" "$CONSOLE_SOCKET" >"$TTY_OUT" </dev/null
	RECVTTY_PID=$BG_PID
	wait_for_file 100 0.05 "$TEST_DIR/recvtty.pid"
}

# ---- host facts ----

# cgroup2 mount (unified on a hybrid host, /sys/fs/cgroup on a v2 host).
host_cgroup_v1() { [ -d /sys/fs/cgroup/memory ] && ! [ -f /sys/fs/cgroup/cgroup.controllers ]; }
