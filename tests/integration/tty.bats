#!/usr/bin/env bats
# process.terminal: a pty for the container, its master handed over
# --console-socket (detached) or relayed by the runtime (foreground run).

load helpers

setup() {
	setup_bundle
	update_config '.process.terminal = true'
}
teardown() { teardown_bundle; }

# Run detached with a console socket; wait for the container to finish and
# recvtty to drain the terminal; $output is what it printed (CRs removed).
run_with_console() {
	start_recvtty
	run ward_detached run -d --console-socket "$CONSOLE_SOCKET" ct
	assert_success
	wait_bg "$RECVTTY_PID"
	[ "$status" -eq 0 ] || fail "recvtty exited $status"
	output=$(tr -d '\r' <"$TTY_OUT")
	mapfile -t lines <<<"$output"
}

@test "a detached container gets a terminal through the console socket" {
	set_cmd 'tty; echo through the pty'
	run_with_console
	assert_line -n 0 "/dev/pts/0"
	assert_line -n 1 "through the pty"
}

@test "stdin, stdout and stderr are all the terminal" {
	set_cmd 'readlink /proc/self/fd/0; readlink /proc/self/fd/1; readlink /proc/self/fd/2'
	run_with_console
	assert_output $'/dev/pts/0\n/dev/pts/0\n/dev/pts/0'
}

@test "the terminal is the controlling terminal of the process" {
	# /proc/self/stat field 7 is tty_nr (0: no controlling terminal);
	# field 6 the session id, which the process leads (pid 1)
	set_cmd 'set -- $(cat /proc/self/stat); echo "$7 $6"'
	run_with_console
	[ "${lines[0]% *}" != 0 ] || fail "no controlling terminal: $output"
	[ "${lines[0]#* }" = 1 ] || fail "not a session leader: $output"
}

@test "process.consoleSize sets the terminal size" {
	update_config '.process.consoleSize = {"height": 33, "width": 111}'
	set_cmd 'stty size'
	run_with_console
	assert_output "33 111"
}

@test "the pty belongs to the process user and the tty group" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_cmd 'stat -c %u:%g $(tty)'
	run_with_console
	assert_output "1000:5"
}

@test "the pty is usable by the process as root" {
	set_cmd 'stat -c %u:%g:%a $(tty); echo typed > $(tty)'
	run_with_console
	assert_line -n 0 "0:5:620"
	assert_line -n 1 "typed"
}

@test "a terminal without --console-socket is refused for run -d" {
	run ward_detached run -d ct
	assert_failure 1
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "--console-socket without a terminal is refused" {
	update_config '.process.terminal = false'
	start_recvtty
	run ward_detached run -d --console-socket "$CONSOLE_SOCKET" ct
	assert_failure 1
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "a console socket nobody listens on fails create cleanly" {
	run ward_detached create --console-socket "$TEST_DIR/nobody.sock" ct
	assert_failure 1
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
	run _test_cgroups
	assert_output ""
}

@test "foreground run relays the terminal and the exit status" {
	set_cmd 'tty; exit 5'
	run script -qec "'$WARD' --root '$WARD_ROOT' run ct" /dev/null
	assert_failure 5
	assert_output_contains "/dev/pts/"
}

@test "foreground run passes input typed on the terminal" {
	set_cmd 'read line; echo "got:$line"'
	run bash -c "(sleep 1; printf 'hello\n'; sleep 2) | script -qec \"'$WARD' --root '$WARD_ROOT' run ct\" /dev/null"
	assert_success
	assert_output_contains "got:hello"
}
