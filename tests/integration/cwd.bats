#!/usr/bin/env bats
# process.cwd

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "the default cwd is /" {
	set_cmd 'pwd'
	run ward run ct
	assert_success
	assert_output /
}

@test "process.cwd sets the working directory" {
	update_config '.process.cwd = "/tmp"'
	set_cmd 'pwd -P'
	run ward run ct
	assert_success
	assert_output /tmp
}

@test "a cwd that does not exist is created" {
	update_config '.process.cwd = "/work/dir"'
	set_cmd 'pwd -P'
	run ward run ct
	assert_success
	assert_output /work/dir
}

@test "a cwd through a symlink inside the rootfs resolves inside it" {
	ln -s /tmp "$BUNDLE/rootfs/tmplink"
	update_config '.process.cwd = "/tmplink"'
	set_cmd 'pwd -P'
	run ward run ct
	assert_success
	assert_output /tmp
}

@test "a relative cwd is rejected" {
	update_config '.process.cwd = "tmp"'
	run ward run ct
	assert_failure 1
	assert_output_matches "[Cc]wd"
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "a non-root user gets a cwd it owns" {
	update_config '.root.readonly = false | .process.user = {"uid": 1000, "gid": 1000} | .process.cwd = "/home/nobody"'
	set_cmd 'pwd; touch mine && stat -c %u mine'
	run ward run ct
	assert_success
	assert_output $'/home/nobody\n1000'
}
