#!/usr/bin/env bats
# The core of create/start/run: namespaces made and joined, the parent/child
# sync (errors from the child reach the user, nothing is left behind), hooks
# and their state, the console socket, inherited fds and the sealed binary.

load helpers

setup() { setup_bundle; }
teardown() {
	[ -n "${HOLDER_PID:-}" ] && kill -9 "$HOLDER_PID" 2>/dev/null
	teardown_bundle
}

map_ids() {
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

# A process in a new user namespace mapping 0 -> 100000, to join by path.
start_userns_holder() {
	unshare --user sleep 1000 &
	HOLDER_PID=$!
	echo "$HOLDER_PID" >>"$TEST_DIR/bg.pids"
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(readlink /proc/$HOLDER_PID/ns/user)" != "$(readlink /proc/self/ns/user)" ] && break
		sleep 0.05
	done
	echo "0 100000 65536" >/proc/$HOLDER_PID/uid_map
	echo "0 100000 65536" >/proc/$HOLDER_PID/gid_map
}

@test "the child's own error reaches the user, and a failed create leaves nothing" {
	requires_ward "ward's error wording"
	update_config '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "none"}]'
	run ward create ct
	assert_failure 1
	assert_output_contains 'ward create failed: '
	assert_output_contains '/x'
	assert_output_contains 'No such device'
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
	[ -z "$(_test_cgroups)" ] || fail "cgroup left behind: $(_test_cgroups)"
}

@test "a new user namespace maps container root to the host range" {
	map_ids
	set_cmd 'id -u; cat /proc/self/uid_map; touch /proc/self/x 2>/dev/null; echo ok'
	chmod 755 "$BUNDLE"
	run ward run ct
	assert_success
	assert_line -n 0 "0"
	assert_output_matches '0 +100000 +65536'
	assert_line "ok"
}

@test "a user namespace joined by path, with a new pid namespace" {
	requires_ward "joining a user namespace without repeating its mappings"
	start_userns_holder
	update_config --arg p "/proc/$HOLDER_PID/ns/user" '.linux.namespaces += [{"type": "user", "path": $p}]'
	set_cmd 'echo pid=$$; id -u; readlink /proc/self/ns/user'
	run ward run ct
	assert_success
	assert_line -n 0 "pid=1"
	assert_line -n 1 "0"
	assert_line -n 2 "$(readlink /proc/$HOLDER_PID/ns/user)"
}

@test "a new user namespace alongside a network namespace joined by path" {
	requires_ward "/sys in a user namespace with a host-owned network namespace"
	unshare --net sleep 1000 &
	HOLDER_PID=$!
	echo "$HOLDER_PID" >>"$TEST_DIR/bg.pids"
	sleep 0.2
	map_ids
	update_config --arg p "/proc/$HOLDER_PID/ns/net" \
		'.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
	set_cmd 'readlink /proc/self/ns/net; id -u'
	run ward run ct
	assert_success
	assert_line -n 0 "$(readlink /proc/$HOLDER_PID/ns/net)"
	assert_line -n 1 "0"
}

@test "a namespace path of the wrong type is refused before anything exists" {
	requires_ward "ward's error wording"
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/uts" else . end)'
	run ward create ct
	assert_failure 1
	assert_output_contains 'is not a network namespace'
	[ ! -e "$WARD_ROOT/ct" ]
}

@test "a time namespace with boottime offsets" {
	requires_ward "time namespaces"
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}}'
	set_cmd 'cut -d. -f1 /proc/uptime'
	run ward run ct
	assert_success
	[ "$output" -ge 864000 ] || fail "uptime $output has no offset"
}

@test "hooks see the state of their phase" {
	bind_host_dir
	local rec=$TEST_DIR/hook.sh
	printf '#!/bin/sh\ncat > %s/$1.json\n' "$HOST_DIR" >"$rec"
	chmod +x "$rec"
	update_config --arg h "$rec" '.hooks = {
		"prestart": [{"path": $h, "args": ["h", "prestart"]}],
		"createRuntime": [{"path": $h, "args": ["h", "createRuntime"]}],
		"createContainer": [{"path": $h, "args": ["h", "createContainer"]}],
		"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > /host/startContainer.json"]}],
		"poststart": [{"path": $h, "args": ["h", "poststart"]}],
		"poststop": [{"path": $h, "args": ["h", "poststop"]}]}'
	set_cmd 'true'
	run ward run ct
	assert_success
	local kind want poststart=running
	# runc 1.1.5 still reports "created" to poststart hooks.
	is_runc && poststart=created
	for kind in prestart:creating createRuntime:creating createContainer:creating \
		startContainer:created poststart:$poststart poststop:stopped; do
		want=${kind#*:}
		kind=${kind%%:*}
		run jq -r '.status + " " + .id' "$HOST_DIR/$kind.json"
		assert_output "$want ct"
	done
	run jq -r .pid "$HOST_DIR/createRuntime.json"
	[ "$output" -gt 1 ] || fail "createRuntime state has no host pid"
}

@test "a failing createRuntime hook fails create with its message; poststop still runs" {
	update_config --arg out "$HOST_DIR/poststop.json" '.hooks = {
		"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "echo refused-by-hook >&2; exit 3"]}],
		"poststop": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > \($out)"]}]}'
	run ward create ct
	assert_failure 1
	assert_output_contains 'refused-by-hook'
	[ ! -e "$WARD_ROOT/ct" ]
	run jq -r '.status + " " + .id' "$HOST_DIR/poststop.json"
	assert_output "stopped ct"
}

@test "the console socket receives the pty master" {
	start_recvtty
	update_config '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 101}'
	set_cmd 'tty; stty size; readlink /proc/self/fd/2'
	run ward create --console-socket "$CONSOLE_SOCKET" ct
	assert_success
	run ward start ct
	assert_success
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q '^/dev/pts/[0-9]*.$' "$TTY_OUT" 2>/dev/null && [ "$(wc -l <"$TTY_OUT")" -ge 3 ] && break
		sleep 0.05
	done
	run cat "$TTY_OUT"
	assert_output_matches '/dev/pts/[0-9]+'
	assert_output_contains '33 101'
}

@test "a terminal without a console socket is refused for create" {
	update_config '.process.terminal = true'
	run ward create ct
	assert_failure 1
	assert_output_contains 'cannot allocate tty if runc will detach without setting console socket'
}

@test "run in the foreground relays its own terminal" {
	command -v script >/dev/null || skip "script(1) not installed"
	update_config '.process.terminal = true'
	set_cmd 'tty; read line; echo "got $line"; exit 4'
	run script -qec "stty rows 21 cols 88; $WARD --root $WARD_ROOT run ct; echo rc=\$?" /dev/null <<<"hello"
	assert_output_matches '/dev/pts/[0-9]+'
	assert_output_contains 'got hello'
	assert_output_contains 'rc=4'
}

@test "only stdio and the preserved fds reach the container" {
	set_cmd 'ls /proc/self/fd | sort -n | tr "\n" " "; cat <&3'
	echo from-host >"$TEST_DIR/f3"
	run ward run --preserve-fds 1 ct 3<"$TEST_DIR/f3" 7<"$TEST_DIR/f3"
	assert_success
	# 0-2, the preserved 3, and the fd ls itself holds on /proc/self/fd.
	assert_line -n 0 "0 1 2 3 4 from-host"
}

@test "a cwd that resolves outside the container root is refused (CVE-2024-21626)" {
	requires_ward "ward's error wording"
	update_config '.process.cwd = "/proc/self/fd/3"'
	run ward run --preserve-fds 1 ct 3</tmp
	assert_failure
	assert_output_contains 'outside the container root'
}

@test "init runs from a copy of ward nobody can write (CVE-2019-5736)" {
	requires_ward "ward's sealed self-exec"
	run ward_detached create ct
	assert_success
	local pid exe
	pid=$(container_pid ct)
	exe=$(readlink "/proc/$pid/exe")
	run sh -c "echo x >> /proc/$pid/exe"
	assert_failure
	# a sealed memfd, the binary on a read-only mount no namespace holds,
	# or the installed binary bound read-only over itself: never a
	# writable file
	if [ "$exe" = "$(readlink -f "$WARD")" ]; then
		mountpoint -q "$WARD" && findmnt -n -o OPTIONS --target "$WARD" | tr , '\n' | grep -qx ro ||
			fail "init runs from the host's writable ward binary"
	fi
}

@test "--no-pivot runs the container and leaves no mounts behind" {
	set_cmd 'echo pivotless'
	run ward run --no-pivot ct
	assert_success
	assert_output "pivotless"
}
