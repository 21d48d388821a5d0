# A private containerd 1.6 for the shim suites: its own config, root, state
# and sockets under a temp dir, with the build directory first on its PATH
# so that runtime io.containerd.ward.v2 resolves to the shim just built.
#   ctrd_start [EXTRA TOML]   (setup_file)      ctrd_stop   (teardown_file)

ctrd_config() {
	cat <<-TOML
		version = 2
		root = "$CTRD_DIR/root"
		state = "$CTRD_DIR/state"
		disabled_plugins = [
		  ${CTRD_DISABLED:-"\"io.containerd.grpc.v1.cri\","}
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
}

# containerd in the background; waits until it answers
ctrd_run() {
	PATH="$SHIM_DIR:$PATH" containerd --config "$CTRD_DIR/config.toml" </dev/null >>"$CTRD_DIR/containerd.log" 2>&1 3>&- &
	echo $! >"$CTRD_DIR/containerd.pid"
	local i
	for ((i = 0; i < 100; i++)); do
		ctr --address "$CTRD_DIR/containerd.sock" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$CTRD_DIR/containerd.log" >&2
	return 1
}

ctrd_kill() {
	local pid
	pid=$(cat "$CTRD_DIR/containerd.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$CTRD_DIR/containerd.pid"
}

ctrd_start() {
	command -v containerd >/dev/null || skip "containerd is not installed"
	command -v ctr >/dev/null || skip "ctr is not installed"
	SHIM_DIR=$(dirname "$WARD")
	[ -x "$SHIM_DIR/containerd-shim-ward-v2" ] || skip "no containerd-shim-ward-v2 beside $WARD"
	CTRD_DIR=$(mktemp -d /tmp/ward-shim.XXXXXX)
	chmod 755 "$CTRD_DIR"
	{
		ctrd_config
		printf '%s\n' "${1:-}"
	} >"$CTRD_DIR/config.toml"
	export CTRD_DIR SHIM_DIR
	ctrd_run
}

# the shims serving our containerd (their -address names our socket)
ctrd_shim_pids() {
	local f argv0
	for f in $(grep -lzxF -- "$CTRD_DIR/containerd.sock" /proc/[0-9]*/cmdline 2>/dev/null); do
		argv0=$(tr '\0' '\n' <"$f" 2>/dev/null | head -n 1)
		case "$argv0" in *containerd-shim-*) f=${f#/proc/} && echo "${f%/cmdline}" ;; esac
	done
	return 0
}

ctrd_stop() {
	[ -n "${CTRD_DIR:-}" ] || return 0
	ctrd_kill
	local pid
	for pid in $(ctrd_shim_pids); do kill -9 "$pid" 2>/dev/null || true; done
	# containers the killed shims left behind (ids the tests recorded)
	local id root
	while read -r root id; do
		"$WARD" --root "$root" delete -f "$id" >/dev/null 2>&1
	done <"$CTRD_DIR/ids" 2>/dev/null
	grep -F " $CTRD_DIR/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do umount -l "$m"; done
	rm -rf --one-file-system "$CTRD_DIR"
}
