#!/usr/bin/env bats
# Config size: the cost of a container grows linearly (or n log n) with
# every dimension of its config. Each dimension is measured at n and 2n
# (CPU time of `ward run` and what it waits for, sizes well above the fixed
# cost) and the ratio must stay below 3, where a quadratic step gives ~4.
# Where the kernel has a limit anyway, going over it is a clear error.

load helpers

setup() {
	setup_bundle
	update_config '.process.args = ["true"]'
	cp "$BUNDLE/config.json" "$TEST_DIR/config.base"
}
teardown() { teardown_bundle; }

# cpu_cost JQ-FILTER N: CPU seconds (user+sys, children included) of
# `ward run` with the base config edited by FILTER ($n bound to N).
cpu_cost() {
	local filter=$1 n=$2 t
	jq --argjson n "$n" "$filter" "$TEST_DIR/config.base" >"$BUNDLE/config.json" || return 1
	TIMEFORMAT='%U %S'
	{ t=$({ time ward run sc >/dev/null 2>"$TEST_DIR/run.err" </dev/null; } 2>&1); } ||
		{ cat "$TEST_DIR/run.err" >&2; fail "run with n=$n failed"; return 1; }
	ward delete -f sc >/dev/null 2>&1
	awk '{ printf "%.3f\n", $1 + $2 }' <<<"$t"
}

# scales_linearly NAME N JQ-FILTER: cost(2N)/cost(N) < 3 (measured twice
# before failing, against a noisy neighbour).
scales_linearly() {
	local name=$1 n=$2 filter=$3 a b try
	for try in 1 2; do
		a=$(cpu_cost "$filter" "$n") || return 1
		b=$(cpu_cost "$filter" $((2 * n))) || return 1
		echo "# $name: n=$n ${a}s, n=$((2 * n)) ${b}s" >&3
		awk -v a="$a" -v b="$b" 'BEGIN { exit !(b < 3 * (a > 0.02 ? a : 0.02)) }' && return 0
	done
	fail "$name: doubling the size made it $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", b / a }')x slower"
}

@test "process.env, seccomp syscall names and rules scale linearly" {
	scales_linearly env 40000 '.process.env += [range($n) | "V\(.)=\(.)"]'
	scales_linearly "names in one rule" 10000 \
		'.linux.seccomp.syscalls += [{"names": [range($n) | "acct", "getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22}]'
	scales_linearly "repeated rules" 8000 \
		'.linux.seccomp.syscalls += [range($n) | {"names": ["acct"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22, "args": [{"index": 0, "value": (. % 8), "op": "SCMP_CMP_EQ"}]}]'
}

@test "mounts, masked and read-only paths, devices scale linearly" {
	scales_linearly mounts 1000 '.mounts += [range($n) | {"destination": "/tmp/m\(.)", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}]'
	scales_linearly maskedPaths 2000 '.linux.maskedPaths += [range($n) | "/tmp/x\(.)"]'
	scales_linearly readonlyPaths 2000 '.linux.readonlyPaths += [range($n) | "/tmp/x\(.)"]'
	scales_linearly devices 500 '.linux.devices = [range($n) | {"path": "/dev/d\(.)", "type": "c", "major": 1, "minor": 3}]'
}

@test "annotations, additionalGids and hooks scale linearly" {
	scales_linearly annotations 20000 '.annotations = ([range($n) | {key: "a\(.)", value: "v"}] | from_entries)'
	scales_linearly additionalGids 8000 '.process.user.additionalGids = [range(1; $n + 1)]'
	scales_linearly hooks 20 '.hooks.prestart = [range($n) | {"path": "/bin/true"}]'
}

@test "past the kernel's limits: clear errors, before any work" {
	requires_ward "naming the kernel limit a config exceeds"
	# execve: one string over MAX_ARG_STRLEN, and a total over 6 MiB
	update_config '.process.env += ["BIG=" + ("x" * 140000)]'
	run ward_detached run sc
	assert_failure
	assert_output_contains "environment variable BIG is 140004 bytes, the kernel takes at most"
	cp "$TEST_DIR/config.base" "$BUNDLE/config.json"
	update_config '.process.env += [range(70000) | "V\(.)=" + ("y" * 90)]'
	run ward_detached run sc
	assert_failure
	assert_output_contains "more than the kernel's limit of 6291456 for execve"
	# seccomp: more distinct rules than BPF instructions
	cp "$TEST_DIR/config.base" "$BUNDLE/config.json"
	update_config '.linux.seccomp.syscalls += [range(5000) | {"names": ["acct"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22, "args": [{"index": 0, "value": ., "op": "SCMP_CMP_EQ"}]}]'
	run ward_detached run sc
	assert_failure
	assert_output_contains "distinct rules, more than the kernel's limit of 4096 BPF instructions"
	# setgroups and uid_map limits
	cp "$TEST_DIR/config.base" "$BUNDLE/config.json"
	update_config '.process.user.additionalGids = [range(1; 65538)]'
	run ward_detached run sc
	assert_failure
	assert_output_contains "process.user.additionalGids: 65537 groups, more than the kernel's limit of 65536"
	cp "$TEST_DIR/config.base" "$BUNDLE/config.json"
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [range(341) | {"containerID": ., "hostID": (100000 + .), "size": 1}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	run ward_detached run sc
	assert_failure
	assert_output_contains "linux.uidMappings: 341 mappings, more than the kernel's limit of 340"
}
