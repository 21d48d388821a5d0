#!/usr/bin/env bats
# `exec`: one more process in a running container, with the container's
# namespaces, cgroup, seccomp filter and its capabilities (or those asked for). Like
# runc, a failing exec exits 255.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

start_ct() {
	run ward_detached run -d ct
	assert_success
	wait_for_container 50 0.1 ct running
}

@test "exec runs a command in the container" {
	start_ct
	run ward exec ct echo hello
	assert_success
	assert_output hello
}

@test "options stop at the container id: the command's own flags pass through" {
	start_ct
	run ward exec ct ls -a -d /
	assert_success
	assert_output /
}

@test "exec exits with the process's status, 128+N when killed by signal N" {
	start_ct
	run ward exec ct sh -c 'exit 42'
	assert_failure 42
	run ward exec ct sh -c 'kill -9 $$'
	assert_failure 137
}

@test "exec gets the container's env with -e added and overriding" {
	update_config '.process.env = ["PATH=/bin:/usr/bin", "A=from-config", "B=from-config"]'
	start_ct
	run ward exec -e B=from-flag -e C=new ct sh -c 'echo "$PATH $A $B $C"'
	assert_success
	assert_output "/bin:/usr/bin from-config from-flag new"
}

@test "--cwd sets the working directory; the default is the container's" {
	update_config '.process.cwd = "/etc"'
	start_ct
	run ward exec ct pwd
	assert_success
	assert_output /etc
	run ward exec --cwd /tmp ct pwd
	assert_success
	assert_output /tmp
}

@test "--user and --additional-gids set the ids" {
	start_ct
	run ward exec --user 1000:1000 -g 5 ct sh -c 'id -u; id -g; id -G'
	assert_success
	assert_line -n 0 1000
	assert_line -n 1 1000
	[[ " ${lines[2]} " == *" 5 "* ]] || fail "group 5 missing: ${lines[2]}"
}

@test "--tty with --console-socket hands the pty over" {
	start_ct
	start_recvtty
	run ward_detached exec -t -d --console-socket "$CONSOLE_SOCKET" ct sh -c 'tty; echo via-pty'
	assert_success
	wait_bg "$RECVTTY_PID"
	output=$(tr -d '\r' <"$TTY_OUT")
	mapfile -t lines <<<"$output"
	[[ "${lines[0]}" =~ ^/dev/pts/[0-9]+$ ]] || fail "not a pty: $output"
	assert_line -n 1 via-pty
}

@test "--tty without --console-socket is refused with --detach" {
	start_ct
	run ward_detached exec -t -d ct true
	assert_failure
	assert_output_contains "cannot allocate tty if runc will detach without setting console socket"
}

@test "--detach returns at once and writes --pid-file" {
	start_ct
	run ward_detached exec -d --pid-file "$TEST_DIR/exec.pid" ct sleep 100
	assert_success
	pid=$(cat "$TEST_DIR/exec.pid")
	[ -d "/proc/$pid" ] || fail "process $pid is not running"
	assert_equal "$(readlink "/proc/$pid/ns/pid")" "$(readlink "/proc/$(container_pid ct)/ns/pid")" "pid namespace"
	kill -9 "$pid"
}

@test "--process runs an OCI process JSON" {
	start_ct
	cat >"$TEST_DIR/process.json" <<-'EOF'
		{"args": ["sh", "-c", "echo $X; pwd; id -u"], "env": ["PATH=/bin", "X=from-json"],
		 "cwd": "/tmp", "user": {"uid": 1000, "gid": 1000}}
	EOF
	run ward exec --process "$TEST_DIR/process.json" ct
	assert_success
	assert_output $'from-json\n/tmp\n1000'
}

@test "--process without a user runs as 0:0" {
	start_ct
	cat >"$TEST_DIR/process.json" <<-'EOF'
		{"args": ["sh", "-c", "id -u; id -g"], "env": ["PATH=/bin"], "cwd": "/"}
	EOF
	run ward exec --process "$TEST_DIR/process.json" ct
	assert_success
	assert_output $'0\n0'
}

@test "--process applies consoleSize to the new terminal" {
	start_ct
	cat >"$TEST_DIR/process.json" <<-'EOF'
		{"args": ["stty", "size"], "env": ["PATH=/bin"], "cwd": "/", "terminal": true,
		 "consoleSize": {"height": 37, "width": 123}}
	EOF
	start_recvtty
	run ward_detached exec -d --console-socket "$CONSOLE_SOCKET" --process "$TEST_DIR/process.json" ct
	assert_success
	wait_bg "$RECVTTY_PID"
	output=$(tr -d '\r' <"$TTY_OUT")
	assert_output "37 123"
}

@test "process.ioPriority without a priority means priority 0 (run and --process)" {
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE"}
		| .process.args = ["sh", "-c", "ionice; sleep 1000"]'
	run ward_detached run -d ct
	assert_success
	wait_for_container 50 0.1 ct running
	cat >"$TEST_DIR/process.json" <<-'EOF'
		{"args": ["ionice"], "env": ["PATH=/bin"], "cwd": "/",
		 "ioPriority": {"class": "IOPRIO_CLASS_BE"}}
	EOF
	run ward exec --process "$TEST_DIR/process.json" ct
	assert_success
	assert_output "best-effort: prio 0"
	wait_for_file 100 0.05 "$TEST_DIR/detached.out"
	grep -q "^idle" "$TEST_DIR/detached.out" || fail "init's class: $(cat "$TEST_DIR/detached.out")"
}

@test "exec joins the container's namespaces" {
	update_config '.hostname = "exec-host"'
	start_ct
	init=$(container_pid ct)
	run ward exec ct sh -c 'hostname; cat /proc/1/cmdline | tr "\0" " "; echo; for n in pid net mnt ipc uts cgroup; do readlink /proc/self/ns/$n; done'
	assert_success
	assert_line -n 0 exec-host
	[[ "${lines[1]}" == "sh -c"* ]] || fail "pid 1 is not the container's init: ${lines[1]}"
	i=2
	for n in pid net mnt ipc uts cgroup; do
		assert_equal "${lines[$i]}" "$(readlink /proc/$init/ns/$n)" "$n namespace"
		i=$((i + 1))
	done
}

@test "exec joins the container's cgroup" {
	start_ct
	run ward exec ct sh -c 'cat /proc/1/cgroup; echo --; cat /proc/self/cgroup'
	assert_success
	assert_equal "${output#*--$'\n'}" "${output%$'\n'--*}" "cgroups"
}

@test "exec without --cap has the container's capabilities" {
	start_ct
	run ward exec ct sh -c 'grep CapBnd /proc/1/status; grep CapBnd /proc/self/status'
	assert_success
	assert_equal "${lines[1]}" "${lines[0]}" "bounding set"
	run ward exec --cap CAP_KILL ct grep CapEff /proc/self/status
	assert_success
}

@test "exec: signals the caller ignored or blocked are at their defaults in the process" {
	start_ct
	run bash -c 'trap "" USR1 TERM HUP PIPE; exec "$0" --root "$1" exec ct cat /proc/self/status' \
		"$WARD" "$WARD_ROOT"
	assert_success
	assert_line "$(printf 'SigIgn:\t%016d' 0)"
	assert_line "$(printf 'SigCgt:\t%016d' 0)"
	assert_line "$(printf 'SigBlk:\t%016d' 0)"
}

@test "exec --cap grants a capability outside the container's bounding set, as runc does" {
	start_ct
	# CAP_SYS_ADMIN is bit 21
	run ward exec --cap CAP_SYS_ADMIN ct sh -c 'grep -E "^Cap(Bnd|Eff)" /proc/self/status'
	assert_success
	local eff=${lines[1]##*[[:space:]]}
	(((0x$eff >> 21) & 1)) || fail "CAP_SYS_ADMIN not effective: $output"
}

@test "a privileged exec process file (podman exec --privileged) gets every capability it asks for" {
	start_ct
	local caps
	caps=$(jq -c '.process.capabilities.bounding + ["CAP_AUDIT_CONTROL", "CAP_SYS_ADMIN", "CAP_NET_ADMIN"] | unique' config.json)
	jq -n --argjson c "$caps" '{args: ["sh", "-c", "grep ^CapEff /proc/self/status"], cwd: "/",
		env: ["PATH=/bin"], user: {uid: 0, gid: 0},
		capabilities: {bounding: $c, effective: $c, permitted: $c, inheritable: $c}}' >"$TEST_DIR/process.json"
	run ward exec --process "$TEST_DIR/process.json" ct
	assert_success
	local eff=${output##*[[:space:]]}
	# CAP_NET_ADMIN 12, CAP_SYS_ADMIN 21, CAP_AUDIT_CONTROL 30
	for bit in 12 21 30; do
		(((0x$eff >> bit) & 1)) || fail "capability $bit missing: $output"
	done
}

@test "exec gets the container's seccomp filter" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	start_ct
	run ward exec ct sh -c 'grep "^Seccomp:" /proc/self/status; mkdir /tmp/x && echo made'
	assert_line -n 0 $'Seccomp:\t2'
	refute_output_contains made
}

@test "no fd of the runtime leaks into the process" {
	start_ct
	# not a pipeline: the shell would hold the pipe's fds for a moment
	run ward exec ct sh -c 'ls /proc/$$/fd; true'
	assert_success
	assert_output $'0\n1\n2'
}

@test "--cwd /proc/self/fd/N cannot reach outside the container (CVE-2024-21626)" {
	start_ct
	for n in 3 4 5 6 7 8; do
		run ward exec --cwd "/proc/self/fd/$n" ct sh -c 'pwd -P; ls ../../..'
		if [ "$status" -eq 0 ]; then
			refute_output_contains "$TEST_DIR"
			refute_output_contains unreachable
		fi
	done
}

@test "exec in a stopped container fails" {
	set_cmd 'true'
	run ward_detached run -d ct
	assert_success
	wait_for_container 50 0.1 ct stopped
	run ward exec ct true
	assert_failure 255
	assert_output_contains "cannot exec in a stopped container"
}

@test "exec in a paused container fails" {
	start_ct
	run ward pause ct
	assert_success
	run ward exec ct true
	assert_failure 255
	assert_output_contains "cannot exec in a paused container"
	run ward resume ct
	assert_success
}

@test "exec without a command is an error" {
	start_ct
	run ward exec ct
	assert_failure 255
	assert_output_contains "process args cannot be empty"
}

@test "exec into a container with a user namespace" {
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	start_ct
	run ward exec ct sh -c 'id -u; cat /proc/self/uid_map | awk "{ print \$1, \$2, \$3 }"'
	assert_success
	assert_output $'0\n0 100000 65536'
}
