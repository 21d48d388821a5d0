#!/usr/bin/env bats
# Node policy, host rules: bind-mount sources, hooks, devices.

load helpers
load policy_helpers

setup() { policy_setup; }
teardown() { policy_teardown; }

@test "policy hostPaths: below an allowed prefix passes, elsewhere refused, audit logs" {
	bind_host_dir
	rule_passes hostPaths "$(jq -n --arg d "$TEST_DIR" '{allowed: [$d]}')"
	local i
	i=$(jq '.mounts | length - 1' "$BUNDLE/config.json")
	rule_cycle hostPaths '{"allowed": ["/var/lib/kubelet/pods"]}' "mounts[$i].source" \
		"host path \"$HOST_DIR\" is not below an allowed prefix"
}

@test "policy hostPaths: the runtime's state, its ancestors and sockets are never allowed" {
	write_policy hostPaths enforce '{"allowed": ["/"]}'
	mkdir -p "$BUNDLE/rootfs/host"
	update_config --arg s "$WARD_ROOT" '.mounts += [{"destination": "/host", "type": "bind", "source": $s, "options": ["rbind"]}]'
	mkdir -p "$WARD_ROOT"
	run pward run ct
	assert_failure
	assert_output_contains "which is never allowed"
	# an ancestor of a runtime directory exposes it
	update_config '.mounts[-1].source = "/run"'
	run pward run ct
	assert_failure
	assert_output_contains 'host path \"/run\" exposes'
	# a unix socket anywhere
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TEST_DIR/api.sock"
	touch "$BUNDLE/rootfs/sock"
	update_config --arg s "$TEST_DIR/api.sock" '.mounts[-1] = {"destination": "/sock", "type": "bind", "source": $s, "options": ["bind"]}'
	run pward run ct
	assert_failure
	assert_output_contains "is not allowed"
	assert_output_contains "host socket"
	# a symlink is judged by what it points to
	ln -s /run "$TEST_DIR/innocent"
	update_config --arg s "$TEST_DIR/innocent" '.mounts[-1] = {"destination": "/host", "type": "bind", "source": $s, "options": ["rbind"]}'
	run pward run ct
	assert_failure
	assert_output_contains 'host path \"/run\" exposes'
}

@test "policy hooks: allowed path passes, other refused, audit logs" {
	update_config --arg t "/bin/true" '.hooks = {"createRuntime": [{"path": $t}]}'
	rule_passes hooks "$(jq -n --arg t "/bin/true" '{allowed: [$t]}')"
	rule_cycle hooks '{"allowed": ["/usr/libexec/ok-hook"]}' 'hooks.createRuntime[0].path' \
		"hook \"/bin/true\" is not in the allowed list"
}

@test "policy devices: default devices pass, others refused, audit logs" {
	update_config '.linux.devices = [{"path": "/dev/fuse2", "type": "c", "major": 1, "minor": 3}]'
	rule_passes devices '{}'
	update_config '.linux.devices = [{"path": "/dev/mem2", "type": "c", "major": 1, "minor": 1}]'
	rule_cycle devices '{}' 'linux.devices[0]' "device c 1:1 (/dev/mem2) is not allowed"
	update_config 'del(.linux.devices) | .linux.resources.devices += [{"allow": true, "type": "b", "access": "rw"}]'
	local i
	i=$(jq '.linux.resources.devices | length - 1' "$BUNDLE/config.json")
	rule_cycle devices '{}' "linux.resources.devices[$i]" "access to device b *:* is not allowed"
	write_policy devices enforce '{"allowed": ["b *:*"]}'
	run pward run ct
	assert_success
}
