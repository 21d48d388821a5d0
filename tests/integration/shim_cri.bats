#!/usr/bin/env bats
# Pods through containerd's CRI plugin with RuntimeClass handler "ward"
# (runtime io.containerd.ward.v2): sandbox, containers, ExecSync, status,
# stats, teardown; one shim per pod; a loop of pods leaves nothing behind.
# The client (tests/tools/cri.py) speaks runtime.v1 with python3-grpcio.

load helpers
load shim_helpers

CRI=$SRC_DIR/tests/tools/cri.py

setup_file() {
	/usr/bin/python3 -c 'import grpc' 2>/dev/null || skip "python3-grpcio is not installed"
	command -v busybox >/dev/null || skip "busybox is not installed"
	export CTRD_DISABLED=" "
	local dir
	dir=$(mktemp -d /tmp/ward-cri.XXXXXX)
	ctrd_start "$(
		cat <<-TOML
			[plugins."io.containerd.grpc.v1.cri"]
			  sandbox_image = "docker.io/library/wardbox:1"
			  restrict_oom_score_adj = true
			  stream_server_port = "0"
			  enable_selinux = false
			  [plugins."io.containerd.grpc.v1.cri".containerd]
			    snapshotter = "overlayfs"
			    default_runtime_name = "ward"
			    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ward]
			      runtime_type = "io.containerd.ward.v2"
			  [plugins."io.containerd.grpc.v1.cri".cni]
			    bin_dir = "$dir/cni-bin"
			    conf_dir = "$dir/cni-conf"
		TOML
	)"
	rm -rf "$dir"
	/usr/bin/python3 "$SRC_DIR/tests/tools/oci_image.py" "$(command -v busybox)" "$CTRD_DIR/wardbox.tar" \
		docker.io/library/wardbox:1 /bin/sleep 2147483647
	ctr --address "$CTRD_DIR/containerd.sock" -n k8s.io images import "$CTRD_DIR/wardbox.tar" >/dev/null
}

teardown_file() {
	ctrd_stop
	local d
	for d in /sys/fs/cgroup/*/ward-test/cri-*; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}

setup() {
	POD_NAME=cri-$(basename "$(mktemp -u XXXXXXXX)")
	CGP=/ward-test/$POD_NAME
	SOCK=$CTRD_DIR/containerd.sock
	POD=
}

teardown() {
	if [ -n "$POD" ]; then
		/usr/bin/python3 "$CRI" "$SOCK" stopp "$POD" >/dev/null 2>&1
		/usr/bin/python3 "$CRI" "$SOCK" rmp "$POD" >/dev/null 2>&1
	fi
	return 0
}

cri() { /usr/bin/python3 "$CRI" "$SOCK" "$@"; }

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

@test "cri: pods created and removed in a loop leave no process, mount or socket" {
	local n=${WARD_CRI_PODS:-20} i pod c mounts pods=()
	mounts=$(wc -l </proc/self/mountinfo)
	for ((i = 0; i < n; i++)); do
		pod=$(cri runp "$POD_NAME-$i" ward "$CGP-$i") || fail "pod $i"
		POD=$pod
		c=$(cri create "$pod" app "$CGP-$i" docker.io/library/wardbox:1 /bin/sleep 1000) || fail "container $i"
		cri start "$c" || fail "start $i"
		cri stopp "$pod" || fail "stop pod $i"
		cri rmp "$pod" || fail "remove pod $i"
		POD=
		pods+=("$pod")
	done
	for ((i = 0; i < 50; i++)); do
		[ -z "$(ctrd_shim_pids)" ] && break
		sleep 0.1
	done
	[ -z "$(ctrd_shim_pids)" ] || fail "shims left: $(ctrd_shim_pids)"
	[ "$(wc -l </proc/self/mountinfo)" -le "$mounts" ] || fail "mounts leaked"
	local left
	left=$("$WARD" --root /run/containerd/ward/k8s.io list -q 2>/dev/null)
	for pod in "${pods[@]}"; do
		[ -e "$(pod_socket "$pod")" ] && fail "pod $pod: shim socket left"
		grep -qF "$pod" <<<"$left" && fail "pod $pod: sandbox container left in the runtime"
	done
	return 0
}
