#!/usr/bin/env bats
# `kill`: deliver a signal to the container's init (or all its processes).

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "kill without a signal sends SIGTERM" {
	run ward_detached run -d ct
	assert_success
	run ward kill ct
	assert_success
	assert_output ""
	wait_for_container 100 0.1 ct stopped
}

@test "kill accepts KILL, SIGKILL and 9" {
	local sig n=0
	for sig in KILL SIGKILL 9; do
		n=$((n + 1))
		run ward_detached run -d ct$n
		assert_success
		run ward kill ct$n "$sig"
		assert_success
		wait_for_container 100 0.1 ct$n stopped
		run ward delete ct$n
		assert_success
	done
}

@test "kill accepts TERM and SIGTERM and 15" {
	local sig n=0
	for sig in TERM SIGTERM 15; do
		n=$((n + 1))
		run ward_detached run -d ct$n
		run ward kill ct$n "$sig"
		assert_success
		wait_for_container 100 0.1 ct$n stopped
		run ward delete ct$n
		assert_success
	done
}

@test "kill delivers a caught signal without stopping the container" {
	set_cmd 'trap "echo got USR1 >> /host/log" USR1; while :; do sleep 0.1; done'
	bind_host_dir
	run ward_detached run -d ct
	assert_success
	run ward kill ct USR1
	assert_success
	wait_for_file 100 0.1 "$HOST_DIR/log"
	run cat "$HOST_DIR/log"
	assert_output "got USR1"
	[ "$(container_status ct)" = running ]
}

@test "kill of a created container stops it" {
	run ward_detached create ct
	assert_success
	run ward kill ct KILL
	assert_success
	wait_for_container 100 0.1 ct stopped
}

@test "kill of a stopped container fails" {
	set_cmd 'true'
	run ward_detached run -d ct
	wait_for_container 100 0.1 ct stopped
	run ward kill ct KILL
	assert_failure 1
	assert_output_contains "not running"
}

@test "kill of an unknown container fails" {
	run ward kill nosuch KILL
	assert_failure 1
	assert_output_contains "does not exist"
}

@test "kill rejects an unknown signal name" {
	run ward_detached run -d ct
	run ward kill ct NOTASIGNAL
	assert_failure 1
	assert_output_contains "NOTASIGNAL"
	[ "$(container_status ct)" = running ]
}

@test "kill --all signals every process in the container" {
	set_cmd 'sleep 1000 & echo $! > /host/child; wait'
	bind_host_dir
	run ward_detached run -d ct
	wait_for_file 100 0.1 "$HOST_DIR/child"
	local init
	init=$(container_pid ct)
	run ward kill --all ct KILL
	assert_success
	wait_for_container 100 0.1 ct stopped
	! pid_alive "$init" || fail "init $init still alive"
}

@test "kill needs a container id" {
	run ward kill
	assert_failure 1
}
