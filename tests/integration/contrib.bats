#!/usr/bin/env bats
# contrib/: the node installer and the runtime registrations it installs.
# Everything is staged under a temporary --destdir; the host's /etc and
# /usr/local are never touched.

load helpers

setup() {
	setup_bundle
	DEST=$TEST_DIR/dest
	INSTALL=("$SRC_DIR/contrib/install.sh" --build "$(dirname "$WARD")" --destdir "$DEST")
	is_ward || skip "installs the ward binary (WARD=$WARD)"
}
teardown() { teardown_bundle; }

# A digest of every file under DEST with its mode.
tree_digest() {
	(cd "$DEST" && find . -type f -printf '%p %m\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

@test "install.sh installs ward and registers it with containerd and CRI-O" {
	mkdir -p "$DEST/etc/containerd" "$DEST/etc/crio"
	run "${INSTALL[@]}"
	assert_success
	cmp "$WARD" "$DEST/usr/local/bin/ward" || fail "ward binary differs"
	[ "$(stat -c %a "$DEST/usr/local/bin/ward")" = 755 ]
	grep -q 'BinaryName = "/usr/local/bin/ward"' "$DEST/etc/containerd/config.toml"
	grep -q 'runtime_type = "io.containerd.ward.v2"' "$DEST/etc/containerd/config.toml"
	! grep -q '^imports' "$DEST/etc/containerd/config.toml" || fail "an import would replace containerd 1.x's CRI section"
	grep -q 'runtime_path = "/usr/local/bin/ward"' "$DEST/etc/crio/crio.conf.d/10-ward.conf"
}

@test "install.sh is idempotent" {
	mkdir -p "$DEST/etc/containerd" "$DEST/etc/crio"
	run "${INSTALL[@]}"
	assert_success
	local first
	first=$(tree_digest)
	run "${INSTALL[@]}"
	assert_success
	assert_output ""
	[ "$(tree_digest)" = "$first" ] || fail "the second run changed files"
}

@test "install.sh skips containerd and CRI-O when they are absent" {
	run "${INSTALL[@]}"
	assert_success
	[ -x "$DEST/usr/local/bin/ward" ]
	[ ! -e "$DEST/etc" ] || fail "configuration written for absent CRI implementations"
}

@test "install.sh appends the runtime to an existing containerd config once, keeping the original" {
	mkdir -p "$DEST/etc/containerd"
	local orig='version = 2
root = "/var/lib/containerd"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "example.org/pause:1"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"'
	printf '%s\n' "$orig" >"$DEST/etc/containerd/config.toml"
	chmod 600 "$DEST/etc/containerd/config.toml"
	run "${INSTALL[@]}"
	assert_success
	run "${INSTALL[@]}"
	assert_success
	local cfg=$DEST/etc/containerd/config.toml
	[ "$(head -n 7 "$cfg")" = "$orig" ] || fail "the node's own settings changed"
	[ "$(grep -c 'containerd.runtimes.ward]' "$cfg")" = 1 ] || fail "runtime table not there exactly once"
	[ "$(grep -c 'containerd.runtimes.runc]' "$cfg")" = 1 ] || fail "runc table added twice"
	[ "$(stat -c %a "$cfg")" = 600 ]
	[ "$(cat "$cfg.ward-orig")" = "$orig" ]
}

@test "install.sh --protect binds ward read-only over itself, replaces it under the bind, and is idempotent" {
	# in a mount namespace of this test's own: the binds go with it
	local other=$TEST_DIR/other-build
	mkdir -p "$other"
	cp "$WARD" "$other/ward"
	printf 'x' >>"$other/ward"
	cat >"$TEST_DIR/protect.sh" <<-EOF
		set -e
		bin=$DEST/usr/local/bin/ward
		binds() { grep -c " \$bin " /proc/self/mountinfo || true; }
		${INSTALL[*]} --binary-only --protect yes
		echo "binds=\$(binds) opts=\$(findmnt -n -o OPTIONS --target "\$bin")"
		if echo >>"\$bin"; then echo "written"; fi
		echo "--- again"
		${INSTALL[*]} --binary-only --protect yes
		echo "binds=\$(binds)"
		echo "--- another build"
		${INSTALL[*]} --binary-only --protect yes --build $other
		echo "binds=\$(binds) same=\$(cmp -s $other/ward "\$bin" && echo yes)"
		echo "--- no"
		${INSTALL[*]} --binary-only --protect no --build $other
		echo "binds=\$(binds)"
	EOF
	run unshare -m --propagation private bash "$TEST_DIR/protect.sh"
	assert_success
	[ "$(echo "$output" | grep -c '^binds=1')" = 3 ] || fail "expected exactly one bind after each protected install"
	echo "$output" | grep -q '^binds=1 opts=ro,nosuid,nodev' || fail "the bind is not read-only, nosuid, nodev"
	! echo "$output" | grep -qx written || fail "the protected binary was writable"
	echo "$output" | sed -n '/^--- again/,/^---/p' | grep -q 'installed\|bound' && fail "the second run changed something"
	echo "$output" | grep -q 'same=yes' || fail "the other build was not installed under the bind"
	echo "$output" | sed -n '/^--- no/,$p' | grep -q '^binds=0' || fail "--protect no left the bind"
	[ -z "$(grep " $DEST/" /proc/self/mountinfo)" ] || fail "a bind leaked into the host mount namespace"
}

@test "install.sh --prefix is reflected in the runtime registrations" {
	mkdir -p "$DEST/etc/containerd" "$DEST/etc/crio"
	run "${INSTALL[@]}" --prefix /opt/ward
	assert_success
	[ -x "$DEST/opt/ward/bin/ward" ]
	grep -q 'BinaryName = "/opt/ward/bin/ward"' "$DEST/etc/containerd/config.toml"
	grep -q 'runtime_path = "/opt/ward/bin/ward"' "$DEST/etc/crio/crio.conf.d/10-ward.conf"
}

@test "containerd accepts the installed configuration: ward, runc and the node's CRI settings" {
	command -v containerd >/dev/null || skip "containerd is not installed"
	mkdir -p "$DEST/etc/containerd"
	printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "example.org/pause:1"\n' \
		>"$DEST/etc/containerd/config.toml"
	run "${INSTALL[@]}"
	assert_success
	run containerd --config "$DEST/etc/containerd/config.toml" config dump
	assert_success
	assert_output_contains '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ward]'
	assert_output_contains '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]'
	assert_output_contains 'runtime_type = "io.containerd.runc.v2"'
	assert_output_contains 'BinaryName = "/usr/local/bin/ward"'
	assert_output_contains 'runtime_type = "io.containerd.ward.v2"'
	assert_output_contains 'sandbox_image = "example.org/pause:1"'
}

@test "the RuntimeClass handler names the registered runtime" {
	run awk '/^handler:/ { print $2 }' "$SRC_DIR/contrib/kubernetes/runtimeclass.yaml"
	assert_output ward
	grep -q 'containerd.runtimes.ward]' "$SRC_DIR/contrib/containerd/config.toml"
	grep -q '^\[crio.runtime.runtimes.ward\]' "$SRC_DIR/contrib/crio/ward.conf"
}
