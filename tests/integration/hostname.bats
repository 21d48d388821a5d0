#!/usr/bin/env bats
# hostname and domainname, in a private UTS namespace.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "hostname sets the container's host name" {
	update_config '.hostname = "sandbox-1"'
	set_cmd 'hostname; cat /proc/sys/kernel/hostname'
	run ward run ct
	assert_success
	assert_output $'sandbox-1\nsandbox-1'
}

@test "domainname sets the NIS domain name" {
	requires_ward "the domainname field (runc 1.1.5 ignores it)"
	update_config '.hostname = "h" | .domainname = "example.test"'
	set_cmd 'cat /proc/sys/kernel/domainname'
	run ward run ct
	assert_success
	assert_output example.test
}

@test "the host's name is untouched" {
	local before
	before=$(hostname)
	update_config '.hostname = "not-the-host"'
	set_cmd 'hostname'
	run ward run ct
	assert_success
	[ "$(hostname)" = "$before" ] || fail "host name changed to $(hostname)"
}

@test "a container changing its name does not change the host's" {
	local before
	before=$(hostname)
	# CAP_SYS_ADMIN and no seccomp filter (ward's default profile denies
	# sethostname(2)): the container can rename itself, in its namespace only
	update_config 'del(.linux.seccomp) | .hostname = "first"
		| .process.capabilities.bounding += ["CAP_SYS_ADMIN"]
		| .process.capabilities.effective += ["CAP_SYS_ADMIN"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	set_cmd 'hostname changed-inside && hostname'
	run ward run ct
	assert_success
	assert_output changed-inside
	[ "$(hostname)" = "$before" ] || fail "host name changed to $(hostname)"
}

@test "without a hostname the new UTS namespace keeps the host's name" {
	update_config 'del(.hostname)'
	set_cmd 'hostname; readlink /proc/self/ns/uts'
	run ward run ct
	assert_success
	assert_line -n 0 "$(hostname)"
	[ "${lines[1]}" != "$(readlink /proc/self/ns/uts)" ] || fail "shares the host UTS namespace"
}

@test "a hostname without a UTS namespace is rejected" {
	update_config '.hostname = "x" | .linux.namespaces |= map(select(.type != "uts"))'
	run ward run ct
	assert_failure 1
	assert_output_matches "[Uu][Tt][Ss]"
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}
