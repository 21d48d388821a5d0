#!/usr/bin/env bats
# Pods through containerd's CRI plugin with RuntimeClass handler "ward"
# (runtime io.containerd.ward.v2): sandbox, containers, ExecSync, status,
# stats, teardown; one shim per pod; a loop of pods leaves nothing behind;
# a pod or container annotation reserved for the node policy is refused.
# The client (tests/tools/cri.py) speaks runtime.v1 with python3-grpcio.

load helpers
load shim_helpers

setup_file() {
	/usr/bin/python3 -c 'import grpc' 2>/dev/null || skip "python3-grpcio is not installed"
	command -v busybox >/dev/null || skip "busybox is not installed"
	export CTRD_DISABLED=" "
	ctrd_start "$(
		cri_toml '    default_runtime_name = "ward"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ward]
      runtime_type = "io.containerd.ward.v2"
      pod_annotations = ["run.ward.*"]
      container_annotations = ["run.ward.*"]'
	)"
	cri_import_wardbox
}

teardown_file() {
	ctrd_stop
	cri_cgroups_cleanup cri
}

setup() { cri_pod_setup cri; }

teardown() { cri_pod_teardown; }

# the socket containerd's naming gives the pod's shim
pod_socket() {
	echo "/run/containerd/s/$(printf '%s' "$SOCK/k8s.io/$1" | sha256sum | cut -d' ' -f1)"
}

@test "cri: a ward pod of three containers: exec, status, stats, one shim" {
	run cri runp "$POD_NAME" ward "$CGP"
	assert_success
	POD=$output
	[ -S "$(pod_socket "$POD")" ] || fail "no shim socket for the pod"
	local c1 c2 c3
	c1=$(cri create "$POD" app1 "$CGP" docker.io/library/wardbox:1 /bin/sleep 1000)
	cri start "$c1"
	c2=$(cri create "$POD" app2 "$CGP" docker.io/library/wardbox:1 /bin/sh -c 'echo bye; exit 3')
	cri start "$c2"
	c3=$(cri create "$POD" app3 "$CGP" docker.io/library/wardbox:1 /bin/sleep 1000)
	cri start "$c3"

	run ctrd_shim_pids
	[ "${#lines[@]}" = 1 ] || fail "expected one shim for the pod, saw: ${lines[*]}"

	run cri exec "$c1" 10 /bin/sh -c 'echo out; echo err >&2; exit 4'
	assert_success
	[ "$(jq -r .stdout <<<"$output")" = out ] || fail "stdout: $output"
	[ "$(jq -r .stderr <<<"$output")" = err ] || fail "stderr: $output"
	[ "$(jq -r .exit_code <<<"$output")" = 4 ] || fail "exit code: $output"

	# an exec that outlives its timeout does not report success
	local t0=$SECONDS
	run cri exec "$c1" 1 /bin/sleep 30
	[ $((SECONDS - t0)) -lt 20 ] || fail "ExecSync timeout took $((SECONDS - t0))s"
	[ "$status" -ne 0 ] || [ "$(jq -r .exit_code <<<"$output")" != 0 ] || fail "timed-out exec succeeded: $output"

	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(cri status "$c2" | jq -r .state)" = EXITED ] && break
		sleep 0.1
	done
	run cri status "$c2"
	assert_success
	[ "$(jq -r .state <<<"$output")" = EXITED ] || fail "status: $output"
	[ "$(jq -r .exit_code <<<"$output")" = 3 ] || fail "status: $output"

	run cri stats "$c1"
	assert_success
	[ "$(jq -r .memory <<<"$output")" -gt 0 ] || fail "stats: $output"

	run cri stop "$c3"
	assert_success
	run cri rm "$c3"
	assert_success
	run cri exec "$c1" 10 /bin/echo still-served
	assert_success
	[ "$(jq -r .stdout <<<"$output")" = still-served ] || fail "after removing c3: $output"

	run cri stopp "$POD"
	assert_success
	run cri rmp "$POD"
	assert_success
	POD=
	for ((i = 0; i < 50; i++)); do
		[ -z "$(ctrd_shim_pids)" ] && break
		sleep 0.1
	done
	[ -z "$(ctrd_shim_pids)" ] || fail "shim left: $(ctrd_shim_pids)"
	! grep -qF " $CTRD_DIR/" /proc/self/mountinfo || fail "mounts left: $(grep -F " $CTRD_DIR/" /proc/self/mountinfo)"
}

@test "cri: a pod or a container setting a node policy annotation is refused, naming it" {
	# the pod's annotations reach the sandbox's config (pod_annotations)
	run cri runp --annotation run.ward.idmap-rootfs=true "$POD_NAME-r" ward "$CGP"
	assert_failure
	output=${output//\\\"/\"}
	assert_output_contains 'annotations["run.ward.idmap-rootfs"]: reserved for the node policy'
	# a pod without one runs; its container that sets one does not start
	run cri runp --annotation run.ward.profile=any "$POD_NAME" ward "$CGP"
	assert_success
	POD=$output
	local c1
	c1=$(cri create --ctr-annotation run.ward.seccomp-floor=default "$POD" app1 "$CGP" \
		docker.io/library/wardbox:1 /bin/sleep 1000)
	run cri start "$c1"
	assert_failure
	output=${output//\\\"/\"}
	assert_output_contains 'annotations["run.ward.seccomp-floor"]: reserved for the node policy'
	run cri status "$c1"
	[ "$(jq -r .state <<<"$output")" != RUNNING ] || fail "started: $output"
	cri rm "$c1"
}

@test "cri: pods created and removed in a loop leave no process, mount or socket" {
	local n=${WARD_CRI_PODS:-20} i pod c mounts pods=() ids=()
	# only our own mounts count (other suites mount and unmount meanwhile)
	mounts=$(ctrd_own_mounts | wc -l)
	for ((i = 0; i < n; i++)); do
		pod=$(cri runp "$POD_NAME-$i" ward "$CGP-$i") || fail "pod $i"
		POD=$pod
		c=$(cri create "$pod" app "$CGP-$i" docker.io/library/wardbox:1 /bin/sleep 1000) || fail "container $i"
		cri start "$c" || fail "start $i"
		cri stopp "$pod" || fail "stop pod $i"
		cri rmp "$pod" || fail "remove pod $i"
		POD=
		pods+=("$pod")
		ids+=("$pod" "$c")
	done
	for ((i = 0; i < 50; i++)); do
		[ -z "$(ctrd_shim_pids)" ] && break
		sleep 0.1
	done
	[ -z "$(ctrd_shim_pids)" ] || fail "shims left: $(ctrd_shim_pids)"
	[ "$(ctrd_own_mounts "${ids[@]}" | wc -l)" -le "$mounts" ] ||
		fail "mounts leaked: $(ctrd_own_mounts "${ids[@]}")"
	local left
	left=$("$WARD" --root /run/containerd/ward/k8s.io list -q 2>/dev/null)
	for pod in "${pods[@]}"; do
		[ -e "$(pod_socket "$pod")" ] && fail "pod $pod: shim socket left"
		grep -qF "$pod" <<<"$left" && fail "pod $pod: sandbox container left in the runtime"
	done
	return 0
}

# Exec and Attach through containerd's streaming server (WebSocket, channel
# protocol v4): the shim's exec stdio FIFOs, its terminals and ResizePty,
# and CloseIO when a stdin_once client goes away.
stream() { /usr/bin/python3 "$SRC_DIR/tests/tools/cri_stream.py" "$SOCK" "$@"; }

@test "cri: Exec streams stdin, stdout, stderr and the exit status; a terminal is resized" {
	POD=$(cri runp "$POD_NAME" ward "$CGP")
	local c
	c=$(cri create "$POD" app "$CGP" docker.io/library/wardbox:1 /bin/sleep 1000)
	cri start "$c"

	run stream exec "$c" -i --step 'send:one\ntwo\n' -- /bin/sh -c 'head -n 2; echo err >&2'
	assert_success
	[ "$(jq -r .protocol <<<"$output")" = v4.channel.k8s.io ] || fail "protocol: $output"
	[[ "$(jq -r .url <<<"$output")" == http://127.0.0.1:[1-9]*/exec/* ]] || fail "url: $output"
	[ "$(jq -r .stdout <<<"$output")" = $'one\ntwo' ] || fail "stdout: $output"
	[ "$(jq -r .stderr <<<"$output")" = err ] || fail "stderr: $output"
	[ "$(jq -r .exit_code <<<"$output")" = 0 ] || fail "exit code: $output"

	run stream exec "$c" -- /bin/sh -c 'echo out; echo err >&2; exit 3'
	assert_success
	[ "$(jq -r .stdout <<<"$output")" = out ] || fail "stdout: $output"
	[ "$(jq -r .stderr <<<"$output")" = err ] || fail "stderr: $output"
	[ "$(jq -r .exit_code <<<"$output")" = 3 ] || fail "exit code: $output"

	# the client going away ends the exec's stdin (CloseIO): cat finishes
	run stream exec "$c" -i --step 'send:kept\n' --step close -- /bin/sh -c 'cat >/tmp/in; echo eof >>/tmp/in'
	assert_success
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(cri exec "$c" 10 /bin/cat /tmp/in | jq -r .stdout)" = $'kept\neof' ] && break
		sleep 0.1
	done
	run cri exec "$c" 10 /bin/cat /tmp/in
	[ "$(jq -r .stdout <<<"$output")" = $'kept\neof' ] || fail "stdin not closed: $output"

	# a terminal: the resize reaches the pty (stty size), input is echoed
	run stream exec "$c" -t -i --step resize:123,45 --step 'wait:45 123' --step 'send:hi\n' -- /bin/sh -c \
		'for i in $(seq 300); do [ "$(stty size)" = "45 123" ] && break; sleep 0.1; done; stty size; read x; echo "got:$x"; exit 2'
	assert_success
	[[ "$(jq -r .stdout <<<"$output")" == *"45 123"*"got:hi"* ]] || fail "tty exec: $output"
	[ "$(jq -r .exit_code <<<"$output")" = 2 ] || fail "exit code: $output"
}

@test "cri: Attach to a stdin_once container (detaching closes its stdin) and to a terminal" {
	POD=$(cri runp "$POD_NAME" ward "$CGP")
	local c i
	c=$(cri create --stdin --stdin-once "$POD" app "$CGP" docker.io/library/wardbox:1 \
		/bin/sh -c 'while read l; do echo "echo:$l"; done; exit 7')
	cri start "$c"

	run stream attach "$c" -i --step 'send:ping\n' --step 'wait:echo:ping' --step close
	assert_success
	[[ "$(jq -r .stdout <<<"$output")" == *echo:ping* ]] || fail "attach: $output"

	for ((i = 0; i < 50; i++)); do
		[ "$(cri status "$c" | jq -r .state)" = EXITED ] && break
		sleep 0.1
	done
	run cri status "$c"
	[ "$(jq -r .state <<<"$output")" = EXITED ] || fail "stdin not closed on detach: $output"
	[ "$(jq -r .exit_code <<<"$output")" = 7 ] || fail "status: $output"

	# a terminal container: input reaches it, a resize reaches its pty
	c=$(cri create --stdin --tty "$POD" tty "$CGP" docker.io/library/wardbox:1 /bin/sh -c \
		'read l; for i in $(seq 300); do [ "$(stty size)" = "30 100" ] && break; sleep 0.1; done; echo "got:$l $(stty size)"; exec sleep 1000')
	cri start "$c"
	run stream attach "$c" -t -i --step resize:100,30 --step 'send:hi\n' --step 'wait:got:hi 30 100' --step close
	assert_success
	[[ "$(jq -r .stdout <<<"$output")" == *"got:hi 30 100"* ]] || fail "tty attach: $output"
	[ "$(cri status "$c" | jq -r .state)" = RUNNING ] || fail "tty container: $(cri status "$c")"
}
