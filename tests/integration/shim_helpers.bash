# A private containerd 1.6 for the shim suites: its own config, root, state
# and sockets under a temp dir, with the build directory first on its PATH
# so that runtime io.containerd.ward.v2 resolves to the shim just built.
#   ctrd_start [EXTRA TOML]   (setup_file)      ctrd_stop   (teardown_file)
# (ctrd_prepare writes the config alone, for a suite with files to add
# before containerd starts; then ctrd_run.) @CTRD_DIR@ in EXTRA TOML is the
# temp dir. The CRI suites share cri_toml, cri_import_wardbox and the pod
# helpers at the end.

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

ctrd_prepare() {
	command -v containerd >/dev/null || skip "containerd is not installed"
	command -v ctr >/dev/null || skip "ctr is not installed"
	SHIM_DIR=$(dirname "$WARD")
	[ -x "$SHIM_DIR/containerd-shim-ward-v2" ] || skip "no containerd-shim-ward-v2 beside $WARD"
	CTRD_DIR=$(mktemp -d /tmp/ward-shim.XXXXXX)
	chmod 755 "$CTRD_DIR"
	{
		ctrd_config
		printf '%s\n' "${1//@CTRD_DIR@/$CTRD_DIR}"
	} >"$CTRD_DIR/config.toml"
	export CTRD_DIR SHIM_DIR
}

ctrd_start() {
	ctrd_prepare "$@" && ctrd_run
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

# ctrd_own_mounts [ID...]: the host mount points of our containerd (under
# its root and state in $CTRD_DIR) or naming one of the IDs (pods,
# containers), one per line. Other suites' containerds and guests mount on
# this host at the same time: a plain count of the mount table would see
# them come and go.
ctrd_own_mounts() {
	awk -v d="$CTRD_DIR/" -v ids="$*" '
		BEGIN { n = split(ids, id, " ") }
		index($5, d) == 1 { print $5; next }
		{ for (i = 1; i <= n; i++) if (id[i] != "" && index($5, id[i])) { print $5; next } }
	' /proc/self/mountinfo
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

# ---- CRI suites (shim_cri.bats, installer.bats) ----

# cri_toml [CONTAINERD_KEYS]: the CRI plugin's section: the busybox image
# of cri_import_wardbox as sandbox image, overlayfs, the Exec/Attach stream
# server as plain http on loopback at a port the kernel picks (free, and
# never shared with another containerd), the pods' network namespaces under
# the state dir, CNI plugins from /usr/lib/cni configured from
# $CTRD_DIR/cni (empty unless the suite writes there: host-network pods
# only). CONTAINERD_KEYS: more lines of its containerd table.
cri_toml() {
	cat <<-TOML
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "docker.io/library/wardbox:1"
		  restrict_oom_score_adj = true
		  stream_server_address = "127.0.0.1"
		  stream_server_port = "0"
		  enable_tls_streaming = false
		  enable_selinux = false
		  netns_mounts_under_state_dir = true
		  [plugins."io.containerd.grpc.v1.cri".containerd]
		    snapshotter = "overlayfs"
		${1:-}
		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "/usr/lib/cni"
		    conf_dir = "@CTRD_DIR@/cni"
	TOML
}

# cri_import_wardbox: busybox as the image docker.io/library/wardbox:1
# (sandbox and containers) in containerd's k8s.io namespace
cri_import_wardbox() {
	/usr/bin/python3 "$SRC_DIR/tests/tools/oci_image.py" "$(command -v busybox)" "$CTRD_DIR/wardbox.tar" \
		docker.io/library/wardbox:1 /bin/sleep 2147483647 &&
		ctr --address "$CTRD_DIR/containerd.sock" -n k8s.io images import "$CTRD_DIR/wardbox.tar" >/dev/null
}

cri() { /usr/bin/python3 "$SRC_DIR/tests/tools/cri.py" "$CTRD_DIR/containerd.sock" "$@"; }

# cri_pod_setup PREFIX (setup): a pod name, its cgroup parent below
# /ward-test, and SOCK; cri_pod_teardown (teardown) removes the pod in $POD, if any;
# cri_cgroups_cleanup PREFIX (teardown_file) what failed tests left.
cri_pod_setup() {
	POD_NAME=$1-$(basename "$(mktemp -u XXXXXXXX)")
	CGP=/ward-test/$POD_NAME
	SOCK=$CTRD_DIR/containerd.sock
	POD=
}

cri_pod_teardown() {
	if [ -n "$POD" ]; then
		cri stopp "$POD" >/dev/null 2>&1
		cri rmp "$POD" >/dev/null 2>&1
	fi
	return 0
}

cri_cgroups_cleanup() {
	local d
	for d in /sys/fs/cgroup/*/ward-test/"$1"-*; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}
