#!/usr/bin/env bats
# The device cgroup: linux.resources.devices decides which device nodes the
# container may open or create (v1 devices controller, or an eBPF program
# on cgroup v2), on top of the default devices every container gets.

load helpers
load cgroup_helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

# A node made through linux.devices: /dev/fuse (c 10:229) is not one of the
# default devices, and opening it changes nothing on the host.
add_fuse() {
	update_config '.linux.devices += [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}]'
}

@test "a device node without an allow rule cannot be opened" {
	add_fuse
	set_cmd 'exec 3<>/dev/fuse && echo opened'
	run ward run ct
	assert_failure
	assert_output_contains "Operation not permitted"
}

@test "an explicit deny rule wins over an earlier allow" {
	add_fuse
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"},
		{"allow": false, "type": "c", "major": 10, "minor": 229, "access": "rw"}]'
	set_cmd 'exec 3<>/dev/fuse && echo opened'
	run ward run ct
	assert_failure
	assert_output_contains "Operation not permitted"
}

@test "an allow rule lets the device be opened" {
	add_fuse
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}]'
	set_cmd 'exec 3<>/dev/fuse && echo opened'
	run ward run ct
	# Without a fuse driver on the host the open gets as far as ENODEV.
	if [ -c /dev/fuse ]; then
		assert_success
		assert_output "opened"
	else
		refute_output_contains "Operation not permitted"
	fi
}

@test "an access string is a set, as runc reads it: order, repeats and other letters" {
	add_fuse
	local acc
	for acc in wrr rwa; do
		update_config --arg a "$acc" '.linux.resources.devices = [{"allow": false, "access": "rwm"},
			{"allow": true, "type": "c", "major": 10, "minor": 229, "access": $a}]'
		set_cmd 'exec 3<>/dev/fuse && echo opened'
		run ward run ct
		if [ -c /dev/fuse ]; then
			assert_success
			assert_output "opened"
		else
			refute_output_contains "Operation not permitted"
		fi
	done
	# m alone, however written, grants no open.
	update_config '.linux.resources.devices[1].access = "mmm"'
	run ward run ct
	assert_failure
	assert_output_contains "Operation not permitted"
	# Nothing of r, w and m: refused (runc fails later, less clearly).
	update_config '.linux.resources.devices[1].access = "x"'
	run ward run ct
	assert_failure
	is_runc || assert_output_contains 'devices[1].access: invalid access'
}

@test "the default devices stay usable under a deny-all rule" {
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
	set_cmd 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c && echo ok'
	run ward run ct
	assert_success
	assert_line "ok"
}

@test "a default device named by a deny rule is denied (only null and zero allowed)" {
	requires_ward "runc 1.1.5 always re-allows its default devices"
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 5, "access": "rwm"},
		{"allow": false, "type": "c", "major": 1, "minor": 7, "access": "rwm"}]'
	set_cmd 'echo x > /dev/null && echo null-ok; head -c 1 /dev/zero > /dev/null && echo zero-ok; echo x > /dev/full'
	run ward run ct
	assert_failure
	assert_line "null-ok"
	assert_line "zero-ok"
	assert_output_contains "Operation not permitted"
}

@test "v1: the devices controller holds a whitelist" {
	[ -n "$(cg_v1_mount devices)" ] || skip "no v1 devices controller"
	add_fuse
	run_ct
	local list
	list=$(cat "$(cg_dir devices)/devices.list")
	[[ "$list" != *"a *:* rwm"* ]] || fail "allow-all policy: $list"
	[[ "$list" == *"c 1:3 rwm"* ]] || fail "/dev/null missing: $list"
	[[ "$list" != *"c 10:229"* ]] || fail "fuse allowed: $list"
}

@test "a rule that cannot be expressed is refused" {
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "access": "rwm"},
		{"allow": false, "type": "c", "major": 10, "minor": 229, "access": "rw"}]'
	run ward_detached run -d ct
	assert_failure
	# runc: "cannot punch hole in existing wildcard rule"
	is_runc || assert_output_contains "cannot be carved out"
	[ -z "$(cg_dirs_of "$(cg_path)")" ] || fail "cgroup left behind"
}

@test "update replaces the device policy of a running container" {
	requires_ward "runc 1.1.5 does not change devices on update"
	add_fuse
	# EPERM is the cgroup's answer (without a fuse driver an allowed open
	# fails with ENODEV instead).
	set_cmd 'denied() { (exec 3<>/dev/fuse) 2>&1 | grep -q "not permitted"; }
		while denied; do sleep 0.1; done; echo opened > /host/open
		while ! denied; do sleep 0.1; done; echo denied > /host/denied; sleep 1000'
	bind_host_dir
	run_ct
	sleep 0.5
	[ ! -e "$HOST_DIR/open" ] || fail "opened before the update"
	run ward update -r - ct <<<'{"devices": [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}]}'
	assert_success
	wait_for_file 100 0.1 "$HOST_DIR/open"
	run ward update -r - ct <<<'{"devices": [{"allow": false, "access": "rwm"}]}'
	assert_success
	wait_for_file 100 0.1 "$HOST_DIR/denied"
	# The default devices stayed usable throughout.
	[ "$(container_status ct)" = running ]
}
