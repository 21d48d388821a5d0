#!/usr/bin/env bats
# process.capabilities: the five sets, read back from /proc/self/status.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

# set_caps JSON-ARRAY: the same list in bounding, effective and permitted;
# inheritable and ambient empty.
set_caps() {
	update_config --argjson c "$1" '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c, "inheritable": [], "ambient": []}'
}

status_caps() {
	echo 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status | tr -d "\t" | sed "s/:/ /"'
}

@test "the three default capabilities, in every set but inheritable and ambient" {
	set_caps '["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]'
	set_cmd "$(status_caps)"
	run ward run ct
	assert_success
	assert_output "CapInh 0000000000000000
CapPrm 0000000020000420
CapEff 0000000020000420
CapBnd 0000000020000420
CapAmb 0000000000000000"
}

@test "no capabilities at all" {
	set_caps '[]'
	set_cmd "$(status_caps)"
	run ward run ct
	assert_success
	assert_output "CapInh 0000000000000000
CapPrm 0000000000000000
CapEff 0000000000000000
CapBnd 0000000000000000
CapAmb 0000000000000000"
}

@test "without CAP_CHOWN root cannot chown" {
	set_caps '["CAP_KILL"]'
	set_cmd 'touch /tmp/f; chown 1000 /tmp/f 2>&1; echo done'
	update_config '.root.readonly = false'
	run ward run ct
	assert_output_contains "Operation not permitted"
}

@test "with CAP_CHOWN root can chown" {
	set_caps '["CAP_CHOWN"]'
	update_config '.root.readonly = false'
	set_cmd 'touch /tmp/f && chown 1000 /tmp/f && stat -c %u /tmp/f'
	run ward run ct
	assert_success
	assert_output 1000
}

@test "CAP_SYS_ADMIN is what allows mount" {
	set_caps '[]'
	set_cmd 'mount -t tmpfs t /tmp 2>/dev/null && echo mounted || echo refused'
	run ward run ct
	assert_output refused
	set_caps '["CAP_SYS_ADMIN"]'
	# the capability alone: ward's default seccomp profile (from `ward spec`)
	# denies mount(2) whatever the capabilities
	update_config 'del(.linux.seccomp)'
	set_cmd 'mount -t tmpfs t /tmp && echo mounted'
	run ward run ct
	assert_success
	assert_output mounted
}

@test "a non-root user keeps only ambient capabilities" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities = {
			"bounding": ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
			"effective": ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
			"permitted": ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
			"inheritable": ["CAP_NET_BIND_SERVICE"],
			"ambient": ["CAP_NET_BIND_SERVICE"]}'
	set_cmd "$(status_caps)"
	run ward run ct
	assert_success
	assert_output "CapInh 0000000000000400
CapPrm 0000000000000400
CapEff 0000000000000400
CapBnd 0000000000000420
CapAmb 0000000000000400"
}

@test "a non-root user without ambient capabilities has none effective" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_caps '["CAP_KILL", "CAP_CHOWN"]'
	set_cmd "$(status_caps)"
	run ward run ct
	assert_success
	assert_line "CapEff 0000000000000000"
	assert_line "CapPrm 0000000000000000"
	assert_line "CapBnd 0000000000000021"
}

@test "the bounding set limits what a setuid-root program could regain" {
	set_caps '["CAP_KILL"]'
	update_config '.process.noNewPrivileges = false'
	set_cmd 'grep CapBnd /proc/self/status; grep CapBnd /proc/1/status'
	run ward run ct
	assert_success
	assert_output $'CapBnd:\t0000000000000020\nCapBnd:\t0000000000000020'
}
