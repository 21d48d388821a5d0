#!/usr/bin/env bats
# Node policy: loading, profiles, `ward policy check|show`, the audit log,
# exec under a policy, and ordinary workloads under the shipped restricted
# policy.

load helpers
load policy_helpers

setup() { policy_setup; }
teardown() { policy_teardown; }

# The restricted profile's idea of an ordinary pod: only NET_BIND_SERVICE,
# and a writable /tmp (an emptyDir).
restricted_workload() {
	update_config '.process.capabilities = {"bounding": ["CAP_NET_BIND_SERVICE"],
		"effective": ["CAP_NET_BIND_SERVICE"], "permitted": ["CAP_NET_BIND_SERVICE"]}
		| .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
		               "options": ["nosuid", "nodev", "size=16m"]}]'
}

@test "policy: a missing --policy file or an invalid one refuses every create" {
	run ward --policy "$TEST_DIR/nope.json" run ct
	assert_failure
	assert_output_contains "invalid policy (every container is refused until it is fixed): open $TEST_DIR/nope.json"
	write_policy capabilities enforce
	jq '.profiles.p.rules.capabilities.mode = "enforced"' "$POLICY" >"$POLICY.new" && mv "$POLICY.new" "$POLICY"
	run pward run ct
	assert_failure
	assert_output_contains 'profiles.p.rules.capabilities.mode: unknown mode'
	jq '.profiles.p.rules = {"capabilites": {"mode": "enforce"}}' "$POLICY" >"$POLICY.new" && mv "$POLICY.new" "$POLICY"
	run pward run ct
	assert_failure
	assert_output_contains 'profiles.p.rules[\"capabilites\"]: unknown rule'
	echo '{"version": 2}' >"$POLICY"
	run pward run ct
	assert_failure
	assert_output_contains "version: unsupported version 2"
	[ ! -e "$WARD_ROOT/ct" ]
	# no policy at all: exactly as before
	run ward run ct
	assert_success
}

@test "policy: a pod may pick a stricter profile by annotation, never a looser one" {
	jq -n --arg log "$AUDIT_LOG" '{version: 1, defaultProfile: "mid", auditLog: $log, profiles: {
		loose: {level: 0},
		mid: {level: 1, rules: {sysctls: {mode: "enforce"}}},
		strict: {level: 2, rules: {namespaces: {mode: "enforce"}, sysctls: {mode: "enforce"}}}}}' >"$POLICY"
	update_config '.annotations["run.ward.profile"] = "strict"'
	run pward run ct
	assert_success
	jq -e -s 'map(select(.verdict == "allow"))[0].profile == "strict"' "$AUDIT_LOG"
	update_config '.annotations["run.ward.profile"] = "strict" | .linux.namespaces |= map(select(.type != "pid"))'
	run pward run ct
	assert_failure
	assert_output_contains "policy strict: linux.namespaces: host pid namespace is not allowed"
	update_config '.annotations["run.ward.profile"] = "loose" | .linux.sysctl = {"kernel.msgmax": "9000"}'
	run pward run ct
	assert_failure
	assert_output_contains 'profile \"loose\" (level 0) is less strict than the default \"mid\" (level 1)'
	assert_audit deny profile "less strict"
	update_config '.annotations["run.ward.profile"] = "nonesuch"'
	run pward run ct
	assert_failure
	assert_output_contains 'no profile named \"nonesuch\"'
}

@test "policy check explains every verdict and creates nothing; show prints the policy" {
	use_policy "$POLICY_RESTRICTED"
	update_config '.linux.namespaces |= map(select(.type != "network")) | .process.capabilities.bounding += ["CAP_SYS_ADMIN"]'
	run pward policy check "$BUNDLE"
	assert_failure
	assert_output_contains "deny    capabilities       process.capabilities.bounding: capability CAP_SYS_ADMIN is not allowed"
	assert_output_contains "deny    namespaces         linux.namespaces: host network namespace is not allowed"
	assert_output_contains "default resources          linux.resources.pids.limit: pids limit 4096"
	[ ! -e "$AUDIT_LOG" ] || fail "check wrote audit lines"
	[ ! -e "$WARD_ROOT/$(basename "$BUNDLE")" ]
	restricted_workload
	update_config '.linux.namespaces += [{"type": "network"}]'
	run pward policy check "$BUNDLE"
	assert_success
	assert_output_contains "allow   *                  profile restricted"
	run pward policy show
	assert_success
	jq -e '.defaultProfile == "restricted" and .profiles.restricted.rules.capabilities.allowed == ["CAP_NET_BIND_SERVICE"]' <<<"$output"
}

@test "policy audit log: one JSON line per decision with the pod's CRI names" {
	write_policy capabilities audit '{"allowed": []}'
	update_config '.annotations += {"io.kubernetes.cri.sandbox-namespace": "team-a",
		"io.kubernetes.cri.sandbox-name": "web-0", "io.kubernetes.cri.sandbox-uid": "u-1",
		"io.kubernetes.cri.container-name": "app"}'
	run pward --log "$TEST_DIR/runtime.log" --log-format json run ct
	assert_success
	run jq -c -s 'map(select(.verdict == "audit"))[0] | [.id, .namespace, .pod, .podUid, .container, .profile, .rule, .field] ' "$AUDIT_LOG"
	assert_output '["ct","team-a","web-0","u-1","app","p","capabilities","process.capabilities.bounding"]'
	jq -e -s 'all(.time | test("^[0-9]{4}-"))' "$AUDIT_LOG"
	grep -q 'policy: {.*\\"verdict\\":\\"audit\\"' "$TEST_DIR/runtime.log" || fail "not in the runtime log"
}

@test "policy exec: capabilities beyond the profile are refused" {
	write_policy capabilities enforce '{"allowed": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]}'
	set_cmd 'trap "exit 143" TERM; sleep 1000 & wait'
	run ward_detached --policy "$POLICY" run -d ct
	assert_success
	run pward exec --cap CAP_SYS_ADMIN ct true
	assert_failure
	assert_output_contains "policy p: exec into ct: capability CAP_SYS_ADMIN is not allowed"
	run pward exec --cap CAP_KILL ct true
	assert_success
	ward delete -f ct
}

@test "policy restricted: ordinary workloads run (script, httpd on loopback, /tmp writes)" {
	use_policy "$POLICY_RESTRICTED"
	restricted_workload
	cat >"$BUNDLE/rootfs/job.sh" <<-'EOF'
		#!/bin/sh
		set -e
		echo hello >/tmp/out.txt
		mkdir -p /tmp/www && echo served >/tmp/www/index.html
		httpd -p 127.0.0.1:8080 -h /tmp/www
		sleep 0.3
		wget -q -O - http://127.0.0.1:8080/index.html
		cat /tmp/out.txt
		grep NoNewPrivs /proc/self/status | tr "\t" " "
	EOF
	chmod 755 "$BUNDLE/rootfs/job.sh"
	# the pod's network namespace, as the CRI passes it: loopback is up
	local ns
	ns=$(make_netns)
	update_config --arg p "$ns" '.process.args = ["/job.sh"]
		| .linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
	run pward run ct
	assert_success
	assert_output $'served\nhello\nNoNewPrivs: 1'
}

@test "policy restricted: a privileged configuration is refused" {
	use_policy "$POLICY_RESTRICTED"
	update_config --argjson all '["CAP_SYS_ADMIN","CAP_NET_ADMIN","CAP_SYS_PTRACE"]' '
		.process.capabilities = {bounding: $all, effective: $all, permitted: $all}
		| del(.linux.seccomp) | .linux.maskedPaths = [] | .linux.readonlyPaths = []
		| .linux.namespaces |= map(select(.type != "network" and .type != "pid"))
		| .mounts |= map(if .destination == "/sys" then .options -= ["ro"] else . end)'
	run pward policy check "$BUNDLE"
	assert_failure
	assert_output_contains "capability CAP_SYS_ADMIN is not allowed"
	assert_output_contains "host network namespace is not allowed"
	assert_output_contains "writable sysfs on /sys is not allowed"
	assert_output_contains "writable /proc/sys is not allowed"
	run pward run ct
	assert_failure
	assert_output_contains "policy restricted: process.capabilities.bounding: capability CAP_SYS_ADMIN is not allowed (and"
}

@test "policy egress: an invalid allow entry refuses every create" {
	jq -n --arg log "$AUDIT_LOG" '{version: 1, defaultProfile: "p", auditLog: $log,
		profiles: {p: {level: 1, egress: {mode: "enforce", allow: [{cidr: "10.1.2.3/8", ports: "443", protocol: "tcp"}], dns: ["10.96.0.10"]}}}}' >"$POLICY"
	run pward run ct
	assert_failure
	assert_output_contains "profiles.p.egress.allow[0].cidr"
	[ ! -e "$WARD_ROOT/ct" ]
}
