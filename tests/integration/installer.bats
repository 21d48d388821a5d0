#!/usr/bin/env bats
# contrib/kubernetes/install.sh against a real containerd 1.6 (private
# socket, root, state and config under a temp dir): it installs the binaries,
# the node policy and the "ward" runtime handler into that containerd's
# config, restarts it through --restart-cmd, and a CRI client then runs pods
# under the installed restricted policy. uninstall restores every file byte
# for byte. Nothing is written to the host's /usr/local/bin, /etc/ward or
# /etc/containerd.

load helpers
load shim_helpers

INSTALL=$SRC_DIR/contrib/kubernetes/install.sh

setup_file() {
	is_ward || skip "installs ward (WARD=$WARD)"
	/usr/bin/python3 -c 'import grpc' 2>/dev/null || skip "python3-grpcio is not installed"
	command -v busybox >/dev/null || skip "busybox is not installed"
	[ -x /usr/lib/cni/static ] && [ -x /usr/lib/cni/loopback ] ||
		skip "the CNI plugins (containernetworking-plugins) are not installed"
	export CTRD_DISABLED=" "
	# the pods' network namespaces: loopback (containerd adds it) and an
	# address from the static IPAM plugin, on no host interface
	ctrd_prepare "$(cri_toml)"
	mkdir "$CTRD_DIR/cni"
	cat >"$CTRD_DIR/cni/10-ward-test.conf" <<-'JSON'
		{ "cniVersion": "0.4.0", "name": "ward-test", "type": "static",
		  "ipam": { "type": "static", "addresses": [ { "address": "10.251.77.2/24" } ] } }
	JSON
	ctrd_run
	cri_import_wardbox

	# The shipped restricted policy, as a node whose containerd keeps its
	# sandbox files under this test's root would have it: those directories
	# added to the host paths allowed, the audit log in the test's dir.
	NODE=$CTRD_DIR/node
	mkdir -p "$NODE"
	jq --arg r "$CTRD_DIR/root/io.containerd.grpc.v1.cri" --arg s "$CTRD_DIR/state/io.containerd.grpc.v1.cri" \
		--arg log "$NODE/audit.log" \
		'.auditLog = $log | .profiles.restricted.rules.hostPaths.allowed += [$r + "/sandboxes", $r + "/containers", $s + "/sandboxes"]' \
		"$SRC_DIR/contrib/policy/restricted.json" >"$NODE/policy.json"
	cp -p "$CTRD_DIR/config.toml" "$NODE/config.before"
	export NODE
}

teardown_file() {
	# containers of pods a failed test left (state under the shim's root)
	local root=/run/containerd/ward/k8s.io id
	if [ -n "${CTRD_DIR:-}" ]; then
		"$WARD" --root "$root" list --format json 2>/dev/null |
			jq -r --arg d "$CTRD_DIR/" '.[]? | select(.bundle | startswith($d)) | .id' |
			while read -r id; do "$WARD" --root "$root" delete -f "$id" >/dev/null 2>&1; done
	fi
	ctrd_stop
	cri_cgroups_cleanup inst
}

setup() { cri_pod_setup inst; }

teardown() { cri_pod_teardown; }

# the installer on this test's node: every path under $NODE (ward not bound
# read-only over itself: that bind would be in the host's mount namespace;
# the next-but-one test checks it in a namespace of its own), containerd
# restarted by stopping and starting the private one with the installed
# bin dir (not the build dir) on its PATH, as /usr/local/bin is on a node's
# (containerd 1.6 ignores runtime_path)
node_install() {
	SHIM_DIR=$NODE/bin "$INSTALL" "$@" --from "$(dirname "$WARD")" --bin-dir "$NODE/bin" \
		--etc-dir "$NODE/etc/ward" --policy "$NODE/policy.json" --protect no \
		--containerd-config "$CTRD_DIR/config.toml" --imports-dir "$NODE/etc/containerd/conf.d" \
		--restart-cmd "bash -c '. $INTEGRATION_DIR/shim_helpers.bash && ctrd_kill && ctrd_run'"
}

@test "installer: install registers the handler and restarts containerd; install again changes nothing" {
	local pid0 digest
	pid0=$(cat "$CTRD_DIR/containerd.pid")
	run node_install
	assert_success
	assert_output_contains "restarting containerd"
	assert_output_contains "NODE_NAME is not set"
	[ "$(cat "$CTRD_DIR/containerd.pid")" != "$pid0" ] || fail "containerd was not restarted"
	cmp "$WARD" "$NODE/bin/ward"
	cmp "$(dirname "$WARD")/containerd-shim-ward-v2" "$NODE/bin/containerd-shim-ward-v2"
	cmp "$NODE/policy.json" "$NODE/etc/ward/policy.json"
	grep -qxF "Policy = \"$NODE/etc/ward/policy.json\"" "$NODE/etc/ward/shim.toml"
	grep -qxF "BinaryName = \"$NODE/bin/ward\"" "$NODE/etc/ward/shim.toml"
	# containerd 1.x: the handler appended to the main config (an imported
	# CRI section would replace the node's own)
	cmp "$NODE/config.before" "$CTRD_DIR/config.toml.ward-orig"
	cmp -n "$(stat -c %s "$NODE/config.before")" "$NODE/config.before" "$CTRD_DIR/config.toml"
	grep -qxF '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ward]' "$CTRD_DIR/config.toml"
	grep -qxF "  runtime_path = \"$NODE/bin/containerd-shim-ward-v2\"" "$CTRD_DIR/config.toml"
	grep -qxF "    ConfigPath = \"$NODE/etc/ward/shim.toml\"" "$CTRD_DIR/config.toml"
	[ ! -e "$NODE/etc/containerd" ] || fail "a drop-in for containerd 1.x: $(ls -R "$NODE/etc/containerd")"

	digest=$(find "$NODE/bin" "$NODE/etc" "$CTRD_DIR/config.toml" -type f -exec sha256sum {} + | sort)
	pid0=$(cat "$CTRD_DIR/containerd.pid")
	run node_install
	assert_success
	refute_output_contains "wrote"
	refute_output_contains "restarting"
	[ "$(cat "$CTRD_DIR/containerd.pid")" = "$pid0" ] || fail "containerd restarted with nothing changed"
	[ "$(find "$NODE/bin" "$NODE/etc" "$CTRD_DIR/config.toml" -type f -exec sha256sum {} + | sort)" = "$digest" ] ||
		fail "the second install changed files"
}

@test "installer: a ward pod runs under the installed policy; privileged is refused with its message" {
	[ -f "$NODE/etc/ward/installed" ] || skip "needs the install of the previous test"
	run cri runp --pod-network "$POD_NAME" ward "$CGP"
	assert_success
	POD=$output

	# an ordinary container (capabilities dropped, as Pod Security
	# "restricted" requires) runs, with what the policy filled in (its
	# process, pid 1 of its own pid namespace)
	local c
	c=$(cri create --drop-all-caps "$POD" app "$CGP" docker.io/library/wardbox:1 /bin/sleep 1000)
	run cri start "$c"
	assert_success
	run cri exec "$c" 10 /bin/sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/1/status; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
	assert_success
	[ "$(jq -r .exit_code <<<"$output")" = 0 ] || fail "exec: $output"
	local out
	out=$(jq -r .stdout <<<"$output")
	grep -qx 'NoNewPrivs:[[:space:]]*1' <<<"$out" || fail "noNewPrivileges not set: $out"
	grep -qx 'Seccomp:[[:space:]]*2' <<<"$out" || fail "no seccomp filter: $out"
	grep -qx 1073741824 <<<"$out" || fail "no default memory limit: $out"
	grep -q '"verdict"' "$NODE/audit.log" || fail "no audit line in $NODE/audit.log"
	# an exec'd process too (containerd builds it from its own copy of the config)
	run cri exec "$c" 10 /bin/grep NoNewPrivs /proc/self/status
	assert_success
	grep -qx 'NoNewPrivs:[[:space:]]*1' <<<"$(jq -r .stdout <<<"$output")" || fail "exec without noNewPrivileges: $output"

	# egress: the pod's network namespace (CNI's) gets an address beyond
	# loopback, reachable without the filter; under restricted a TCP connect
	# and a UDP send there fail with EPERM, and so does the resolver in the
	# pod's resolv.conf (no dns listed), while a server on the pod's own
	# loopback answers
	local pid
	pid=$("$WARD" --root /run/containerd/ward/k8s.io state "$c" | jq -r .pid)
	nsenter -t "$pid" -n ip addr add 10.251.78.1/32 dev lo
	run cri exec "$c" 20 /bin/sh -c 'mkdir -p /tmp/www && echo served >/tmp/www/index.html
		httpd -p 127.0.0.1:8080 -h /tmp/www && sleep 0.3 && wget -q -O - http://127.0.0.1:8080/index.html
		nc 10.251.78.1 8080 </dev/null; tftp -g -r x -l /tmp/tftp.out 10.251.78.1
		nc "$(awk "/^nameserver/ { print \$2; exit }" /etc/resolv.conf)" 53 </dev/null; true'
	assert_success
	[ "$(jq -r .stdout <<<"$output")" = served ] || fail "loopback: $output"
	local err
	err=$(jq -r .stderr <<<"$output")
	grep -q "can't connect to remote host (10.251.78.1): Operation not permitted" <<<"$err" || fail "tcp: $err"
	grep -q "tftp: sendto: Operation not permitted" <<<"$err" || fail "udp: $err"
	[ "$(grep -c "Operation not permitted" <<<"$err")" = 3 ] || fail "resolver: $err"
	grep -q 'outbound connections limited to loopback' "$NODE/audit.log" || fail "no egress line in the audit log"

	# containerd's default capabilities are refused
	c=$(cri create "$POD" caps "$CGP" docker.io/library/wardbox:1 /bin/sleep 1000)
	run cri start "$c"
	assert_failure
	assert_output_contains "policy restricted: process.capabilities"

	# a privileged pod: its sandbox container runs without the capabilities
	# containerd gives it; a privileged container in it is refused, and the
	# CRI error carries the policy's message
	cri stopp "$POD" && cri rmp "$POD"
	POD=
	run cri runp --pod-network --privileged "$POD_NAME-priv" ward "$CGP-priv"
	assert_success
	POD=$output
	grep -q "dropped from the pod's sandbox container" "$NODE/audit.log" || fail "sandbox capabilities not dropped"
	c=$(cri create --privileged "$POD" priv "$CGP-priv" docker.io/library/wardbox:1 /bin/sleep 1000)
	run cri start "$c"
	assert_failure
	assert_output_contains "OCI runtime create failed: ward create failed: policy restricted: "
}

@test "installer: uninstall restores containerd's config byte for byte and removes what it wrote" {
	[ -f "$NODE/etc/ward/installed" ] || skip "needs the install of the first test"
	local pid0
	pid0=$(cat "$CTRD_DIR/containerd.pid")
	run node_install uninstall
	assert_success
	assert_output_contains "restored $CTRD_DIR/config.toml"
	cmp "$NODE/config.before" "$CTRD_DIR/config.toml" || fail "config.toml differs from before the install"
	[ "$(stat -c %a "$CTRD_DIR/config.toml")" = "$(stat -c %a "$NODE/config.before")" ]
	[ ! -e "$CTRD_DIR/config.toml.ward-orig" ]
	[ ! -e "$NODE/bin" ] && [ ! -e "$NODE/etc" ] || fail "left: $(find "$NODE/bin" "$NODE/etc" 2>/dev/null)"
	[ "$(cat "$CTRD_DIR/containerd.pid")" != "$pid0" ] || fail "containerd was not restarted"

	# containerd no longer knows the handler
	run cri runp --pod-network "$POD_NAME" ward "$CGP"
	assert_failure
	POD=
	assert_output_contains "ward"
}

@test "installer: containerd 2.x gets a drop-in and an imports line; the node is labelled and unlabelled" {
	local d=$BATS_TEST_TMPDIR
	# a config of containerd 2.x (version 3): nothing runs it here, the
	# files are checked; kubectl is a script that records its arguments
	printf '# node config\nversion = 3\nroot = "/var/lib/x"\n\n[plugins."io.containerd.cri.v1.images"]\n  snapshotter = "overlayfs"\n' >"$d/config.toml"
	cp -p "$d/config.toml" "$d/config.before"
	printf '#!/bin/sh\necho "$*" >>"%s/kubectl.log"\n' "$d" >"$d/kubectl"
	chmod +x "$d/kubectl"
	local args=(--from "$(dirname "$WARD")" --bin-dir "$d/bin" --etc-dir "$d/ward" --no-policy
		--containerd-config "$d/config.toml" --imports-dir "$d/conf.d" --no-restart
		--node node-1 --kubectl "$d/kubectl")
	run "$INSTALL" "${args[@]}"
	assert_success
	assert_output_contains "restart containerd to apply it"
	assert_output_contains "containerd config version 3"
	run cat "$d/config.toml"
	assert_output "# node config
version = 3
root = \"/var/lib/x\"

imports = [\"$d/conf.d/ward.toml\"]

[plugins.\"io.containerd.cri.v1.images\"]
  snapshotter = \"overlayfs\""
	grep -qxF '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.ward]' "$d/conf.d/ward.toml"
	grep -qxF 'version = 3' "$d/conf.d/ward.toml"
	# both files are valid TOML and the handler sits under containerd 2's
	# CRI runtime plugin id, with the shim's options
	run /usr/bin/python3 - "$d/config.toml" "$d/conf.d/ward.toml" "$d/ward/shim.toml" <<-'PY'
		import sys, tomllib
		main, dropin = (tomllib.load(open(f, "rb")) for f in sys.argv[1:3])
		assert main["version"] == 3 and main["imports"] == [sys.argv[2]], main
		rt = dropin["plugins"]["io.containerd.cri.v1.runtime"]["containerd"]["runtimes"]
		assert rt["ward"]["runtime_type"] == "io.containerd.ward.v2", rt
		assert rt["ward"]["options"]["ConfigPath"] == sys.argv[3], rt
		assert rt["runc"]["runtime_type"] == "io.containerd.runc.v2", rt
		print("ok")
	PY
	assert_success
	assert_output ok
	! grep -q Policy "$d/ward/shim.toml" || fail "--no-policy wrote a Policy line"
	[ "$(cat "$d/kubectl.log")" = "label node node-1 --overwrite ward.run/installed=true" ] || fail "kubectl: $(cat "$d/kubectl.log")"

	# an existing imports array gets the drop-in in front
	run "$INSTALL" uninstall "${args[@]}"
	assert_success
	cmp "$d/config.before" "$d/config.toml"
	[ "$(tail -n 1 "$d/kubectl.log")" = "label node node-1 ward.run/installed-" ] || fail "kubectl: $(cat "$d/kubectl.log")"
	[ ! -e "$d/bin" ] && [ ! -e "$d/ward" ] && [ ! -e "$d/conf.d" ] && [ ! -e "$d/config.toml.ward-orig" ]
	sed -i 's|^root = .*|imports = ["/etc/containerd/other.toml"]|' "$d/config.toml"
	run "$INSTALL" "${args[@]}"
	assert_success
	grep -qxF "imports = [\"$d/conf.d/ward.toml\", \"/etc/containerd/other.toml\"]" "$d/config.toml"
	run "$INSTALL" uninstall "${args[@]}"
	assert_success
}

@test "installer: a containerd config it created keeps containerd's runc runtime on a second install" {
	# containerd 1.x without a config file: the installer writes one naming
	# ward and, so that it is not lost, runc. A second install (the
	# DaemonSet's pod restarted) must find nothing to change.
	local d=$BATS_TEST_TMPDIR
	local args=(--from "$(dirname "$WARD")" --bin-dir "$d/bin" --etc-dir "$d/ward" --no-policy
		--containerd-config "$d/config.toml" --imports-dir "$d/conf.d" --config-version 2
		--no-restart --protect no)
	run "$INSTALL" "${args[@]}"
	assert_success
	cp "$d/config.toml" "$d/config.first"
	run "$INSTALL" "${args[@]}"
	assert_success
	refute_output_contains "wrote"
	cmp "$d/config.first" "$d/config.toml" || fail "the second install changed config.toml: $(diff "$d/config.first" "$d/config.toml")"
	[ "$(grep -c '^\[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc\]' "$d/config.toml")" = 1 ] ||
		fail "runc's table is not there once: $(cat "$d/config.toml")"
	run "$INSTALL" uninstall "${args[@]}"
	assert_success
	[ ! -e "$d/config.toml" ] || fail "uninstall left config.toml"
}

@test "installer: ward is bound read-only over itself through --mount-cmd, replaced under the bind, unbound by uninstall" {
	local d=$BATS_TEST_TMPDIR other=$BATS_TEST_TMPDIR/other
	mkdir -p "$other"
	cp "$WARD" "$(dirname "$WARD")/containerd-shim-ward-v2" "$other/"
	printf 'x' >>"$other/ward"
	# --mount-cmd as the DaemonSet's nsenter: a prefix, logged here
	printf '#!/bin/sh\necho "$*" >>"%s/mount.log"\nexec "$@"\n' "$d" >"$d/in-host"
	chmod +x "$d/in-host"
	local args="--bin-dir $d/bin --etc-dir $d/ward --no-policy --containerd-config $d/config.toml"
	args="$args --imports-dir $d/conf.d --config-version 2 --no-restart --mount-cmd $d/in-host"
	cat >"$d/protect.sh" <<-EOF
		set -e
		bin=$d/bin/ward
		binds() { grep -c " \$bin " /proc/self/mountinfo || true; }
		$INSTALL --from $(dirname "$WARD") $args
		echo "binds=\$(binds) opts=\$(awk -v p="\$bin" '\$5 == p { print \$6 }' /proc/self/mountinfo)"
		if echo >>"\$bin"; then echo written; fi
		echo "--- again"
		$INSTALL --from $(dirname "$WARD") $args
		echo "binds=\$(binds)"
		echo "--- another build"
		$INSTALL --from $other $args
		echo "binds=\$(binds) same=\$(cmp -s $other/ward "\$bin" && echo yes)"
		echo "--- uninstall"
		$INSTALL uninstall $args
		echo "binds=\$(binds) left=\$(ls $d/bin 2>/dev/null)"
	EOF
	run unshare -m --propagation private sh "$d/protect.sh"
	echo "$output"
	assert_success
	echo "$output" | grep -q "^binds=1 opts=ro,nosuid,nodev" || fail "not bound read-only, nosuid, nodev"
	! echo "$output" | grep -qx written || fail "the bound binary was writable"
	echo "$output" | sed -n '/^--- again/,/^---/p' | grep -q 'wrote .*/bin/\|bound' && fail "the second install touched the binaries"
	echo "$output" | sed -n '/^--- again/,/^---/p' | grep -qx 'binds=1' || fail "the second install stacked a bind"
	echo "$output" | grep -q '^binds=1 same=yes' || fail "the other build is not installed under one bind"
	echo "$output" | grep -qx 'binds=0 left=' || fail "uninstall left the bind or the binary"
	grep -q "^mount --bind $d/bin/ward $d/bin/ward" "$d/mount.log" || fail "the bind was not made through --mount-cmd"
	[ -z "$(grep " $d/" /proc/self/mountinfo)" ] || fail "a bind leaked into the host mount namespace"
}

@test "installer.yaml: the ConfigMap is contrib/policy/restricted.json, the RuntimeClass is runtimeclass.yaml's" {
	/usr/bin/python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed"
	run /usr/bin/python3 - "$SRC_DIR/contrib/kubernetes" "$SRC_DIR/contrib/policy/restricted.json" <<-'PY'
		import sys, yaml
		d, restricted = sys.argv[1], open(sys.argv[2]).read()
		docs = {x["kind"]: x for x in yaml.safe_load_all(open(d + "/installer.yaml"))}
		assert docs["ConfigMap"]["data"]["policy.json"] == restricted, "ConfigMap policy.json differs from restricted.json"
		rc = yaml.safe_load(open(d + "/runtimeclass.yaml"))
		assert docs["RuntimeClass"] == rc, "the RuntimeClass differs from runtimeclass.yaml"
		assert rc["handler"] == "ward" and rc["scheduling"]["nodeSelector"] == {"ward.run/installed": "true"}
		c = docs["DaemonSet"]["spec"]["template"]["spec"]["containers"][0]
		assert "/opt/ward/install.sh install" in c["args"][0]
		assert c["lifecycle"]["preStop"]["exec"]["command"] == ["/opt/ward/install.sh", "uninstall"]
		env = {e["name"]: e.get("value") for e in c["env"]}
		assert env["WARD_POLICY_SRC"] == "/config/policy.json"
		# ward's read-only bind is made in the host's mount namespace, on
		# the host's bin dir, which the pod mounts at the same path
		assert env["WARD_MOUNT_CMD"] == "nsenter -t 1 -m --", env
		assert docs["DaemonSet"]["spec"]["template"]["spec"]["hostPID"] is True
		vols = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
		hp = {v["name"]: v["hostPath"]["path"] for v in docs["DaemonSet"]["spec"]["template"]["spec"]["volumes"] if "hostPath" in v}
		assert vols["bin"] == hp["bin"] == "/usr/local/bin", (vols, hp)
		print("ok")
	PY
	assert_success
	assert_output ok
}
