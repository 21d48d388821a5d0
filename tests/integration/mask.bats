#!/usr/bin/env bats
# linux.maskedPaths and linux.readonlyPaths.

load helpers

setup() {
	setup_bundle
	mkdir -p "$BUNDLE/rootfs/testdir"
	echo secret >"$BUNDLE/rootfs/testdir/secret"
	echo secret >"$BUNDLE/rootfs/testfile"
}
teardown() { teardown_bundle; }

@test "a masked file reads as empty" {
	update_config '.linux.maskedPaths += ["/testfile"]'
	set_cmd 'wc -c < /testfile; cat /testfile'
	run ward run ct
	assert_success
	assert_output "0"
}

@test "a masked directory is empty and cannot be written" {
	update_config '.linux.maskedPaths += ["/testdir"]'
	set_cmd 'ls -A /testdir; touch /testdir/new 2>&1 || echo refused'
	run ward run ct
	assert_output_contains "refused"
	refute_output_contains "secret"
}

@test "the default masked kernel files are empty" {
	# (/proc/kcore does not exist on every kernel; these do)
	set_cmd 'wc -c < /proc/timer_list; wc -c < /proc/keys; ls -A /sys/firmware | wc -l'
	run ward run ct
	assert_success
	assert_output $'0\n0\n0'
}

@test "a masked path that does not exist is ignored" {
	update_config '.linux.maskedPaths += ["/no/such/path"]'
	set_cmd 'echo ok; [ -e /no/such/path ] || echo absent'
	run ward run ct
	assert_success
	assert_output $'ok\nabsent'
}

@test "a masked file cannot be unmounted without CAP_SYS_ADMIN" {
	update_config '.linux.maskedPaths += ["/testfile"]'
	set_cmd 'umount /testfile 2>/dev/null; cat /testfile; echo end'
	run ward run ct
	assert_output "end"
}

@test "a read-only path can be read but not written" {
	update_config '.linux.readonlyPaths += ["/testdir"]'
	set_cmd 'cat /testdir/secret; touch /testdir/new 2>&1; echo x >> /testdir/secret 2>&1; echo done'
	run ward run ct
	assert_line -n 0 secret
	assert_output_contains "Read-only file system"
	[ "$(cat "$BUNDLE/rootfs/testdir/secret")" = secret ] || fail "the file changed"
	[ ! -e "$BUNDLE/rootfs/testdir/new" ] || fail "a file was created"
}

@test "/proc/sys is read-only by default" {
	set_cmd 'cat /proc/sys/kernel/ostype; echo 1 > /proc/sys/kernel/domainname 2>&1; echo done'
	run ward run ct
	assert_line -n 0 Linux
	assert_output_contains "Read-only file system"
}

@test "a read-only path that does not exist is ignored" {
	update_config '.linux.readonlyPaths += ["/no/such/dir"]'
	set_cmd 'echo ok'
	run ward run ct
	assert_success
	assert_output ok
}
