#!/usr/bin/env bats
# `ps`: the processes of a container, as the host's ps shows them (table)
# or as a JSON array of host pids.

load helpers
load cgroup_helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "ps lists the container's processes in ps -ef form" {
	set_cmd 'sleep 1001 & sleep 1002 & wait'
	run_ct
	local pid
	pid=$(container_pid ct)
	run ward ps ct
	assert_success
	assert_output_matches '^UID +PID +PPID'
	assert_output_contains "sleep 1001"
	assert_output_contains "sleep 1002"
	local line found=0
	for line in "${lines[@]:1}"; do
		[ "$(awk '{ print $2 }' <<<"$line")" = "$pid" ] && found=1
	done
	[ "$found" = 1 ] || fail "init $pid not listed"
	# Only the container's: 3 processes and the header.
	assert_equal "${#lines[@]}" 4 "lines"
}

@test "ps passes its options to ps" {
	run_ct
	# The shell forks before its child becomes sleep: wait for the exec.
	local i
	for ((i = 0; i < 50; i++)); do
		run ward ps ct -o pid,comm
		[[ "$output" == *sleep* ]] && break
		sleep 0.1
	done
	assert_success
	assert_output_matches '^ *PID +COMMAND'
	assert_output_contains "sleep"
	assert_output_contains "sh"
}

@test "ps --format json prints the pids" {
	set_cmd 'sleep 1001 & wait'
	run_ct
	run ward ps --format json ct
	assert_success
	local pid
	pid=$(container_pid ct)
	[ "$(jq 'length' <<<"$output")" = 2 ] || fail "$output"
	[ "$(jq --argjson p "$pid" 'index($p) != null' <<<"$output")" = true ] || fail "$output"
	run ward ps -f json ct
	assert_success
}

@test "ps of a stopped container shows no process" {
	set_cmd 'true'
	run_ct
	wait_for_container 100 0.1 ct stopped
	run ward ps --format json ct
	assert_success
	assert_output "null"
	run ward ps ct
	assert_success
	assert_equal "${#lines[@]}" 1 "lines"
}

@test "ps errors" {
	run_ct
	run ward ps --format xml ct
	assert_failure
	assert_output_contains "invalid format option"
	run ward ps nosuch
	assert_failure
	assert_output_contains "does not exist"
	run ward ps
	assert_failure
}
