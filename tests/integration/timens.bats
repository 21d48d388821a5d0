#!/usr/bin/env bats
# Time namespaces: linux.timeOffsets (runtime-spec 1.1). Not in runc 1.1.5,
# so these run against ward only.

load helpers

setup() {
	setup_bundle
	requires_ward "time namespaces (runc gained them in 1.2)"
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces (CONFIG_TIME_NS)"
}
teardown() { teardown_bundle; }

@test "a time namespace with monotonic and boottime offsets" {
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"monotonic": {"secs": 1000, "nanosecs": 5}, "boottime": {"secs": 864000, "nanosecs": 0}}'
	set_cmd 'awk "{ print \$1, \$2, \$3 }" /proc/self/timens_offsets'
	run ward run ct
	assert_success
	assert_line "monotonic 1000 5"
	assert_line "boottime 864000 0"
}

@test "boottime offsets move /proc/uptime" {
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}}'
	set_cmd 'cut -d. -f1 /proc/uptime'
	local host
	host=$(cut -d. -f1 /proc/uptime)
	run ward run ct
	assert_success
	[ "$output" -ge $((host + 864000)) ] && [ "$output" -lt $((host + 864000 + 60)) ] ||
		fail "uptime $output, host $host"
}

@test "a time namespace without offsets has zero offsets" {
	update_config '.linux.namespaces += [{"type": "time"}]'
	set_cmd 'awk "{ print \$1, \$2, \$3 }" /proc/self/timens_offsets; readlink /proc/self/ns/time'
	run ward run ct
	assert_success
	assert_line "monotonic 0 0"
	assert_line "boottime 0 0"
	[ "${lines[2]}" != "$(readlink /proc/self/ns/time)" ] || fail "shares the host time namespace"
}

@test "timeOffsets without a time namespace are rejected" {
	update_config '.linux.timeOffsets = {"monotonic": {"secs": 1, "nanosecs": 0}}'
	run ward run ct
	assert_failure 1
	assert_output_contains "timeOffsets"
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}
