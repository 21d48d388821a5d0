#!/usr/bin/env bats
# containerd 1.6 drives the runtime through its stock runc shim
# (io.containerd.runc.v2 with --runc-binary), the way a node would with
# BinaryName = ward. One private containerd per file: its own config, root,
# state and sockets under a temp dir, the CRI plugin and other unneeded
# plugins off.

load helpers

setup_file() {
	command -v containerd >/dev/null || skip "containerd is not installed"
	command -v containerd-shim-runc-v2 >/dev/null || skip "containerd-shim-runc-v2 is not installed"
	CTRD_DIR=$(mktemp -d /tmp/ward-ctrd.XXXXXX)
	chmod 755 "$CTRD_DIR"
	cat >"$CTRD_DIR/config.toml" <<-TOML
		version = 2
		root = "$CTRD_DIR/root"
		state = "$CTRD_DIR/state"
		disabled_plugins = [
		  "io.containerd.grpc.v1.cri",
		  "io.containerd.snapshotter.v1.aufs",
		  "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.devmapper",
		  "io.containerd.snapshotter.v1.zfs",
		  "io.containerd.tracing.processor.v1.otlp",
		  "io.containerd.internal.v1.tracing",
		]
		[grpc]
		  address = "$CTRD_DIR/containerd.sock"
		[ttrpc]
		  address = "$CTRD_DIR/containerd.sock.ttrpc"
		[debug]
		  address = ""
		[metrics]
		  address = ""
	TOML
	containerd --config "$CTRD_DIR/config.toml" </dev/null >"$CTRD_DIR/containerd.log" 2>&1 3>&- &
	echo $! >"$CTRD_DIR/containerd.pid"
	local i
	for ((i = 0; i < 100; i++)); do
		ctr --address "$CTRD_DIR/containerd.sock" version >/dev/null 2>&1 && break
		sleep 0.1
	done
	ctr --address "$CTRD_DIR/containerd.sock" version >/dev/null || {
		cat "$CTRD_DIR/containerd.log" >&2
		return 1
	}
	export CTRD_DIR
}

teardown_file() {
	[ -n "${CTRD_DIR:-}" ] || return 0
	local pid
	pid=$(cat "$CTRD_DIR/containerd.pid" 2>/dev/null)
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	fi
	# shims outlive containerd by design; ours are the ones serving our address
	local f
	for f in $(grep -lzxF -- "$CTRD_DIR/containerd.sock" /proc/[0-9]*/cmdline 2>/dev/null); do
		pid=${f#/proc/}
		kill -9 "${pid%/cmdline}" 2>/dev/null
	done
	rm -rf --one-file-system "$CTRD_DIR"
}

setup() {
	setup_bundle
	# containerd puts a task's cgroup at /<namespace>/<id>: the namespace is
	# the ward-test parent, the id is this test's name
	CTR=(ctr --address "$CTRD_DIR/containerd.sock" --namespace "$CGROUP_PARENT")
	CT_ID=$TEST_NAME-main
	RUNC_ROOT=$CTRD_DIR/runc-root
	ROOTFS=$BUNDLE/rootfs
}

teardown() {
	"${CTR[@]}" task kill -s SIGKILL "$CT_ID" >/dev/null 2>&1
	"${CTR[@]}" task delete -f "$CT_ID" >/dev/null 2>&1
	"${CTR[@]}" container delete "$CT_ID" >/dev/null 2>&1
	teardown_bundle
}

# ctr_run [CTR RUN OPTIONS...] -- ARGS...: a container from the busybox rootfs
# run by the shim with $WARD as its runc binary.
ctr_run() {
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	"${CTR[@]}" run "${opts[@]}" --runtime io.containerd.runc.v2 --runc-binary "$WARD" \
		--runc-root "$RUNC_ROOT" --rootfs "$ROOTFS" "$CT_ID" "$@"
}

@test "containerd: run --rm prints the container's output" {
	run ctr_run --rm -- /bin/sh -c 'echo hello'
	assert_success
	assert_output hello
}

@test "containerd: the container's exit status comes back through the shim" {
	run ctr_run --rm -- /bin/sh -c 'exit 3'
	assert_failure 3
}

@test "containerd: stdin reaches the container" {
	run bash -c "echo piped-in | $(printf '%q ' "${CTR[@]}") run --rm --runtime io.containerd.runc.v2 --runc-binary '$WARD' --runc-root '$RUNC_ROOT' --rootfs '$ROOTFS' '$CT_ID' /bin/sh -c 'read -r l; echo got:\$l'"
	assert_success
	assert_output got:piped-in
}

@test "containerd: detached run, task list, kill and delete" {
	run ctr_run -d -- /bin/sleep 1000
	assert_success
	run "${CTR[@]}" task ls
	assert_success
	assert_output_matches "$CT_ID +[0-9]+ +RUNNING"
	# the task's pid is the runtime's view of the container init
	local pid
	pid=$(awk -v id="$CT_ID" '$1 == id { print $2 }' <<<"$output")
	run "$WARD" --root "$RUNC_ROOT/$CGROUP_PARENT" state "$CT_ID"
	assert_success
	[ "$(jq -r .pid <<<"$output")" = "$pid" ] || fail "state pid $(jq -r .pid <<<"$output"), task pid $pid"
	[ "$(jq -r .status <<<"$output")" = running ]

	run "${CTR[@]}" task kill -s SIGKILL "$CT_ID"
	assert_success
	local i
	for ((i = 0; i < 100; i++)); do
		"${CTR[@]}" task ls | grep -q "$CT_ID .*STOPPED" && break
		sleep 0.1
	done
	run "${CTR[@]}" task ls
	assert_output_matches "$CT_ID +[0-9]+ +STOPPED"
	run "${CTR[@]}" task delete "$CT_ID"
	assert_success
	run "${CTR[@]}" container delete "$CT_ID"
	assert_success
	# the runtime's state is gone
	run "$WARD" --root "$RUNC_ROOT/$CGROUP_PARENT" state "$CT_ID"
	assert_failure 1
}

@test "containerd: a task is placed in its cgroup under ward-test" {
	run ctr_run -d -- /bin/sleep 1000
	assert_success
	local pid
	pid=$("${CTR[@]}" task ls | awk -v id="$CT_ID" '$1 == id { print $2 }')
	run grep -E '^[0-9]+:pids:' "/proc/$pid/cgroup"
	assert_output_contains "/$CGROUP_PARENT/$CT_ID"
}

@test "containerd: a runtime error reaches ctr through the shim's log" {
	run ctr_run --rm -- /no/such/binary
	assert_failure
	assert_output_contains "/no/such/binary"
	run "$WARD" --root "$RUNC_ROOT/$CGROUP_PARENT" state "$CT_ID"
	assert_failure 1
}

@test "containerd: the container has its own pid and uts namespaces" {
	run ctr_run --rm -- /bin/sh -c 'echo $$; readlink /proc/self/ns/uts'
	assert_success
	assert_line -n 0 1
	[ "${lines[1]}" != "$(readlink /proc/self/ns/uts)" ] || fail "shares the host UTS namespace"
}
