#!/usr/bin/env bats
# Node policy, limits: memory and pids limits with maxima and defaults;
# Landlock where the kernel has it.

load helpers
load policy_helpers

setup() { policy_setup; }
teardown() { policy_teardown; }

LIMITS='{"memory": {"max": 536870912}, "pids": {"max": 512}}'

@test "policy resources: limits within the maxima pass, above refused, audit logs" {
	update_config '.linux.resources.memory.limit = 268435456 | .linux.resources.pids.limit = 100'
	rule_passes resources "$LIMITS"
	update_config '.linux.resources.memory.limit = 1073741824'
	rule_cycle resources "$LIMITS" linux.resources.memory.limit \
		"memory limit 1073741824 is above the maximum 536870912"
	update_config '.linux.resources.memory.limit = 268435456 | del(.linux.resources.pids)'
	rule_cycle resources "$LIMITS" linux.resources.pids.limit "a pids limit is required"
}

@test "policy resources: a missing limit gets the rule's default" {
	update_config 'del(.linux.resources.memory) | del(.linux.resources.pids)'
	write_policy resources enforce '{"memory": {"max": 536870912, "default": 268435456}, "pids": {"max": 512, "default": 64}}'
	set_cmd 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max'
	update_config '.mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro", "nosuid", "noexec", "nodev"]}]'
	run pward run ct
	assert_success
	assert_output 64
	assert_audit default resources "linux.resources.memory.limit: memory limit 268435456"
}

@test "policy landlock: turned on where the kernel has it; an explicit false is refused" {
	[ "$("$WARD" features | jq -r '.annotations["run.ward.landlock.abi"] // "0"')" != 0 ] ||
		skip "this kernel offers no Landlock"
	write_policy landlock default
	update_config '.root.readonly = false'
	set_cmd 'echo ok >/tmp/x && cat /tmp/x; trap "exit 143" TERM; sleep 1000 & wait'
	run ward_detached --policy "$POLICY" run -d ct2
	assert_success
	run ward state ct2
	[ "$(jq -r '.annotations["run.ward.landlock"]' <<<"$output")" = true ] || fail "Landlock is not on"
	assert_audit default landlock "Landlock enabled"
	# exec under the same rules still works
	run ward exec ct2 sh -c 'cat /tmp/x; ls /proc/$$/root/ >/dev/null && echo listed'
	assert_success
	assert_output $'ok\nlisted'
	ward delete -f ct2
	set_cmd 'true' 
	update_config '.annotations["run.ward.landlock"] = "false"'
	rule_cycle landlock '{}' 'annotations["run.ward.landlock"]' "Landlock must be on where the kernel has it"
}
