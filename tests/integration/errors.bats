#!/usr/bin/env bats
# Bad configs: exit 1, one error line, nothing left behind (state
# directory, cgroup, host mount; teardown checks the mounts). ward's message
# names the file, the JSON path and the reason
#   ward create failed: /b/config.json: process.args: expected array, got string
# (runc's wording differs; against runc only the shape is checked).

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

# expect_config_error JSONPATH REASON-SUBSTRING: create fails as described.
expect_config_error() {
	run ward_detached create ct
	assert_failure 1
	[ "${#lines[@]}" -eq 1 ] || fail "expected a single error line"
	if is_ward; then
		assert_output_contains "$BUNDLE/config.json: "
		assert_output_contains "$1"
		assert_output_contains "$2"
	fi
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
	[ -z "$(_test_cgroups)" ] || fail "cgroup left behind: $(_test_cgroups)"
}

@test "missing config.json" {
	rm "$BUNDLE/config.json"
	run ward_detached create ct
	assert_failure 1
	[ "${#lines[@]}" -eq 1 ] || fail "expected a single error line"
	assert_output_contains "config.json"
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "config.json that is not JSON" {
	echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	run ward_detached create ct
	assert_failure 1
	[ "${#lines[@]}" -eq 1 ] || fail "expected a single error line"
	is_runc || assert_output_contains "$BUNDLE/config.json: "
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "a field of the wrong type" {
	update_config '.process.args = "sh"'
	expect_config_error "process.args" "expected array"
}

@test "a negative uid" {
	update_config '.process.user.uid = -1'
	expect_config_error "process.user.uid" "out of range"
}

@test "a missing root.path" {
	update_config 'del(.root.path)'
	requires_ward "rejecting a missing root.path (runc falls back to the bundle)"
	expect_config_error "root.path" "missing"
}

@test "an unknown namespace type" {
	update_config '.linux.namespaces += [{"type": "bogus"}]'
	expect_config_error "linux.namespaces[" "bogus"
}

@test "a duplicated namespace" {
	update_config '.linux.namespaces += [{"type": "pid"}]'
	expect_config_error "linux.namespaces[" "duplicate"
}

@test "a mount without a destination" {
	requires_ward "rejecting a mount without destination (runc 1.1.5 warns and fails late)"
	update_config '.mounts += [{"type": "tmpfs", "source": "tmpfs"}]'
	expect_config_error "mounts[" "destination"
}

@test "an unknown rlimit" {
	update_config '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
	expect_config_error "process.rlimits[0].type" "RLIMIT_BOGUS"
}

@test "an unknown seccomp action" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_BOGUS"}'
	expect_config_error "linux.seccomp.defaultAction" "SCMP_ACT_BOGUS"
}

@test "a relative cwd" {
	update_config '.process.cwd = "relative/dir"'
	expect_config_error "process.cwd" "absolute"
}

@test "empty process.args" {
	update_config '.process.args = []'
	expect_config_error "process.args" "argument"
}

@test "an unsupported ociVersion" {
	requires_ward "checking ociVersion (runc 1.1.5 accepts any)"
	update_config '.ociVersion = "2.0.0"'
	expect_config_error "ociVersion" "2.0.0"
}

@test "an unknown capability" {
	requires_ward "rejecting unknown capability names (runc 1.1.5 ignores them)"
	update_config '.process.capabilities.bounding += ["CAP_BOGUS"]'
	expect_config_error "process.capabilities.bounding[" "CAP_BOGUS"
}

# Strings that are not UTF-8 (runc's Go decoder turns them into U+FFFD and
# runs the container) are refused, not written back into the state.
@test "an overlong UTF-8 encoding in process.env" {
	requires_ward "refusing invalid UTF-8 (runc 1.1.5 substitutes U+FFFD)"
	update_config '.process.env += ["X=.UTF8BAD."]'
	sed -i 's/\.UTF8BAD\./\xc0\xaf/' "$BUNDLE/config.json"
	expect_config_error "process.env[" "invalid UTF-8 (overlong encoding)"
}

@test "unpaired UTF-16 surrogate escapes" {
	requires_ward "refusing invalid UTF-8 (runc 1.1.5 substitutes U+FFFD)"
	local bad
	update_config '.annotations.k = ".UTF8BAD."'
	cp "$BUNDLE/config.json" "$TEST_DIR/config.template"
	for bad in '\\ud800' '\\udc00' '\\udc00\\ud800' '\\ud800x'; do
		sed "s/\.UTF8BAD\./$bad/" "$TEST_DIR/config.template" >"$BUNDLE/config.json"
		grep -qF "${bad//\\\\/\\}" "$BUNDLE/config.json" || fail "no $bad in config"
		expect_config_error 'annotations.k' "unpaired UTF-16 surrogate escape"
	done
}

@test "a sysctl that is not namespaced" {
	update_config '.linux.sysctl = {"vm.swappiness": "10"}'
	expect_config_error "linux.sysctl" "vm.swappiness"
}

@test "a rootfs that does not exist" {
	update_config '.root.path = "no-such-rootfs"'
	run ward_detached create ct
	assert_failure 1
	[ "${#lines[@]}" -eq 1 ] || fail "expected a single error line"
	assert_output_contains "no-such-rootfs"
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "a mount of an unknown filesystem type fails and undoes create" {
	update_config '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "none"}]'
	run ward_detached create ct
	assert_failure 1
	[ "${#lines[@]}" -eq 1 ] || fail "expected a single error line"
	assert_output_contains "/x"
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
	[ -z "$(_test_cgroups)" ] || fail "cgroup left behind: $(_test_cgroups)"
}

@test "a bind mount of a missing source fails and undoes create" {
	update_config --arg s "$TEST_DIR/missing" '.mounts += [{"destination": "/x", "type": "bind", "source": $s, "options": ["bind"]}]'
	run ward_detached create ct
	assert_failure 1
	[ "${#lines[@]}" -eq 1 ] || fail "expected a single error line"
	assert_output_contains "$TEST_DIR/missing"
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
	[ -z "$(_test_cgroups)" ] || fail "cgroup left behind: $(_test_cgroups)"
}

@test "a cwd that is a file fails create, not later" {
	update_config '.process.cwd = "/etc/passwd"'
	run ward_detached create ct
	assert_failure 1
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "a failed create leaves no process behind" {
	update_config '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "none"}]'
	run ward_detached create ct
	assert_failure 1
	# nothing of ours remains in any cgroup or with our rootfs as root
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$BUNDLE/rootfs" ] && fail "process ${p#/proc/} survived"
	done
	true
}

@test "errors go to stderr, not stdout" {
	update_config '.process.args = "sh"'
	run --separate-stderr ward create ct
	assert_failure 1
	[ -z "$output" ] || fail "stdout: $output"
	[ -n "$stderr" ] || fail "nothing on stderr"
}
