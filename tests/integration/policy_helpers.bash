#!/bin/bash
# Shared by the policy_*.bats suites: a node policy per test (never the
# machine's /etc/ward/policy.json), its audit log, and the checks each rule
# family repeats: passes, refused with its message, audit line written,
# audit mode lets it through and logs it.

POLICY_RESTRICTED=$SRC_DIR/contrib/policy/restricted.json
POLICY_BASELINE=$SRC_DIR/contrib/policy/baseline.json

policy_setup() {
	setup_bundle || return 1
	POLICY=$TEST_DIR/policy.json
	AUDIT_LOG=$TEST_DIR/audit.log
	set_cmd 'true'
}

# _any_alive FILE: whether a pid listed in FILE still runs
_any_alive() {
	local pid
	while read -r pid; do
		kill -0 "$pid" 2>/dev/null && return 0
	done <"$1"
	return 1
}

policy_teardown() {
	local pid
	if [ -f "$TEST_DIR/netns.pids" ]; then
		# TERM first: a listener runs under timeout(1), which passes the
		# signal on to it; a KILL would leave the listener orphaned
		while read -r pid; do kill -TERM "$pid" 2>/dev/null; done <"$TEST_DIR/netns.pids"
		for _ in $(seq 20); do
			_any_alive "$TEST_DIR/netns.pids" || break
			sleep 0.05
		done
		while read -r pid; do kill -9 "$pid" 2>/dev/null; done <"$TEST_DIR/netns.pids"
	fi
	teardown_bundle
}

# make_netns: a network namespace with loopback up, as a CRI sandbox has,
# held by a process of the test (killed in policy_teardown; no mount is
# made on the host); prints its path.
make_netns() {
	local pid
	unshare -n sh -c 'ip link set lo up && exec sleep 1000' </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	echo "$pid" >>"$TEST_DIR/netns.pids"
	for _ in $(seq 50); do
		nsenter -t "$pid" -n ip -o link show lo 2>/dev/null | grep -q LOWER_UP && break
		sleep 0.1
	done
	echo "/proc/$pid/ns/net"
}

# write_policy RULE MODE [EXTRA_JSON]: a policy with one profile "p" that
# has one rule.
write_policy() {
	local rule=$1 mode=$2 extra=${3:-"{}"}
	jq -n --arg log "$AUDIT_LOG" --arg r "$rule" --arg m "$mode" --argjson x "$extra" \
		'{version: 1, defaultProfile: "p", auditLog: $log,
		  profiles: {p: {level: 1, rules: {($r): ({mode: $m} + $x)}}}}' >"$POLICY"
}

# use_policy FILE: a shipped policy, its audit log moved into the test dir.
use_policy() {
	jq --arg log "$AUDIT_LOG" '.auditLog = $log' "$1" >"$POLICY"
}

# pward ARGS...: ward under the test's policy.
pward() {
	"$WARD" --root "$WARD_ROOT" --policy "$POLICY" "$@"
}

# assert_audit VERDICT RULE TEXT: a line of the audit log with that verdict
# and rule whose field or message holds TEXT.
assert_audit() {
	local verdict=$1 rule=$2 text=$3
	[ -s "$AUDIT_LOG" ] || fail "no audit log at $AUDIT_LOG"
	jq -e -s --arg v "$verdict" --arg r "$rule" --arg t "$text" \
		'map(select(.verdict == $v and .rule == $r and
			((.field + ": " + .message) | contains($t)))) | length > 0' \
		"$AUDIT_LOG" >/dev/null || {
		cat "$AUDIT_LOG" >&2
		fail "no audit line: $verdict $rule '$text'"
	}
}

# rule_cycle RULE EXTRA_JSON FIELD MESSAGE: with the config as it stands
# (breaking the rule), enforce refuses naming FIELD and MESSAGE and logs
# "deny"; audit runs the container and logs "audit".
rule_cycle() {
	local rule=$1 extra=$2 field=$3 msg=$4
	write_policy "$rule" enforce "$extra"
	run pward run ct
	assert_failure
	output=${output//\\\"/\"} # the text log format escapes quotes
	assert_output_contains "policy p: $field: $msg"
	assert_audit deny "$rule" "$field: $msg"
	[ ! -e "$WARD_ROOT/ct" ] || fail "a refused create left state behind"
	write_policy "$rule" audit "$extra"
	: >"$AUDIT_LOG"
	run pward run ct
	assert_success
	assert_audit audit "$rule" "$field: $msg"
	assert_audit allow "*" ""
}

# rule_passes RULE EXTRA_JSON: the config as it stands runs under enforce.
rule_passes() {
	write_policy "$1" enforce "$2"
	run pward run ct
	assert_success
	assert_audit allow "*" ""
}

# policy_tool NAME SRC: the path of SRC built static, once per run for all
# the suites (under a lock). A guest without a compiler (tests/run.sh's
# cgroup v2 lane) has it prebuilt on its PATH instead.
policy_tool() {
	local bin=$WARD_TEST_TMP/policytools/$1 src=$2
	if ! command -v gcc >/dev/null && command -v "$1" >/dev/null; then
		command -v "$1"
		return
	fi
	(
		flock 9
		mkdir -p "$WARD_TEST_TMP/policytools"
		if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
			gcc -static -O2 -o "$bin.tmp" "$src" && mv "$bin.tmp" "$bin"
		fi
	) 9>"$WARD_TEST_TMP/.lock-policytools" || return 1
	echo "$bin"
}

# install_probe: contrib/seccomp/tests/probe.c at /probe in the rootfs
# ("NAME ok" / "NAME EPERM" per system call).
install_probe() {
	local bin
	bin=$(policy_tool probe "$SRC_DIR/contrib/seccomp/tests/probe.c") || return 1
	cp "$bin" "$BUNDLE/rootfs/probe"
}
