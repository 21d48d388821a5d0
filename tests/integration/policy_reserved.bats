#!/usr/bin/env bats
# The annotations the node policy writes for the later stages of create
# (run.ward.seccomp-floor, run.ward.idmap-rootfs, run.ward.id-range-state,
# run.ward.egress-filter) are refused in a requested config, with or
# without a policy: in Kubernetes the config's annotations are the pod's.
# What the policy itself writes still works, at create and at exec.

load helpers
load policy_helpers

setup() { policy_setup; }
teardown() { policy_teardown; }

RESERVED=(run.ward.seccomp-floor run.ward.idmap-rootfs run.ward.id-range-state run.ward.egress-filter)

# reserved_value KEY: what the policy itself would write there (the id
# range's: a directory of the test, which must never appear).
reserved_value() {
	case $1 in
	run.ward.seccomp-floor) echo default ;;
	run.ward.idmap-rootfs) echo true ;;
	run.ward.id-range-state) echo "$TEST_DIR/elsewhere" ;;
	run.ward.egress-filter) echo '[{"cidr": "0.0.0.0/0"}]' ;;
	esac
}

# refused KEY WARD_FN: `WARD_FN run ct` with KEY set in the config fails
# naming KEY and leaves nothing behind.
refused() {
	local key=$1 fn=$2
	update_config --arg k "$key" --arg v "$(reserved_value "$key")" '.annotations[$k] = $v'
	run "$fn" run ct
	assert_failure
	output=${output//\\\"/\"} # the text log format escapes quotes
	assert_output_contains "annotations[\"$key\"]: reserved for the node policy"
	[ ! -e "$WARD_ROOT/ct" ] || fail "a refused create left state behind"
	[ ! -e "$TEST_DIR/elsewhere" ] || fail "$key made ward create $TEST_DIR/elsewhere"
	[ -z "$(_test_cgroups)" ] || fail "a refused create left a cgroup: $(_test_cgroups)"
	update_config --arg k "$key" 'del(.annotations[$k])'
}

@test "policy reserved: each decision annotation is refused without a node policy" {
	requires_ward "ward's node policy"
	[ ! -e /etc/ward/policy.json ] || skip "a node policy is installed at /etc/ward/policy.json"
	run ward run ct
	assert_success
	local key
	for key in "${RESERVED[@]}"; do
		refused "$key" ward
	done
	# what a pod may set is still taken
	update_config '.annotations["run.ward.egress"] = "[]" | .annotations["run.ward.profile"] = "p"'
	run ward run ct
	assert_success
}

@test "policy reserved: refused under a policy, logged as deny, shown by policy check" {
	requires_ward "ward's node policy"
	write_policy seccomp default
	run pward run ct
	assert_success
	local key
	for key in "${RESERVED[@]}"; do
		: >"$AUDIT_LOG"
		refused "$key" pward
		assert_audit deny reserved "annotations: annotations[\"$key\"]: reserved for the node policy"
	done
	update_config '.annotations["run.ward.seccomp-floor"] = "default"'
	run pward policy check "$BUNDLE"
	assert_failure
	output=${output//\\\"/\"}
	assert_output_contains 'annotations["run.ward.seccomp-floor"]: reserved for the node policy'
}

@test "policy reserved: the policy's own floor holds at create and at exec (read from ward's state)" {
	requires_ward "ward's node policy"
	install_probe
	# the pod's profile allows keyctl; the floor the policy stacks does not
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_ALLOW"}]}'
	set_cmd '/probe keyctl; exec sleep 1000'
	write_policy seccomp default
	run ward_detached --policy "$POLICY" run -d ct
	assert_success
	run pward state ct
	assert_success
	[ "$(jq -r '.annotations["run.ward.seccomp-floor"]' <<<"$output")" = default ] ||
		fail "no floor in the state: $output"
	run pward exec ct /probe keyctl
	assert_success
	assert_output "keyctl EPERM"
	# control: the same exec without the floor
	pward delete -f ct
	run ward_detached run -d ct
	assert_success
	run ward exec ct /probe keyctl
	assert_success
	assert_output "keyctl ok"
	ward delete -f ct
}

@test "policy reserved: the policy's id range and id-mapped rootfs work; a pod's own id-range-state is refused" {
	requires_ward "ward's node policy"
	local pool=$TEST_DIR/idpool start=$((3100000000 + RANDOM * 65536 % 100000000))
	jq -n --arg log "$AUDIT_LOG" --arg dir "$pool" --argjson start "$start" \
		'{version: 1, defaultProfile: "p", auditLog: $log,
		  idPool: {start: $start, ranges: 4, stateDir: $dir},
		  profiles: {p: {level: 1, rules: {userNamespace: {mode: "default"}}}}}' >"$POLICY"
	set_cmd 'stat -c %u:%g /bin/busybox; exec sleep 1000'
	run ward_detached --policy "$POLICY" run -d ct
	assert_success
	# The container writes it on its own time, after `run -d` returns.
	wait_for_file 100 0.05 "$TEST_DIR/detached.out"
	run cat "$TEST_DIR/detached.out"
	assert_output "0:0"
	[ "$(wc -l <"$pool/idranges")" = 1 ] || fail "no range taken: $(cat "$pool/idranges")"
	local table
	table=$(cat "$pool/idranges")
	# a second container naming the real table is refused, the table unchanged
	update_config --arg d "$pool" '.annotations["run.ward.id-range-state"] = $d'
	run pward run ct2
	assert_failure
	output=${output//\\\"/\"}
	assert_output_contains 'annotations["run.ward.id-range-state"]: reserved for the node policy'
	[ "$(cat "$pool/idranges")" = "$table" ] || fail "the table changed: $(cat "$pool/idranges")"
	pward delete -f ct
	[ ! -s "$pool/idranges" ] || fail "range not released: $(cat "$pool/idranges")"
}
