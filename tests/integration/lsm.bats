#!/usr/bin/env bats
# LSM labels on a host without SELinux or AppArmor: a requested label is a
# clear error at create, never silently dropped, and nothing is left behind.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

host_has_selinux() { [ -e /sys/fs/selinux/enforce ]; }
host_has_apparmor() { [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; }

expect_lsm_error() {
	run ward_detached create ct
	assert_failure 1
	assert_output_contains "$1"
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
	[ -z "$(_test_cgroups)" ] || fail "cgroup left behind: $(_test_cgroups)"
}

@test "process.selinuxLabel without SELinux fails create" {
	host_has_selinux && skip "this host has SELinux enabled"
	requires_ward
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
	expect_lsm_error "selinux is disabled or not supported"
}

@test "linux.mountLabel without SELinux fails create" {
	host_has_selinux && skip "this host has SELinux enabled"
	requires_ward
	update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	expect_lsm_error "linux.mountLabel is specified in config, but selinux is disabled"
}

@test "process.apparmorProfile without AppArmor fails create" {
	host_has_apparmor && skip "this host has AppArmor enabled"
	requires_ward
	update_config '.process.apparmorProfile = "ward-default"'
	expect_lsm_error "apparmor"
}

@test "no labels: the container runs as usual" {
	set_cmd true
	run ward_detached run ct
	assert_success
}
