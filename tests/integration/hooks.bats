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

# probe_hook KIND DIR: a hook that records, in DIR/KIND.*, where it runs: its
# cwd, mount namespace, seccomp mode, an env var it may inherit, and the
# state it was given.
probe_hook() {
	local k=$1 d=$2
	update_config --arg k "$k" --arg d "$d" '.hooks[$k] += [{"path": "/bin/sh", "args": ["sh", "-c",
		"cat > \($d)/\($k).state; pwd -P > \($d)/\($k).cwd; readlink /proc/self/ns/mnt > \($d)/\($k).mnt; grep Seccomp: /proc/self/status > \($d)/\($k).seccomp; echo ${HOOK_PROBE:-unset} > \($d)/\($k).env"]}]'
}

@test "each hook kind runs with runc's cwd, namespaces, seccomp mode and environment" {
	local k bundle host_mnt main_mnt
	for k in prestart createRuntime createContainer poststart poststop; do
		probe_hook "$k" "$HOST_DIR"
	done
	# startContainer resolves and writes inside the container
	probe_hook startContainer /host
	# a filter that is visibly in force, and that refuses pidfd_open (a
	# hook run under it must still be supervised)
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls": [{"names": ["pidfd_open"], "action": "SCMP_ACT_ERRNO"}]}
		| .process.cwd = "/tmp" | .process.env += ["HOOK_PROBE=process"]'
	set_cmd 'readlink /proc/self/ns/mnt > /host/main.mnt'
	bundle=$(cd "$BUNDLE" && pwd -P)
	host_mnt=$(readlink /proc/self/ns/mnt)
	# every command from elsewhere: relative paths must not depend on the caller
	cd /
	run ward_detached create --bundle "$BUNDLE" ct
	assert_success
	run ward start ct
	assert_success
	wait_for_container 100 0.1 ct stopped
	run ward delete ct
	assert_success
	main_mnt=$(cat "$HOST_DIR/main.mnt")

	# the runtime's namespace, from the bundle, with the runtime's environment
	for k in prestart createRuntime poststart poststop; do
		[ "$(cat "$HOST_DIR/$k.mnt")" = "$host_mnt" ] || fail "$k: not in the runtime's mount namespace"
		grep -q 'Seccomp:.0' "$HOST_DIR/$k.seccomp" || fail "$k: $(cat "$HOST_DIR/$k.seccomp")"
		[ "$(cat "$HOST_DIR/$k.env")" = unset ] || fail "$k got the process's environment"
		# runc 1.1.5's delete runs poststop from the caller's cwd; ward
		# enters the bundle for every runtime hook, whoever calls
		if [ "$k" = poststop ] && is_runc; then
			[ "$(cat "$HOST_DIR/$k.cwd")" = / ] || fail "$k cwd: $(cat "$HOST_DIR/$k.cwd")"
		else
			[ "$(cat "$HOST_DIR/$k.cwd")" = "$bundle" ] || fail "$k cwd: $(cat "$HOST_DIR/$k.cwd")"
		fi
	done
	[ "$(jq -r .pid "$HOST_DIR/createRuntime.state")" = "$(jq -r .pid "$HOST_DIR/poststart.state")" ]

	# createContainer: the container's mount namespace before pivot_root,
	# from its rootfs, no filter yet, the process's environment
	[ "$(cat "$HOST_DIR/createContainer.mnt")" = "$main_mnt" ] || fail "createContainer: not in the container's mount namespace"
	[ "$(cat "$HOST_DIR/createContainer.cwd")" = "$bundle/rootfs" ] || fail "createContainer cwd: $(cat "$HOST_DIR/createContainer.cwd")"
	grep -q 'Seccomp:.0' "$HOST_DIR/createContainer.seccomp" || fail "createContainer: $(cat "$HOST_DIR/createContainer.seccomp")"
	[ "$(cat "$HOST_DIR/createContainer.env")" = process ]

	# startContainer: the container process itself right before its
	# execve: its cwd, its filter
	[ "$(cat "$HOST_DIR/startContainer.mnt")" = "$main_mnt" ] || fail "startContainer: not in the container's mount namespace"
	[ "$(cat "$HOST_DIR/startContainer.cwd")" = /tmp ] || fail "startContainer cwd: $(cat "$HOST_DIR/startContainer.cwd")"
	grep -q 'Seccomp:.2' "$HOST_DIR/startContainer.seccomp" || fail "startContainer: $(cat "$HOST_DIR/startContainer.seccomp")"
	[ "$(cat "$HOST_DIR/startContainer.env")" = process ]

	# hooks inside the container get the pid as the container sees it
	# (runtime-spec, "State"); it is its own pid namespace's init
	[ "$(jq -r .pid "$HOST_DIR/createContainer.state")" = 1 ] || fail "$(cat "$HOST_DIR/createContainer.state")"
	[ "$(jq -r .pid "$HOST_DIR/startContainer.state")" = 1 ] || fail "$(cat "$HOST_DIR/startContainer.state")"
}

@test "a createContainer hook can use paths relative to the container's rootfs" {
	add_hook createContainer 'test -f bin/busybox && echo from-hook > etc/made-by-hook'
	set_cmd 'cat /etc/made-by-hook'
	run ward run ct
	assert_success
	assert_output from-hook
}

@test "startContainer hooks run with the container process's user and capabilities" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}
		| .hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c",
			"{ id -u; grep -E \"^(CapEff|CapBnd|NoNewPrivs):\" /proc/self/status; } > /host/hook"]}]'
	set_cmd '{ id -u; grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status; } > /host/main'
	run ward run ct
	assert_success
	run cat "$HOST_DIR/hook"
	assert_line -n 0 1000
	[ "$output" = "$(cat "$HOST_DIR/main")" ] || fail "hook: $output; process: $(cat "$HOST_DIR/main")"
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
