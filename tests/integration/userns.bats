#!/usr/bin/env bats
# User namespaces: linux.uidMappings / gidMappings.

load helpers

setup() {
	setup_bundle
	[ -e /proc/self/ns/user ] || skip "kernel without user namespaces"
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
}
teardown() { teardown_bundle; }

@test "container root is uid 0 inside and the mapped range outside" {
	set_cmd 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map | awk "{ print \$1, \$2, \$3 }"'
	run ward run ct
	assert_success
	assert_output $'0\n0\n0 100000 65536\n0 200000 65536'
}

@test "the container has its own user namespace" {
	set_cmd 'readlink /proc/self/ns/user'
	run ward run ct
	assert_success
	[ "$output" != "$(readlink /proc/self/ns/user)" ] || fail "shares the host user namespace"
}

@test "files the container creates belong to the mapped host ids" {
	bind_host_dir
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_cmd 'touch /host/by-user'
	run ward run ct
	assert_success
	[ "$(stat -c %u:%g "$HOST_DIR/by-user")" = "101000:201000" ] ||
		fail "owner $(stat -c %u:%g "$HOST_DIR/by-user")"
}

@test "host ids outside the mapping show as the overflow id" {
	set_cmd 'stat -c %u:%g /bin/busybox; cat /proc/sys/kernel/overflowuid'
	run ward run ct
	assert_success
	assert_line -n 0 "${lines[1]}:${lines[1]}"
}

@test "several mapping ranges are all written" {
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 1000}, {"containerID": 1000, "hostID": 300000, "size": 10}]'
	set_cmd 'awk "{ print \$1, \$2, \$3 }" /proc/self/uid_map'
	run ward run ct
	assert_success
	assert_output $'0 100000 1000\n1000 300000 10'
}

@test "root in a user namespace holds no privilege over the host" {
	update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE"]
		| .process.capabilities.effective += ["CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE"]'
	bind_host_dir
	echo secret >"$HOST_DIR/root-only"
	chmod 600 "$HOST_DIR/root-only"
	set_cmd 'cat /host/root-only 2>&1; echo 1 > /proc/sys/kernel/sysrq 2>&1; true'
	run ward run ct
	refute_output_contains "secret"
	assert_output_contains "ermission denied"
}

@test "a user namespace with a read-only root and the standard mounts" {
	update_config '.root.readonly = true'
	set_cmd 'ls /proc/self/ns/user >/dev/null && touch /x 2>&1; awk "\$5 == \"/proc\" || \$5 == \"/dev\" { print \$5 }" /proc/self/mountinfo'
	run ward run ct
	assert_output_contains "Read-only file system"
	assert_line "/proc"
	assert_line "/dev"
}

@test "id mappings without a user namespace are rejected" {
	requires_ward "rejecting id mappings without a user namespace (runc ignores them)"
	update_config '.linux.namespaces |= map(select(.type != "user"))'
	set_cmd 'true'
	run ward run ct
	assert_failure 1
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "bind sources the user namespace cannot reach (a 0700 directory of host root's) are opened with host privileges" {
	local secret=$TEST_DIR/secret
	mkdir -p "$secret/dir"
	echo dir-content >"$secret/dir/f"
	echo file-content >"$secret/file"
	chmod 755 "$secret/dir"
	chmod 644 "$secret/dir/f" "$secret/file"
	chmod 700 "$secret" # host root's: the container's uid 100000 cannot search it
	mkdir -p "$BUNDLE/rootfs/mnt/d"
	touch "$BUNDLE/rootfs/mnt/f"
	update_config --arg d "$secret/dir" --arg f "$secret/file" '.mounts += [
		{"destination": "/mnt/d", "type": "bind", "source": $d, "options": ["rbind", "ro"]},
		{"destination": "/mnt/f", "type": "bind", "source": $f, "options": ["bind"]}]'
	set_cmd 'cat /mnt/d/f /mnt/f; touch /mnt/d/new 2>/dev/null || echo read-only; ls /mnt/d'
	run ward run ct
	assert_success
	assert_output $'dir-content\nfile-content\nread-only\nf'
	# a missing source is still an error naming it (not EACCES), and the
	# failed create ends: nothing waits on the other side, nothing is left
	update_config --arg s "$secret/missing" '.mounts += [{"destination": "/mnt/d", "type": "bind", "source": $s, "options": ["bind"]}]'
	run timeout 60 "$WARD" --root "$WARD_ROOT" run ct2
	assert_failure
	[ "$status" -ne 124 ] || fail "create hung"
	assert_output_contains "$secret/missing"
	grep -qi "no such file or directory" <<<"$output" || fail "not ENOENT: $output"
	[ ! -e "$WARD_ROOT/ct2" ] || fail "state directory left behind"
}
