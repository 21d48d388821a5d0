#!/usr/bin/env bats
# Node policy, userNamespace: a unique host id range per pod from the
# policy's pool, allocated under a lock on disk, released with the pod's
# last container; the image stays readable through an id-mapped rootfs.

load helpers
load policy_helpers

setup() {
	policy_setup
	POOL_START=$((3000000000 + RANDOM * 65536 % 100000000))
	POOL_DIR=$TEST_DIR/idpool
	jq -n --arg log "$AUDIT_LOG" --arg dir "$POOL_DIR" --argjson start "$POOL_START" \
		'{version: 1, defaultProfile: "p", auditLog: $log,
		  idPool: {start: $start, ranges: 32, stateDir: $dir},
		  profiles: {p: {level: 1, rules: {userNamespace: {mode: "default"}}}}}' >"$POLICY"
}
teardown() { policy_teardown; }

@test "policy userNamespace: the container gets the pod's range; root's files stay root's" {
	chmod 600 "$BUNDLE/rootfs/etc/hostname"
	set_cmd 'cat /proc/self/uid_map /proc/self/gid_map; stat -c %u:%g /bin/busybox; cat /etc/hostname'
	run pward run ct
	assert_success
	read -r -a m <<<"${lines[0]}"
	[ "${m[0]} ${m[1]} ${m[2]}" = "0 $POOL_START 65536" ] || fail "uid map: ${lines[0]}"
	assert_output_contains "0:0"
	assert_output_contains "ward-test"
	assert_audit default userNamespace "range 0 of pod ct"
	[ ! -s "$POOL_DIR/idranges" ] || fail "range not released: $(cat "$POOL_DIR/idranges")"
}

@test "policy userNamespace: 20 concurrent creates get distinct ranges, all released on delete" {
	local i pids=() maps
	set_cmd 'trap "exit 143" TERM; sleep 1000 & wait'
	for i in $(seq 1 20); do
		# pods of two containers each: c1/c2 share pod-1, c3/c4 pod-2...
		jq --arg pod "pod-$(((i + 1) / 2))" --arg cg "/$CGROUP_PARENT/$TEST_NAME-c$i" \
			'.annotations["io.kubernetes.cri.sandbox-id"] = $pod | .linux.cgroupsPath = $cg' \
			"$BUNDLE/config.json" >"$TEST_DIR/config.c$i"
		mkdir -p "$TEST_DIR/b$i"
		cp "$TEST_DIR/config.c$i" "$TEST_DIR/b$i/config.json"
		ln -s "$BUNDLE/rootfs" "$TEST_DIR/b$i/rootfs"
	done
	for i in $(seq 1 20); do
		pward create -b "$TEST_DIR/b$i" "c$i" </dev/null >"$TEST_DIR/create.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { cat "$TEST_DIR/create.$((i + 1))"; fail "create c$((i + 1)) failed"; }
	done
	maps=$(for i in $(seq 1 20); do
		echo "$((( i + 1) / 2)) $(awk '{ print $2 }' "/proc/$(container_pid "c$i")/uid_map")"
	done | sort -u)
	echo "$maps"
	# one range per pod, ten pods, ten distinct ranges inside the pool
	[ "$(wc -l <<<"$maps")" -eq 10 ] || fail "pods do not share exactly one range each"
	[ "$(awk '{ print $2 }' <<<"$maps" | sort -u | wc -l)" -eq 10 ] || fail "two pods share a range"
	awk -v s="$POOL_START" '($2 - s) % 65536 != 0 || $2 < s || $2 >= s + 32 * 65536 { exit 1 }' <<<"$maps" ||
		fail "a range is outside the pool or not aligned"
	[ "$(wc -l <"$POOL_DIR/idranges")" -eq 20 ]
	for i in $(seq 1 20); do ward delete -f "c$i"; done
	[ ! -s "$POOL_DIR/idranges" ] || fail "ranges left: $(cat "$POOL_DIR/idranges")"
}
