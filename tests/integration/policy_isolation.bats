#!/usr/bin/env bats
# Node policy, isolation rules: private namespaces, read-only /sys and
# /proc/sys, the default masked and read-only paths, safe sysctls.

load helpers
load policy_helpers

setup() { policy_setup; }
teardown() { policy_teardown; }

@test "policy namespaces: private ones pass, host network refused, audit logs" {
	rule_passes namespaces '{}'
	update_config '.linux.namespaces |= map(select(.type != "network"))'
	rule_cycle namespaces '{}' linux.namespaces "host network namespace is not allowed"
}

@test "policy namespaces: joining the host's by path is refused, another container's is not" {
	update_config --arg p "/proc/$$/ns/ipc" '.linux.namespaces |= map(if .type == "ipc" then .path = $p else . end)'
	write_policy namespaces enforce
	run pward run ct
	assert_failure
	assert_output_contains "policy p: linux.namespaces: host ipc namespace is not allowed"
	# a namespace of another container (a pod's sandbox) may be joined
	write_policy namespaces enforce
	update_config '.linux.namespaces |= map(if .type == "ipc" then del(.path) else . end)'
	set_cmd 'trap "exit 143" TERM; sleep 1000 & wait'
	run ward_detached --policy "$POLICY" run -d sandbox
	assert_success
	local pid
	pid=$(container_pid sandbox)
	set_cmd 'true'
	update_config --arg p "/proc/$pid/ns/ipc" --arg c "/$CGROUP_PARENT/$TEST_NAME-b" \
		'.linux.namespaces |= map(if .type == "ipc" then .path = $p else . end) | .linux.cgroupsPath = $c'
	run pward run ct
	assert_success
	ward delete -f sandbox
}

@test "policy namespaces: default mode adds the missing ones" {
	update_config '.linux.namespaces |= map(select(.type != "uts" and .type != "pid")) | del(.hostname)'
	write_policy namespaces default
	set_cmd 'echo $$; hostname'
	run pward run ct
	assert_success
	[ "${lines[0]}" = 1 ] || fail "not pid 1 in its own pid namespace"
	assert_audit default namespaces "a new uts namespace"
	assert_audit default namespaces "a new pid namespace"
}

@test "policy kernelFilesystems: ro /sys passes, writable sysfs refused, audit logs" {
	rule_passes kernelFilesystems '{}'
	update_config '.mounts |= map(if .destination == "/sys" then .options -= ["ro"] else . end)'
	local i
	i=$(jq '.mounts | map(.destination) | index("/sys")' "$BUNDLE/config.json")
	rule_cycle kernelFilesystems '{}' "mounts[$i]" "writable sysfs on /sys is not allowed"
	# default mode remounts it read-only
	write_policy kernelFilesystems default
	set_cmd 'touch /sys/kernel/x 2>&1; grep " /sys " /proc/self/mounts'
	run pward run ct
	assert_output_contains "Read-only file system"
	assert_output_contains "sysfs ro,"
}

@test "policy kernelFilesystems: writable /proc/sys refused" {
	update_config '.linux.readonlyPaths -= ["/proc/sys"]'
	rule_cycle kernelFilesystems '{}' linux.readonlyPaths "writable /proc/sys is not allowed"
}

@test "policy maskedPaths: the defaults pass, a missing one is refused, default mode adds it" {
	rule_passes maskedPaths '{}'
	update_config '.linux.maskedPaths -= ["/proc/keys"]'
	rule_cycle maskedPaths '{}' linux.maskedPaths "/proc/keys is missing"
	write_policy maskedPaths default
	set_cmd 'wc -c </proc/keys'
	run pward run ct
	assert_success
	assert_output 0
	assert_audit default maskedPaths "added /proc/keys"
}

@test "policy sysctls: the Kubernetes safe set passes, others refused, audit logs" {
	update_config '.linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "80"}'
	rule_passes sysctls '{}'
	update_config '.linux.sysctl["kernel.msgmax"] = "9000"'
	rule_cycle sysctls '{}' 'linux.sysctl["kernel.msgmax"]' "sysctl is not in the allowed set"
	# an admin's own list, with patterns
	write_policy sysctls enforce '{"allowed": ["kernel.msg*", "net.ipv4.*"]}'
	run pward run ct
	assert_success
}
