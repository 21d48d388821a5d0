#!/usr/bin/env bats
# `pause` and `resume`: freeze every process of a container and thaw it.

load helpers
load cgroup_helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

# The frozen state as the kernel reports it.
frozen() {
	if [ -n "$(cg_v1_mount freezer)" ]; then
		[ "$(cg_read freezer freezer.state)" = FROZEN ]
	else
		[ "$(head -n 1 "$(cg_v2_root)$(cg_path)/cgroup.freeze")" = 1 ]
	fi
}

@test "pause freezes the container and resume thaws it" {
	# A counter that only moves while the container runs.
	# Renamed into place: a read never sees the file truncated but not
	# yet written.
	set_cmd 'i=0; while :; do i=$((i + 1)); echo $i > /host/count.t; mv /host/count.t /host/count; sleep 0.05; done'
	bind_host_dir
	run_ct
	wait_for_file 100 0.1 "$HOST_DIR/count"
	run ward pause ct
	assert_success
	assert_output ""
	[ "$(container_status ct)" = paused ] || fail "status $(container_status ct)"
	frozen || fail "cgroup not frozen"
	local a b
	a=$(cat "$HOST_DIR/count")
	sleep 0.5
	b=$(cat "$HOST_DIR/count")
	assert_equal "$b" "$a" "counter while paused"
	run ward resume ct
	assert_success
	[ "$(container_status ct)" = running ] || fail "status $(container_status ct)"
	! frozen || fail "cgroup still frozen"
	sleep 0.5
	b=$(cat "$HOST_DIR/count")
	[ "$b" -gt "$a" ] || fail "counter stuck at $b after resume"
}

@test "state and list show a paused container" {
	run_ct
	run ward pause ct
	assert_success
	run ward list
	assert_output_contains "paused"
	run ward resume ct
	assert_success
}

@test "pause of a paused container and resume of a running one fail" {
	run_ct
	run ward resume ct
	assert_failure
	assert_output_contains "container not paused"
	run ward pause ct
	assert_success
	run ward pause ct
	assert_failure
	assert_output_contains "container not running"
	run ward resume ct
	assert_success
}

@test "pause and resume of a stopped container fail" {
	set_cmd 'true'
	run_ct
	wait_for_container 100 0.1 ct stopped
	run ward pause ct
	assert_failure
	assert_output_contains "container not running"
	run ward resume ct
	assert_failure
	assert_output_contains "container not paused"
}

@test "pause of an unknown container fails" {
	run ward pause nosuch
	assert_failure
	assert_output_contains "does not exist"
	run ward resume
	assert_failure
}

@test "a paused container is not deleted without --force, and is with it" {
	run_ct
	run ward pause ct
	assert_success
	run ward delete ct
	assert_failure
	run ward delete --force ct
	assert_success
	run ward state ct
	assert_failure
	[ -z "$(cg_dirs_of "$(cg_path)")" ] || fail "cgroup left: $(cg_dirs_of "$(cg_path)")"
}

@test "kill of a paused container takes effect on resume or at once for KILL" {
	run_ct
	run ward pause ct
	assert_success
	run ward kill ct KILL
	assert_success
	# SIGKILL reaches a frozen task on v2; v1 needs the thaw.
	ward resume ct 2>/dev/null || true
	wait_for_container 100 0.1 ct stopped
}
