#!/usr/bin/env bats
# Node policy, process rules: capabilities, noNewPrivileges, seccomp (the
# floor stacked under a pod's own profile).

load helpers
load policy_helpers

setup() { policy_setup; }
teardown() { policy_teardown; }

@test "policy capabilities: allowed set passes, extra capability refused, audit logs" {
	rule_passes capabilities '{"allowed": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]}'
	update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]'
	rule_cycle capabilities '{"allowed": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]}' \
		process.capabilities.bounding "capability CAP_SYS_ADMIN is not allowed"
}

@test "policy noNewPrivileges: required; default mode sets it" {
	rule_passes noNewPrivileges '{}'
	update_config '.process.noNewPrivileges = false'
	rule_cycle noNewPrivileges '{}' process.noNewPrivileges "noNewPrivileges must be true"
	write_policy noNewPrivileges default
	set_cmd 'grep NoNewPrivs /proc/self/status | tr "\t" " "'
	run pward run ct
	assert_success
	assert_output "NoNewPrivs: 1"
	assert_audit default noNewPrivileges "process.noNewPrivileges"
}

@test "policy seccomp: a profile is required; default mode fills the floor" {
	rule_passes seccomp '{}'
	update_config 'del(.linux.seccomp)'
	rule_cycle seccomp '{}' linux.seccomp "a seccomp profile is required"
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW"}'
	write_policy seccomp enforce
	run pward run ct
	assert_failure
	assert_output_contains "policy p: linux.seccomp: an unconfined seccomp profile is not allowed"
	# default mode: absent becomes the floor (unshare is denied by it)
	update_config 'del(.linux.seccomp)'
	write_policy seccomp default
	set_cmd 'unshare -n true && echo unshared'
	run pward run ct
	assert_failure
	assert_output_contains "Operation not permitted"
	assert_audit default seccomp "ward's default profile"
}

@test "policy seccomp: a looser pod profile cannot enable keyctl (floor intersection)" {
	install_probe
	# the pod's profile allows everything, keyctl explicitly
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
		{"names": ["keyctl"], "action": "SCMP_ACT_ALLOW"}]} |
		.linux.seccomp.syscalls += [{"names": $all, "action": "SCMP_ACT_ALLOW"}]' \
		--argjson all "$(jq '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW" and .args == null) | .names[]] + ["clone"]' "$SRC_DIR/contrib/seccomp/default.json")"
	update_config '.process.args = ["/probe", "keyctl"]'
	# control: without a policy the pod's profile lets keyctl through
	run ward run ct
	assert_success
	refute_output_contains "keyctl EPERM"
	write_policy seccomp default
	run pward run ct
	assert_success
	assert_output "keyctl EPERM"
	assert_audit default seccomp "keyctl"
	run pward policy check "$BUNDLE"
	assert_output_contains "the floor still denies 1 allowed syscall(s): keyctl"
}
