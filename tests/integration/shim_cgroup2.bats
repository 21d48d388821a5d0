#!/usr/bin/env bats
# The shim's cgroup v2 paths (TaskOOM from memory.events, Stats as
# io.containerd.cgroups.v2.Metrics, Pause/Resume through cgroup.freeze,
# Update), driven over ttrpc by tests/tools/shim_cgroup2_probe.py with a
# stand-in for containerd's event service. This host is cgroup v1 (hybrid):
# tests/run.sh runs the suite in the QEMU guest (lane vm-criu, which carries
# the shim and python3); shim.bats covers the v1 paths with containerd.

load helpers

setup() {
	# the guest emulates its CPU (TCG): the shim's runtime calls are slow
	: "${WARD_TEST_WATCHDOG:=300}"
	requires_ward "the shim runs ward beside it"
	[ -f /sys/fs/cgroup/cgroup.controllers ] ||
		skip "cgroup v2 only (this host is v1/hybrid): tests/run.sh runs it in the guest"
	SHIM_BIN=$(dirname "$WARD")/containerd-shim-ward-v2
	[ -x "$SHIM_BIN" ] || skip "no containerd-shim-ward-v2 beside $WARD"
	command -v python3 >/dev/null || skip "python3 is not installed"
	setup_bundle
	CG=/sys/fs/cgroup/$CGROUP_PARENT/$TEST_NAME-main
}

teardown() {
	# a shim a failed test left: Shutdown now (its socket is gone after)
	if [ -n "${SHIM_SOCK:-}" ] && [ -S "$SHIM_SOCK" ]; then
		timeout 20 python3 "$SRC_DIR/tests/tools/ttrpc_probe.py" "$SHIM_SOCK" shutdown >/dev/null 2>&1
	fi
	teardown_bundle
}

# start_shim: a shim whose events go to $TEST_DIR/events.sock (served by
# the probe); sets SHIM_SOCK.
start_shim() {
	local addr
	addr=$(cd "$BUNDLE" && TTRPC_ADDRESS=$TEST_DIR/events.sock "$SHIM_BIN" -namespace "$CGROUP_PARENT" \
		-address "$TEST_DIR/none.sock" -id c1 start </dev/null)
	SHIM_SOCK=${addr#unix://}
	[ -S "$SHIM_SOCK" ] || fail "no shim socket in '$addr'"
}

probe() {
	run timeout 600 python3 "$SRC_DIR/tests/tools/shim_cgroup2_probe.py" "$SHIM_SOCK" \
		"$TEST_DIR/events.sock" "$1" c1 "$BUNDLE" "$CG" "$WARD_ROOT"
	echo "$output"
}

@test "shim on cgroup v2: an init past memory.max is OOM-killed, TaskOOM before TaskExit, Wait says 137" {
	update_config '.linux.resources.memory = {"limit": 33554432}'
	# only the shell in the cgroup: it is what the OOM killer takes
	set_cmd 'x=a; while :; do x=$x$x; done'
	start_shim
	probe oom
	assert_success
	assert_line "Wait 0 exit_status=137"
	assert_output_matches "ok memory.events.oom_kill [1-9]"
	# Stats of the exited task (its cgroup stays until Delete) counts it
	assert_output_matches "ok stats.oom_kill [1-9]"
	assert_line "event /tasks/oom containerd.events.TaskOOM container_id=c1"
	# in order: the kill is reported before the exit it caused
	topics=$(grep '^event ' <<<"$output" | cut -d' ' -f2 | tr '\n' ' ')
	[[ "$topics" == "/tasks/create /tasks/start /tasks/oom /tasks/exit /tasks/delete " ]] ||
		fail "events in this order: $topics"
}

@test "shim on cgroup v2: Stats is a v2 Metrics matching the cgroup files; Pause/Resume freeze; Update sets the limits" {
	update_config '.linux.resources.memory = {"limit": 67108864}
		| .linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	# CPU first (cpu.stat's usage_usec grows), then two idle processes
	set_cmd 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; trap "exit 143" TERM; sleep 1000 & wait'
	start_shim
	probe stats
	assert_success
	refute_output_contains "bad "
	assert_line "ok stats.type_url io.containerd.cgroups.v2.Metrics"
	assert_output_matches "ok stats.cpu_burnt [1-9]"
	assert_output_matches "ok stats.pids.current stats=2 "
	assert_line "ok stats.memory.usage_limit stats=67108864 file=67108864..67108864"
	assert_output_matches "ok stats.hugetlb.sizes \[.*'2MB'"
	assert_line "ok stats.hugetlb.2MB stats=(0, 4194304) file=(0, 4194304)"
	assert_line "ok pause.cgroup.freeze '1\\n'"
	assert_line "ok resume.cgroup.freeze '0\\n'"
	assert_line "ok update.memory.max 100663296"
	assert_line "ok stats2.pids_limit 50"
	assert_line "Wait 0 exit_status=137"
	topics=$(grep '^event ' <<<"$output" | cut -d' ' -f2 | tr '\n' ' ')
	[[ "$topics" == "/tasks/create /tasks/start /tasks/paused /tasks/resumed /tasks/exit /tasks/delete " ]] ||
		fail "events in this order: $topics"
}
