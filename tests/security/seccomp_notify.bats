#!/usr/bin/env bats
# SCMP_ACT_NOTIFY (config-linux.md "Seccomp"): once the filter is loaded,
# the notify fd goes to the agent listening on linux.seccomp.listenerPath
# together with the container process state (runtime.md
# "containerProcessState"), and the agent decides what notified system
# calls return. The agent is tests/tools/seccomp_listener.c.

load helpers

setup() { sec_setup; }
teardown() { sec_teardown; }

listener_bin() {
	local b
	for b in "${SECCOMP_LISTENER:-}" "$WARD_BUILD_DIR/tests/tools/seccomp_listener" \
		"$(dirname "$WARD")/tests/tools/seccomp_listener"; do
		[ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
	done
	b=$WARD_TEST_TMP/seccomp_listener
	(
		flock 9
		[ -x "$b" ] || cc -O2 -Wall -o "$b" "$SRC_DIR/tests/tools/seccomp_listener.c" -lyajl -lseccomp
	) 9>"$WARD_TEST_TMP/.lock-seccomp-listener" || return 1
	echo "$b"
}

# start_agent ANSWER [DIR]: the agent on $AGENT_SOCK, answering every
# notified call with ANSWER ("continue" or an errno); it writes into
# $AGENT_OUT ($TEST_DIR/DIR, default agent).
start_agent() {
	local bin i
	bin=$(listener_bin) || return 1
	AGENT_SOCK=$TEST_DIR/agent.sock
	AGENT_OUT=$TEST_DIR/${2:-agent}
	mkdir -p "$AGENT_OUT"
	bg_start "$bin" "$AGENT_SOCK" "$AGENT_OUT" "$1" </dev/null >"$AGENT_OUT/stderr" 2>&1
	AGENT_PID=$BG_PID
	for ((i = 0; i < 100; i++)); do
		[ -S "$AGENT_SOCK" ] && return 0
		sleep 0.05
	done
	fail "the agent is not listening"
}

# wait_agent: the agent leaves by itself once no process uses the filter.
wait_agent() {
	local i
	for ((i = 0; i < 100; i++)); do
		pid_alive "$AGENT_PID" || break
		sleep 0.05
	done
	wait_bg "$AGENT_PID"
	[ ! -s "$AGENT_OUT/error" ] || fail "agent: $(cat "$AGENT_OUT/error")"
	[ "$status" -eq 0 ] || fail "agent exited with $status"
}

# notify_config NNP [CALLS]: mkdir and mkdirat (or CALLS, a JSON array) notify.
notify_config() {
	update_config --arg p "${AGENT_SOCK:-$TEST_DIR/agent.sock}" --argjson nnp "$1" \
		--argjson calls "${2:-[\"mkdir\", \"mkdirat\"]}" '
		.process.noNewPrivileges = $nnp
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
			listenerMetadata: "agent-meta 42",
			syscalls: [{names: $calls, action: "SCMP_ACT_NOTIFY"}]}'
}

@test "seccomp notify: the agent gets the state and its errno is what mkdir returns" {
	start_agent 28 # ENOSPC
	notify_config true
	# exec: the container's init itself makes the call
	set_cmd 'exec mkdir /dev/shm/notified'
	run ward run notify1
	assert_failure 1
	assert_output_contains "No space left on device"
	wait_agent

	local st=$AGENT_OUT/state.json pid
	jq . "$st" >/dev/null || fail "state is not JSON: $(cat "$st")"
	[ "$(jq -r .state.id "$st")" = notify1 ] || fail "state.id: $(cat "$st")"
	[ "$(jq -r .metadata "$st")" = "agent-meta 42" ] || fail "metadata: $(cat "$st")"
	[ "$(jq -c .fds "$st")" = '["seccompFd"]' ] || fail "fds: $(cat "$st")"
	[ "$(jq -r .state.bundle "$st")" = "$BUNDLE" ] || fail "state.bundle: $(cat "$st")"
	[ "$(jq -r .state.status "$st")" = created ] || fail "state.status: $(cat "$st")"
	[ "$(jq -r .ociVersion "$st")" = "$(jq -r .state.ociVersion "$st")" ] || fail "ociVersion"
	pid=$(jq -r .pid "$st")
	[ "$(jq -r .state.pid "$st")" = "$pid" ] || fail "pid and state.pid differ: $(cat "$st")"
	# the pid is the host's: the agent saw the call come from it
	grep -Eq "^mkdir(at)? $pid /dev/shm/notified\$" "$AGENT_OUT/log" ||
		fail "pid $pid, log: $(cat "$AGENT_OUT/log")"
}

@test "seccomp notify: continue lets the call run (filter loaded early, without noNewPrivileges)" {
	start_agent continue
	notify_config false
	set_cmd 'mkdir /dev/shm/made && test -d /dev/shm/made && echo made'
	run ward run notify2
	assert_success
	assert_output "made"
	wait_agent
	grep -Eq '^mkdir(at)? [0-9]+ /dev/shm/made$' "$AGENT_OUT/log" || fail "log: $(cat "$AGENT_OUT/log")"
}

@test "seccomp notify: create + start, calls outside the rule are not notified" {
	start_agent 13 # EACCES
	notify_config true
	bind_host_dir
	set_cmd 'mkdir /dev/shm/a 2>/host/err; touch /dev/shm/b && echo ok >/host/out'
	run ward_detached create notify3
	assert_success
	# nothing is sent before start: the filter is loaded just before exec
	[ ! -e "$AGENT_OUT/state.json" ] || fail "state sent at create"
	run ward start notify3
	assert_success
	wait_for_file 100 0.05 "$HOST_DIR/out"
	wait_agent
	grep -q "Permission denied" "$HOST_DIR/err" || fail "mkdir: $(cat "$HOST_DIR/err")"
	[ "$(wc -l <"$AGENT_OUT/log")" -eq 1 ] || fail "log: $(cat "$AGENT_OUT/log")"
	[ "$(jq -r .state.pid "$AGENT_OUT/state.json")" -gt 1 ] || fail "pid"
	ward delete -f notify3
}

@test "seccomp notify: no agent at listenerPath fails create" {
	notify_config true
	set_cmd 'true'
	run ward_detached create notify4
	assert_failure
	assert_output_contains "listenerPath"
	assert_output_contains "$TEST_DIR/agent.sock"
	assert_output_contains "No such file or directory"
	run ward state notify4
	assert_failure
}

@test "seccomp notify: calls ward needs to hand the fd over are refused" {
	# refused before any agent is contacted: none listens
	local call
	set_cmd 'true'
	for call in sendmsg write; do
		notify_config true "[\"$call\"]"
		run ward run "notify-$call"
		assert_failure
		assert_output_contains "SCMP_ACT_NOTIFY cannot be used for the $call syscall"
	done
	update_config '.linux.seccomp.defaultAction = "SCMP_ACT_NOTIFY" | .linux.seccomp.syscalls = []'
	run ward run notify-default
	assert_failure
	assert_output_contains "SCMP_ACT_NOTIFY cannot be"
	assert_output_contains "default action"
	update_config 'del(.linux.seccomp.listenerPath) | .linux.seccomp.defaultAction = "SCMP_ACT_ALLOW"
		| .linux.seccomp.syscalls = [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]'
	run ward run notify-nopath
	assert_failure
	assert_output_contains "listenerPath"
}

@test "seccomp notify: exec sends its own fd and the running state, the agent answers its mkdir" {
	local init_pid init_out st=$TEST_DIR/agent/state.json pid i
	# init's filter goes to a first agent, which takes one connection and
	# leaves the socket path free for a second one
	start_agent continue init-agent
	init_pid=$AGENT_PID init_out=$AGENT_OUT
	notify_config true
	set_cmd 'sleep 100'
	run ward_detached create notify5
	assert_success
	run ward start notify5
	assert_success
	for ((i = 0; i < 100; i++)); do
		[ -S "$AGENT_SOCK" ] || break
		sleep 0.05
	done
	[ -s "$init_out/state.json" ] || fail "init's agent got nothing"
	start_agent 28 # ENOSPC

	run ward exec --pid-file "$TEST_DIR/exec.pid" notify5 mkdir /dev/shm/execd
	assert_failure 1
	assert_output_contains "No space left on device"
	wait_agent

	jq . "$st" >/dev/null || fail "state is not JSON: $(cat "$st")"
	[ "$(jq -r .state.id "$st")" = notify5 ] || fail "state.id: $(cat "$st")"
	[ "$(jq -r .state.status "$st")" = running ] || fail "state.status: $(cat "$st")"
	[ "$(jq -r .state.bundle "$st")" = "$BUNDLE" ] || fail "state.bundle: $(cat "$st")"
	[ "$(jq -r .metadata "$st")" = "agent-meta 42" ] || fail "metadata: $(cat "$st")"
	[ "$(jq -c .fds "$st")" = '["seccompFd"]' ] || fail "fds: $(cat "$st")"
	# pid is the exec'd process's host pid; state.pid stays init's
	pid=$(jq -r .pid "$st")
	[ "$pid" = "$(cat "$TEST_DIR/exec.pid")" ] || fail "pid $pid, pid file $(cat "$TEST_DIR/exec.pid")"
	[ "$(jq -r .state.pid "$st")" = "$(container_pid notify5)" ] || fail "state.pid: $(cat "$st")"
	[ "$pid" != "$(container_pid notify5)" ] || fail "pid is init's"
	grep -Eq "^mkdir(at)? $pid /dev/shm/execd\$" "$AGENT_OUT/log" ||
		fail "pid $pid, log: $(cat "$AGENT_OUT/log")"
	# the call reached only the exec'd process's agent
	[ ! -s "$init_out/log" ] || fail "init's agent: $(cat "$init_out/log")"

	ward delete -f notify5
	AGENT_PID=$init_pid AGENT_OUT=$init_out wait_agent
}
