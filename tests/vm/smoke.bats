#!/usr/bin/env bats
# Smoke tests for the cgroup v2 guest: the host layout is what we claim, and
# a reference runtime (runc) and ward enforce memory and pids limits through
# it.  Run with tests/vm/run.sh.

load helpers

MEM_LIMIT=33554432	# 32 MiB

setup_file() {
	make_rootfs "$BATS_FILE_TMPDIR/rootfs"
}

setup() {
	ID=smoke-$BATS_TEST_NUMBER
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	CG=$CGROOT/$CGPARENT/$ID
}

teardown() {
	if [ -n "${RT:-}" ]; then
		"$RT" delete -f "$ID" >/dev/null 2>&1 || true
	fi
}

@test "cgroup2 is mounted on /sys/fs/cgroup and no v1 hierarchy exists" {
	# CGROUP2_SUPER_MAGIC
	[ "$(stat -f -c %t /sys/fs/cgroup)" = 63677270 ]
	run grep -E '^[^ ]+ [^ ]+ cgroup ' /proc/mounts
	[ "$status" -ne 0 ]
	# A v2-only process has a single 0:: line.
	run cat /proc/self/cgroup
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == 0::/* ]]
}

@test "controllers are available and enabled for children of the root" {
	local c
	for c in cpu cpuset io memory pids; do
		grep -qw "$c" $CGROOT/cgroup.controllers
		grep -qw "$c" $CGROOT/cgroup.subtree_control
	done
	# The test itself runs outside the root cgroup, as under systemd.
	[ "$(cat /proc/self/cgroup)" != "0::/" ]
}

# run_limits: memory.max and pids.max as the container sees them through its
# cgroup namespace; the cgroup is gone after the container exits.
run_limits() {
	make_bundle "$BUNDLE" "$ID" "$BATS_FILE_TMPDIR/rootfs" \
		"{\"memory\": {\"limit\": $MEM_LIMIT}, \"pids\": {\"limit\": 32}}" \
		sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /proc/self/cgroup'
	run "$RT" run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$MEM_LIMIT" ]
	[ "${lines[1]}" = 32 ]
	[ "${lines[2]}" = "0::/" ]
	[ ! -e "$CG" ]
}

# create_limits: after create the init process sits in the cgroup named by
# cgroupsPath with the limits written to the kernel's interface files.
create_limits() {
	local pid
	make_bundle "$BUNDLE" "$ID" "$BATS_FILE_TMPDIR/rootfs" \
		"{\"memory\": {\"limit\": $MEM_LIMIT}, \"pids\": {\"limit\": 32},
		  \"cpu\": {\"quota\": 50000, \"period\": 100000}}" \
		sleep 600
	# The container keeps its stdio: give it files, not bats' pipes.
	"$RT" create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID" \
		</dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	wait_status "$ID" created
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	echo "init $pid in $(cat "/proc/$pid/cgroup")"
	grep . "$CG/memory.max" "$CG/pids.max" "$CG/cpu.max" "$CG/cgroup.procs"
	[ "$(cat "$CG/memory.max")" = "$MEM_LIMIT" ]
	[ "$(cat "$CG/pids.max")" = 32 ]
	[ "$(cat "$CG/cpu.max")" = "50000 100000" ]
	grep -qx "$pid" "$CG/cgroup.procs"
	[ "$(cat "/proc/$pid/cgroup")" = "0::/$CGPARENT/$ID" ]
	"$RT" start "$ID"
	wait_status "$ID" running
	"$RT" kill "$ID" KILL
	wait_status "$ID" stopped
	"$RT" delete "$ID"
	[ ! -e "$CG" ]
}

# oom_kill: a process growing past memory.max is killed by the cgroup's OOM
# killer ("oom" counts limit hits; a guest-wide OOM would not raise it).
oom_kill() {
	# Without the limit in place tail would exhaust the whole guest.
	make_bundle "$BUNDLE" "$ID" "$BATS_FILE_TMPDIR/rootfs" \
		"{\"memory\": {\"limit\": $MEM_LIMIT}}" \
		sh -c 'max=$(cat /sys/fs/cgroup/memory.max)
		[ "$max" = "$1" ] || { echo "memory.max is $max"; exit 3; }
		tail /dev/zero; echo "tail=$?"; cat /sys/fs/cgroup/memory.events' \
		sh "$MEM_LIMIT"
	run "$RT" run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *tail=137* ]]
	[[ $output =~ oom\ [1-9] ]]
	[[ $output =~ oom_kill\ [1-9] ]]
}

# fork_loop: with pids.max = 8 a fork loop stops at the limit.
fork_loop() {
	make_bundle "$BUNDLE" "$ID" "$BATS_FILE_TMPDIR/rootfs" '{"pids": {"limit": 8}}' sh -c '
		max=$(cat /sys/fs/cgroup/pids.max)
		[ "$max" = 8 ] || { echo "pids.max is $max"; exit 3; }
		(i=0; while [ $i -lt 50 ]; do sleep 60 & i=$((i + 1)); echo "forked $i"; done)
		echo "current $(cat /sys/fs/cgroup/pids.current)"
		cat /sys/fs/cgroup/pids.events'
	run "$RT" run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	# sh, the subshell and six sleeps fill the eight slots.
	[[ $output == *"forked 6"* ]]
	[[ $output != *"forked 7"* ]]
	[[ $output == *"current 8"* ]]
	[[ $output =~ max\ [1-9] ]]
}

@test "runc: run applies memory.max and pids.max" {
	use_runtime runc
	run_limits
}

@test "runc: create places init in its cgroup with the limits" {
	use_runtime runc
	create_limits
}

@test "runc: memory limit triggers the OOM killer" {
	use_runtime runc
	oom_kill
}

@test "runc: pids limit stops a fork loop" {
	use_runtime runc
	fork_loop
}

@test "ward: run applies memory.max and pids.max" {
	use_runtime ward
	run_limits
}

@test "ward: create places init in its cgroup with the limits" {
	use_runtime ward
	create_limits
}

@test "ward: memory limit triggers the OOM killer" {
	use_runtime ward
	oom_kill
}

@test "ward: pids limit stops a fork loop" {
	use_runtime ward
	fork_loop
}
