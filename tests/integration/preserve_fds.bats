#!/usr/bin/env bats
# --preserve-fds N: fds 3..3+N-1 reach the container; nothing else does.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "--preserve-fds 1 passes fd 3" {
	echo "through fd 3" >"$TEST_DIR/fd3"
	set_cmd 'cat <&3'
	run ward run --preserve-fds 1 ct 3<"$TEST_DIR/fd3"
	assert_success
	assert_output "through fd 3"
}

@test "--preserve-fds 2 passes fds 3 and 4" {
	echo three >"$TEST_DIR/a"
	echo four >"$TEST_DIR/b"
	set_cmd 'cat <&3; cat <&4'
	run ward run --preserve-fds 2 ct 3<"$TEST_DIR/a" 4<"$TEST_DIR/b"
	assert_success
	assert_output $'three\nfour'
}

@test "a preserved fd stays writable" {
	set_cmd 'echo written >&3'
	run ward run --preserve-fds 1 ct 3>"$TEST_DIR/out"
	assert_success
	[ "$(cat "$TEST_DIR/out")" = written ] || fail "got: $(cat "$TEST_DIR/out")"
}

@test "without --preserve-fds only stdio reaches the container" {
	set_cmd 'ls /proc/self/fd | sort -n | tr "\n" " "'
	run ward run ct 5</dev/null 7</dev/null
	assert_success
	# 0 1 2, plus the fd ls uses for reading the directory
	assert_output "0 1 2 3 "
}

@test "fds beyond the preserved count are closed" {
	set_cmd 'ls /proc/self/fd | sort -n | tr "\n" " "'
	run ward run --preserve-fds 1 ct 3</dev/null 4</dev/null 5</dev/null
	assert_success
	assert_output "0 1 2 3 4 "
}

@test "--preserve-fds works with create and start" {
	echo via-create >"$TEST_DIR/fd3"
	set_cmd 'cat <&3 > /host/got'
	bind_host_dir
	run ward_detached create --preserve-fds 1 ct 3<"$TEST_DIR/fd3"
	assert_success
	run ward start ct
	assert_success
	wait_for_file 100 0.1 "$HOST_DIR/got"
	[ "$(cat "$HOST_DIR/got")" = via-create ]
}
