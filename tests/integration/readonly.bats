#!/usr/bin/env bats
# root.readonly

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "a read-only root refuses writes" {
	update_config '.root.readonly = true'
	set_cmd 'touch /newfile 2>&1; awk "\$5 == \"/\" { print \$6 }" /proc/self/mountinfo'
	run ward run ct
	assert_output_contains "Read-only file system"
	[[ "${lines[-1]}" == ro* ]] || fail "root mount options: ${lines[-1]}"
	[ ! -e "$BUNDLE/rootfs/newfile" ] || fail "file created"
}

@test "a writable root takes writes into the bundle's rootfs" {
	update_config '.root.readonly = false'
	set_cmd 'echo written > /newfile && cat /newfile'
	run ward run ct
	assert_success
	assert_output written
	[ "$(cat "$BUNDLE/rootfs/newfile")" = written ] || fail "not in the rootfs"
}

@test "mounts on a read-only root stay writable" {
	update_config '.root.readonly = true'
	update_config '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]}]'
	set_cmd 'echo a > /tmp/f && echo b > /dev/shm/f && cat /tmp/f /dev/shm/f'
	run ward run ct
	assert_success
	assert_output $'a\nb'
}

@test "a read-only root cannot be remounted read-write without CAP_SYS_ADMIN" {
	update_config '.root.readonly = true'
	set_cmd 'mount -o remount,rw / 2>/dev/null; touch /x 2>/dev/null && echo writable || echo still read-only'
	run ward run ct
	assert_output "still read-only"
}
