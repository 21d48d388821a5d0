#!/usr/bin/env bats
# OCI hooks (config.md "POSIX-platform Hooks"): when each kind runs, in which
# namespace, with which state on stdin, and what a failing hook does.

load helpers

setup() {
	setup_bundle
	bind_host_dir
	JQ=$(command -v jq)
}
teardown() { teardown_bundle; }

# add_hook KIND 'shell command': a /bin/sh hook (host-side path).
add_hook() {
	update_config --arg k "$1" --arg c "$2" '.hooks[$k] += [{"path": "/bin/sh", "args": ["sh", "-c", $c]}]'
}

# A hook that appends its name (and the state's status) to $HOST_DIR/log.
log_hook() {
	add_hook "$1" "read -r s; echo $1 \$(echo \"\$s\" | $JQ -r .status) >> $HOST_DIR/log"
}

@test "hooks run in the OCI order around the container's life" {
	local k
	for k in prestart createRuntime createContainer poststart poststop; do
		log_hook "$k"
	done
	# startContainer runs inside the container: its path is the container's
	update_config '.hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "echo startContainer >> /host/log"]}]'
	set_cmd 'echo main >> /host/log'
	run ward run ct
	assert_success
	run cat "$HOST_DIR/log"
	assert_line -n 0 "prestart creating"
	assert_line -n 1 "createRuntime creating"
	assert_line -n 2 "createContainer creating"
	assert_line "startContainer"
	# the state given to poststart: runc passes "created", the process
	# having just been started; "running" is as right
	[[ "$output" == *"poststart created"* || "$output" == *"poststart running"* ]] || fail "poststart state"
	assert_line "main"
	assert_line -n 6 "poststop stopped"
	[ "${#lines[@]}" -eq 7 ] || fail "expected 7 lines"
	# startContainer runs before the user process
	[[ "$output" == *startContainer*main* ]] || fail "startContainer after main"
}

@test "hooks get the container's id, pid and bundle on stdin" {
	add_hook createRuntime "cat > $HOST_DIR/state.json"
	run ward_detached create ct
	assert_success
	run cat "$HOST_DIR/state.json"
	[ "$(jq -r .id <<<"$output")" = ct ] || fail "$output"
	[ "$(jq -r .pid <<<"$output")" = "$(container_pid ct)" ] || fail "$output"
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ] || fail "$output"
	[ -n "$(jq -r .ociVersion <<<"$output")" ]
}

@test "hook args and env are used as given, and nothing else is inherited" {
	update_config --arg d "$HOST_DIR" '.hooks.prestart = [{
		"path": "/bin/sh",
		"args": ["sh", "-c", "echo \"$0|$1|$HOOK_VAR|${WARD_TEST_LEAK:-unset}\" > \($d)/args", "first", "second"],
		"env": ["HOOK_VAR=from env"]}]'
	set_cmd 'true'
	WARD_TEST_LEAK=leaked run ward run ct
	assert_success
	run cat "$HOST_DIR/args"
	assert_output "first|second|from env|unset"
}

@test "prestart and createRuntime hooks run in the runtime's namespaces" {
	add_hook createRuntime "readlink /proc/self/ns/mnt > $HOST_DIR/mnt; readlink /proc/self/ns/pid > $HOST_DIR/pid"
	set_cmd 'true'
	run ward run ct
	assert_success
	[ "$(cat "$HOST_DIR/mnt")" = "$(readlink /proc/self/ns/mnt)" ] || fail "not in the host mount namespace"
	[ "$(cat "$HOST_DIR/pid")" = "$(readlink /proc/self/ns/pid)" ] || fail "not in the host pid namespace"
}

@test "createContainer hooks run in the container's namespaces" {
	add_hook createContainer "readlink /proc/self/ns/uts > $HOST_DIR/uts; readlink /proc/self/ns/mnt > $HOST_DIR/mnt"
	set_cmd 'readlink /proc/self/ns/uts; readlink /proc/self/ns/mnt'
	run ward run ct
	assert_success
	[ "$(cat "$HOST_DIR/uts")" = "${lines[0]}" ] || fail "hook uts ns $(cat "$HOST_DIR/uts") != container's ${lines[0]}"
	[ "$(cat "$HOST_DIR/mnt")" = "${lines[1]}" ] || fail "hook mnt ns $(cat "$HOST_DIR/mnt") != container's ${lines[1]}"
}

@test "startContainer hooks run inside the container, from its root" {
	update_config '.hostname = "inside"
		| .hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "hostname > /host/uts; ls / > /host/ls"]}]'
	set_cmd 'true'
	run ward run ct
	assert_success
	[ "$(cat "$HOST_DIR/uts")" = inside ]
	grep -qx host "$HOST_DIR/ls" || fail "the hook did not see the container's root"
}

@test "a failing prestart hook fails create and leaves nothing behind" {
	update_config '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo hook says no >&2; exit 3"]}]'
	run ward_detached create ct
	assert_failure 1
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
	run _test_cgroups
	assert_output ""
}

@test "a failing createContainer hook fails create" {
	update_config '.hooks.createContainer = [{"path": "/bin/false"}]'
	run ward_detached create ct
	assert_failure 1
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "a hook that is not executable fails create" {
	update_config --arg p "$HOST_DIR/missing-hook" '.hooks.createRuntime = [{"path": $p}]'
	run ward_detached create ct
	assert_failure 1
	assert_output_contains "missing-hook"
}

@test "a hook past its timeout is killed and fails create" {
	update_config '.hooks.prestart = [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]'
	SECONDS=0
	run ward_detached create ct
	assert_failure 1
	[ "$SECONDS" -lt 10 ] || fail "create took ${SECONDS}s"
	assert_output_matches "time(d )?out"
}

@test "a failing poststart hook is a warning; the container runs on" {
	# runtime-spec (runtime.md, lifecycle step 10): "If any poststart hook
	# fails, the runtime MUST log a warning, but the remaining hooks and
	# lifecycle continue as if the hook had succeeded."
	requires_ward "warning on a failed poststart hook (runc 1.1.5 fails run)"
	update_config '.hooks.poststart = [{"path": "/bin/false"}]'
	set_cmd 'echo ran-to-end'
	run ward run ct
	assert_success
	assert_output_contains "level=warning"
	assert_output_contains "poststart"
	assert_output_contains "ran-to-end"
}

@test "a failing poststop hook does not stop delete" {
	update_config '.hooks.poststop = [{"path": "/bin/false"}]'
	set_cmd 'true'
	run ward_detached run -d ct
	wait_for_container 100 0.1 ct stopped
	run ward delete ct
	assert_success
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "poststop hooks run when a detached container is deleted" {
	log_hook poststop
	run ward_detached run -d ct
	assert_success
	[ ! -e "$HOST_DIR/log" ] || fail "poststop ran early"
	run ward delete -f ct
	assert_success
	run cat "$HOST_DIR/log"
	assert_output "poststop stopped"
}

@test "several hooks of one kind run in order" {
	add_hook prestart "echo one >> $HOST_DIR/log"
	add_hook prestart "echo two >> $HOST_DIR/log"
	add_hook prestart "echo three >> $HOST_DIR/log"
	set_cmd 'true'
	run ward run ct
	assert_success
	run cat "$HOST_DIR/log"
	assert_output $'one\ntwo\nthree'
}
