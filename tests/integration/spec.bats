#!/usr/bin/env bats
# `spec`: the starter config.json. Its content is ward's own (hostname
# "ward", a cgroup namespace, ward's seccomp default); the tests check the
# shape both runtimes share and, where noted, ward's choices.

load helpers

setup() {
	setup_bundle
	SPEC_DIR=$TEST_DIR/spec
	mkdir -p "$SPEC_DIR"
	cd "$SPEC_DIR"
}
teardown() { teardown_bundle; }

@test "spec writes a valid config.json to the current directory" {
	run "$WARD" spec
	assert_success
	assert_output ""
	jq -e . config.json >/dev/null || fail "config.json is not JSON"
	[ "$(jq -r .root.path config.json)" = rootfs ]
	[ "$(jq -r .process.cwd config.json)" = / ]
	[ "$(jq -r '.process.args | length' config.json)" -ge 1 ]
	[[ "$(jq -r .ociVersion config.json)" =~ ^1\.[0-9]+\.[0-9]+ ]] || fail "ociVersion $(jq -r .ociVersion config.json)"
}

@test "spec refuses to overwrite an existing config.json" {
	echo '{"keep": true}' >config.json
	run "$WARD" spec
	assert_failure 1
	assert_output_contains "config.json"
	[ "$(cat config.json)" = '{"keep": true}' ] || fail "config.json was modified"
}

@test "spec --bundle writes into that directory" {
	mkdir other
	cd /
	run "$WARD" spec --bundle "$SPEC_DIR/other"
	assert_success
	[ -f "$SPEC_DIR/other/config.json" ] || fail "no config.json in the bundle directory"
	[ ! -e /config.json ] || fail "wrote to the current directory"
	run "$WARD" spec -b "$SPEC_DIR"
	assert_success
	[ -f "$SPEC_DIR/config.json" ]
}

@test "spec: pid, network, ipc, uts and mount namespaces" {
	"$WARD" spec
	local ns
	for ns in pid network ipc uts mount; do
		jq -e --arg t "$ns" '.linux.namespaces | map(.type) | index($t)' config.json >/dev/null ||
			fail "no $ns namespace"
	done
	# none of them joins a path
	[ "$(jq '[.linux.namespaces[] | select(.path)] | length' config.json)" = 0 ]
}

@test "spec: the standard mounts" {
	"$WARD" spec
	local m
	for m in /proc /dev /dev/pts /dev/shm /dev/mqueue /sys; do
		jq -e --arg d "$m" '.mounts | map(.destination) | index($d)' config.json >/dev/null ||
			fail "no mount at $m"
	done
	[ "$(jq -r '.mounts[] | select(.destination == "/proc") | .type' config.json)" = proc ]
	[ "$(jq -r '.mounts[] | select(.destination == "/dev/pts") | .type' config.json)" = devpts ]
}

@test "spec: hardened process defaults" {
	"$WARD" spec
	[ "$(jq -r .process.noNewPrivileges config.json)" = true ]
	[ "$(jq -r .root.readonly config.json)" = true ]
	[ "$(jq -r .process.user.uid config.json)" = 0 ]
	# no capability beyond runc's three defaults in any set
	run jq -r '.process.capabilities | [.[]] | add | unique | .[]' config.json
	assert_success
	local c
	for c in "${lines[@]}"; do
		case "$c" in
		CAP_AUDIT_WRITE | CAP_KILL | CAP_NET_BIND_SERVICE) ;;
		*) fail "unexpected default capability $c" ;;
		esac
	done
	jq -e '.process.capabilities.bounding | index("CAP_KILL")' config.json >/dev/null
}

@test "spec: kernel interfaces are masked or read-only" {
	"$WARD" spec
	local p
	for p in /proc/kcore /proc/keys /proc/timer_list /sys/firmware; do
		jq -e --arg p "$p" '.linux.maskedPaths | index($p)' config.json >/dev/null || fail "$p not masked"
	done
	for p in /proc/sys /proc/sysrq-trigger /proc/irq /proc/bus; do
		jq -e --arg p "$p" '.linux.readonlyPaths | index($p)' config.json >/dev/null || fail "$p not read-only"
	done
}

@test "spec: ward names the container host \"ward\"" {
	# runc's template says "runc"; ward's says "ward" (intentional).
	"$WARD" spec
	if is_ward; then
		[ "$(jq -r .hostname config.json)" = ward ] || fail "hostname $(jq -r .hostname config.json)"
	else
		[ "$(jq -r .hostname config.json)" = runc ]
	fi
}

@test "spec --rootless maps the caller into a user namespace" {
	run "$WARD" spec --rootless
	assert_success
	jq -e '.linux.namespaces | map(.type) | index("user")' config.json >/dev/null || fail "no user namespace"
	[ "$(jq -r '.linux.uidMappings[0].hostID' config.json)" = "$(id -u)" ]
	[ "$(jq -r '.linux.uidMappings[0].containerID' config.json)" = 0 ]
	[ "$(jq -r '.linux.uidMappings[0].size' config.json)" = 1 ]
	[ "$(jq -r '.linux.gidMappings[0].hostID' config.json)" = "$(id -g)" ]
	! jq -e '.linux.namespaces | map(.type) | index("network")' config.json >/dev/null ||
		fail "rootless spec keeps a network namespace"
}

@test "the spec's own config runs a container once args and terminal are set" {
	"$WARD" spec
	cp -a "$ROOTFS_CACHE" rootfs
	jq --arg cg "/$CGROUP_PARENT/$TEST_NAME-spec" \
		'.process.terminal = false | .process.args = ["sh", "-c", "echo $(hostname) ok"] | .linux.cgroupsPath = $cg' \
		config.json >c.json && mv c.json config.json
	run ward run ct
	assert_success
	if is_ward; then
		assert_output "ward ok"
	else
		assert_output "runc ok"
	fi
}
