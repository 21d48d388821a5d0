#!/usr/bin/env bats
# `start`: run the user process of a created container.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "start runs the process and the container becomes running" {
	run ward_detached create ct
	assert_success
	run ward start ct
	assert_success
	assert_output ""
	[ "$(container_status ct)" = running ] || fail "status $(container_status ct)"
}

@test "start: the process writes to the stdio given to create" {
	set_cmd 'echo out-line; echo err-line >&2'
	run ward_detached create ct
	assert_success
	run ward start ct
	assert_success
	assert_output ""
	wait_for_container 100 0.1 ct stopped
	run cat "$TEST_DIR/detached.out"
	assert_output $'out-line\nerr-line'
}

@test "start: the container's pid stays the one create reported" {
	run ward_detached create ct
	local pid
	pid=$(container_pid ct)
	run ward start ct
	assert_success
	[ "$(container_pid ct)" = "$pid" ] || fail "pid changed: $pid -> $(container_pid ct)"
	run cat "/proc/$pid/comm"
	assert_output "sh"
}

@test "start of a running container fails" {
	run ward_detached create ct
	run ward start ct
	assert_success
	run ward start ct
	assert_failure 1
	[ "$(container_status ct)" = running ]
}

@test "start of a stopped container fails" {
	set_cmd 'true'
	run ward_detached create ct
	run ward start ct
	assert_success
	wait_for_container 100 0.1 ct stopped
	run ward start ct
	assert_failure 1
}

@test "start of an unknown container fails" {
	run ward start nosuch
	assert_failure 1
	assert_output_contains "does not exist"
}

@test "start needs exactly one argument" {
	run ward start
	assert_failure 1
	run ward start a b
	assert_failure 1
}

@test "a container exiting with a status is stopped, not deleted" {
	set_cmd 'exit 3'
	run ward_detached create ct
	run ward start ct
	assert_success
	wait_for_container 100 0.1 ct stopped
	[ -d "$WARD_ROOT/ct" ] || fail "state directory is gone before delete"
}
