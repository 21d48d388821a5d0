#!/usr/bin/env bats
# --pid-file: the host pid of the container's init.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "create --pid-file writes the init pid" {
	run ward_detached create --pid-file "$TEST_DIR/pid" ct
	assert_success
	[ -s "$TEST_DIR/pid" ] || fail "no pid file"
	[ "$(cat "$TEST_DIR/pid")" = "$(container_pid ct)" ] ||
		fail "pid file $(cat "$TEST_DIR/pid"), state $(container_pid ct)"
}

@test "the pid file holds only the number, without a newline" {
	run ward_detached create --pid-file "$TEST_DIR/pid" ct
	assert_success
	[[ "$(cat "$TEST_DIR/pid")" =~ ^[0-9]+$ ]] || fail "content: $(cat -A "$TEST_DIR/pid")"
	[ "$(tail -c 1 "$TEST_DIR/pid" | od -An -c | tr -d ' ')" != '\n' ] || fail "trailing newline"
}

@test "a relative --pid-file is relative to the caller's directory" {
	cd "$TEST_DIR"
	run ward_detached create -b "$BUNDLE" --pid-file rel.pid ct
	assert_success
	[ "$(cat "$TEST_DIR/rel.pid")" = "$(container_pid ct)" ] || fail "no pid file in $TEST_DIR"
}

@test "run -d --pid-file writes the pid of the running process" {
	run ward_detached run -d --pid-file "$TEST_DIR/pid" ct
	assert_success
	local pid
	pid=$(cat "$TEST_DIR/pid")
	[ "$pid" = "$(container_pid ct)" ]
	[ "$(cat "/proc/$pid/comm")" = sh ] || fail "pid $pid is $(cat "/proc/$pid/comm")"
}

@test "an existing pid file is replaced" {
	echo 999999 >"$TEST_DIR/pid"
	run ward_detached create --pid-file "$TEST_DIR/pid" ct
	assert_success
	[ "$(cat "$TEST_DIR/pid")" = "$(container_pid ct)" ]
}
