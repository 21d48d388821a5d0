#!/usr/bin/env bats
# --no-pivot: MS_MOVE + chroot instead of pivot_root (for ramdisk roots).

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "--no-pivot runs the container in its rootfs" {
	touch "$BUNDLE/rootfs/marker"
	set_cmd 'ls /marker && cat /etc/hostname'
	run ward run --no-pivot ct
	assert_success
	assert_output $'/marker\nward-test'
}

@test "--no-pivot: the host root is not reachable" {
	set_cmd "[ -e '$BUNDLE/config.json' ] && echo reachable || echo hidden; cd /..; ls"
	run ward run --no-pivot ct
	assert_success
	assert_line -n 0 hidden
	refute_output_contains "$(basename "$TEST_DIR")"
}

@test "--no-pivot keeps the mounts and a read-only root" {
	update_config '.root.readonly = true'
	set_cmd 'touch /x 2>&1; awk "\$5 == \"/proc\" { print \$5 }" /proc/self/mountinfo'
	run ward run --no-pivot ct
	assert_output_contains "Read-only file system"
	assert_line "/proc"
}
