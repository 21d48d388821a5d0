#!/usr/bin/env bats
# `run`: create + start + wait, with the container's stdio, exit status and
# signals passed through.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "run prints the process output and exits 0" {
	set_cmd 'echo hello from the container'
	run ward run ct
	assert_success
	assert_output "hello from the container"
}

@test "run exits with the container's exit status" {
	set_cmd 'exit 7'
	run ward run ct
	assert_failure 7
	assert_output ""
}

@test "run passes exit status 255 through unchanged" {
	set_cmd 'exit 255'
	run ward run ct
	assert_failure 255
}

@test "run exits 128+9 when the container is killed with SIGKILL" {
	bg_ward run ct </dev/null >/dev/null 2>&1
	local runtime=$BG_PID
	wait_for_container 100 0.1 ct running
	run ward kill ct KILL
	assert_success
	wait_bg "$runtime"
	assert_failure 137
}

@test "run forwards SIGTERM to the container process" {
	set_cmd 'trap "echo got TERM; exit 42" TERM; echo ready > /host/ready; while :; do sleep 0.1; done'
	bind_host_dir
	bg_ward run ct </dev/null >"$TEST_DIR/out"
	local runtime=$BG_PID
	wait_for_file 100 0.1 "$HOST_DIR/ready"
	kill -TERM "$runtime"
	wait_bg "$runtime"
	assert_failure 42
	run cat "$TEST_DIR/out"
	assert_output "got TERM"
}

@test "run forwards SIGUSR1 and SIGHUP to the container process" {
	set_cmd 'trap "echo USR1 >> /host/log" USR1; trap "echo HUP >> /host/log; exit 3" HUP; echo ready > /host/ready; while :; do sleep 0.1; done'
	bind_host_dir
	bg_ward run ct </dev/null
	local runtime=$BG_PID
	wait_for_file 100 0.1 "$HOST_DIR/ready"
	kill -USR1 "$runtime"
	wait_for_file 100 0.1 "$HOST_DIR/log"
	kill -HUP "$runtime"
	wait_bg "$runtime"
	assert_failure 3
	run cat "$HOST_DIR/log"
	assert_output $'USR1\nHUP'
}

@test "run removes the container when its process exits" {
	set_cmd 'true'
	run ward run ct
	assert_success
	run ward state ct
	assert_failure 1
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory $WARD_ROOT/ct left behind"
}

@test "run removes the container's cgroup when its process exits" {
	set_cmd 'true'
	run ward run ct
	assert_success
	run _test_cgroups
	assert_output ""
}

@test "run --detach returns while the container keeps running" {
	run ward_detached run --detach ct
	assert_success
	assert_output ""
	[ "$(container_status ct)" = running ] || fail "status is $(container_status ct)"
	local pid
	pid=$(container_pid ct)
	pid_alive "$pid" || fail "init pid $pid is not alive"
}

@test "run starts the process at once: no exec.fifo, running as soon as run returns" {
	set_cmd 'echo started > /host/started; sleep 100'
	bind_host_dir
	run ward_detached run --detach ct
	assert_success
	[ ! -e "$WARD_ROOT/ct/exec.fifo" ] || fail "run left an exec.fifo"
	[ "$(container_status ct)" = running ] || fail "status is $(container_status ct)"
	wait_for_file 100 0.1 "$HOST_DIR/started"
	run ward start ct
	assert_failure
	assert_output_contains "cannot start an already running container"
}

@test "run: signals the caller ignored or blocked are at their defaults in the container" {
	update_config '.process.args = ["cat", "/proc/self/status"]'
	run bash -c 'trap "" USR1 TERM HUP PIPE; exec "$0" --root "$1" run ct' "$WARD" "$WARD_ROOT"
	assert_success
	assert_line "$(printf 'SigIgn:\t%016d' 0)"
	assert_line "$(printf 'SigCgt:\t%016d' 0)"
	assert_line "$(printf 'SigBlk:\t%016d' 0)"
}

@test "run -d: the detached container writes to the stdio it was given" {
	set_cmd 'echo detached output; echo detached error >&2'
	ward run -d ct >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	wait_for_container 100 0.1 ct stopped
	run cat "$TEST_DIR/out"
	assert_output "detached output"
	run cat "$TEST_DIR/err"
	assert_output "detached error"
}

@test "run keeps stdout and stderr apart" {
	set_cmd 'echo to-out; echo to-err >&2'
	run --separate-stderr ward run ct
	assert_success
	assert_output "to-out"
	[ "$stderr" = "to-err" ] || fail "stderr is '$stderr'"
}

@test "run gives the container the caller's stdin" {
	update_config '.process.args = ["cat"]'
	run bash -c "printf 'line one\nline two\n' | '$WARD' --root '$WARD_ROOT' run ct"
	assert_success
	assert_output $'line one\nline two'
}

@test "run --bundle works from another directory" {
	set_cmd 'echo bundle ok'
	cd /
	run ward run --bundle "$BUNDLE" ct
	assert_success
	assert_output "bundle ok"
	run ward run -b "$BUNDLE" ct
	assert_success
	assert_output "bundle ok"
}

@test "run passes arguments verbatim (spaces, quotes, empty strings)" {
	update_config '.process.args = ["/bin/sh", "-c", "printf \"[%s]\" \"$@\"", "sh", "a b", "it'"'"'s", "", "$HOME"]'
	run ward run ct
	assert_success
	assert_output "[a b][it's][][\$HOME]"
}

@test "run resolves a bare command name through the process PATH" {
	update_config '.process.args = ["echo", "found"] | .process.env = ["PATH=/usr/bin:/bin"]'
	run ward run ct
	assert_success
	assert_output "found"
}

@test "run fails with exit 1 when the executable does not exist" {
	update_config '.process.args = ["no-such-binary"]'
	run ward run ct
	assert_failure 1
	assert_output_contains "no-such-binary"
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
	run _test_cgroups
	assert_output ""
}

@test "run fails with exit 1 when args[0] is not executable" {
	update_config '.process.args = ["/etc/passwd"]'
	run ward run ct
	assert_failure 1
	assert_output_contains "/etc/passwd"
	assert_output_contains "ermission denied"
}

@test "the container process is pid 1 in its own pid namespace" {
	set_cmd 'echo $$; readlink /proc/self/ns/pid'
	run ward run ct
	assert_success
	assert_line -n 0 "1"
	[ "${lines[1]}" != "$(readlink /proc/self/ns/pid)" ] || fail "container shares the host pid namespace"
}

@test "run returns when init exits even if a child holds stdout open" {
	set_cmd 'sleep 1000 & echo init done'
	SECONDS=0
	run ward run ct
	assert_success
	assert_output "init done"
	[ "$SECONDS" -lt 20 ] || fail "run took ${SECONDS}s"
}

@test "run refuses an id that is already in use" {
	run ward_detached run -d ct
	assert_success
	run ward_detached run -d ct
	assert_failure 1
	assert_output_contains "exist"
	# the first container is untouched
	[ "$(container_status ct)" = running ]
}
