#!/usr/bin/env bats
# The container's processes never share the caller's session or process
# group, and a terminal in the caller's stdio is never their controlling
# terminal. Otherwise kill(0, SIGKILL) inside kills the caller (a shim, a
# shell pipeline), and TIOCSTI pushes commands into the operator's shell,
# which runs them once ward returns.

load helpers

setup() {
	sec_setup
	export WARD WARD_ROOT
	D=$TEST_DIR
	export D
}
teardown() { sec_teardown; }

# in_own_group SCRIPT: run SCRIPT with bash in a new session and process
# group (as a shell runs a pipeline, as a shim runs the runtime), with a
# bystander `sleep` in the same group whose pid lands in $D/bystander.
# The script's last words go to $D/rc; the test looks at both afterwards.
in_own_group() {
	setsid -w bash -c 'sleep 600 & echo $! >"$D/bystander"; '"$1" </dev/null 3>&- || true
	echo "$(cat "$D/bystander")" >>"$D/bg.pids"
}

assert_group_survived() {
	[ -s "$D/rc" ] || fail "the caller's shell was killed before it could report"
	kill -0 "$(cat "$D/bystander")" 2>/dev/null || fail "a process of the caller's group was killed"
}

@test "kill -9 0 and kill -9 -1 in the container leave the caller's process group alive (run | cat)" {
	set_cmd 'kill -9 0; kill -9 -1; sleep 0.2; echo survived'
	in_own_group '"$WARD" --root "$WARD_ROOT" run ct 2>&1 | cat >"$D/out"; echo "rc=${PIPESTATUS[0]}" >"$D/rc"'
	cat "$D/out" || true
	assert_group_survived
	grep -qx survived "$D/out"
	grep -qx rc=0 "$D/rc"
}

@test "kill -9 0 in a container without a pid namespace leaves the caller's process group alive" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_cmd 'kill -9 0'
	in_own_group '"$WARD" --root "$WARD_ROOT" run ct 2>&1 | cat >"$D/out"; echo "rc=${PIPESTATUS[0]}" >"$D/rc"'
	assert_group_survived
	grep -qx rc=137 "$D/rc"
}

@test "kill -9 0 from a ward exec process leaves the caller's process group alive" {
	ward_detached run -d ct
	in_own_group '"$WARD" --root "$WARD_ROOT" exec ct sh -c "kill -9 0; echo not reached" 2>&1 | cat >"$D/out"; echo "rc=${PIPESTATUS[0]}" >"$D/rc"'
	cat "$D/out" || true
	assert_group_survived
	grep -qx rc=137 "$D/rc"
	[ "$(container_status ct)" = running ]
}

# on_pty COMMAND: COMMAND (a bash script) run as the shell of an operator on
# a fresh pty; afterwards that shell reads one line from its terminal, as
# it would read its next command. Output without carriage returns.
on_pty() {
	run "$(sec_tool ptyrun)" bash -c "$1"'; read -r -t 2 line; echo "after:$line"'
	output=${output//$'\r'/}
	lines=()
	mapfile -t lines <<<"$output"
}

assert_not_injected() {
	assert_line "ctty: no"
	assert_line "after:"
	refute_output_contains "TIOCSTI: ok"
}

@test "TIOCSTI on the operator's terminal fails from the container (run, no seccomp filter)" {
	install_tool tty_attack
	# Only the session is under test here: no filter to stop the ioctl.
	update_config '.process.args = ["/tty_attack", "echo INJECTED\n"] | del(.linux.seccomp)'
	on_pty '"$WARD" --root "$WARD_ROOT" run ct'
	echo "$output"
	assert_not_injected
	if [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" = 1 ]; then
		assert_line "TIOCSTI: EPERM"
	fi
}

@test "TIOCSTI on the operator's terminal fails from ward exec without -t (no seccomp filter)" {
	install_tool tty_attack
	update_config 'del(.linux.seccomp)'
	ward_detached run -d ct
	on_pty '"$WARD" --root "$WARD_ROOT" exec ct /tty_attack "echo INJECTED
"'
	echo "$output"
	assert_not_injected
}

@test "the default seccomp profile denies TIOCSTI and TIOCLINUX even with CAP_SYS_ADMIN" {
	install_tool tty_attack
	# CAP_SYS_ADMIN lets TIOCSTI reach any terminal the process has open,
	# controlling or not: only the filter stands in the way.
	update_config '.process.args = ["/tty_attack", "echo INJECTED\n"]
		| .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
	[ "$(jq -r '.linux.seccomp.defaultAction' config.json)" != null ]
	on_pty '"$WARD" --root "$WARD_ROOT" run ct'
	echo "$output"
	assert_not_injected
	assert_line "TIOCSTI: EPERM"
	assert_line "TIOCLINUX: EPERM"
}

@test "a container with terminal: true gets its own pty as controlling terminal" {
	install_tool tty_attack
	update_config '.process.terminal = true | .process.args = ["/tty_attack", "true\n"]'
	on_pty '"$WARD" --root "$WARD_ROOT" run ct'
	echo "$output"
	assert_line "ctty: yes"
	assert_line "after:"
}
