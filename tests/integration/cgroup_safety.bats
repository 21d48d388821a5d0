#!/usr/bin/env bats
# Whose cgroups ward touches, and what a create killed half-way leaves:
# a relative or absent cgroupsPath goes below the caller's own cgroup in
# each hierarchy (so the caller's limits hold), cgroups ward did not make are
# never signalled or removed, a busy or frozen cgroup is refused, cpuset
# levels ward did not make are filled in, `delete --force` finishes a killed
# create, and `exec` speaks runc's --cgroup, --ignore-paused and exit status.

load helpers
load cgroup_helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

# Every mounted hierarchy.
cg_mounts() {
	awk '$0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo | sort -u
}

# A v1 cpuset directory takes no task while its cpus/mems are empty (on
# cgroup v2 empty means inherited: nothing to do).
_cpuset_fill() {
	local d=$1 f
	[ -f "$(dirname "$d")/cpuset.cpus" ] && [ ! -f "$d/cgroup.controllers" ] || return 0
	for f in cpuset.cpus cpuset.mems; do
		[ -n "$(cat "$d/$f")" ] || cat "$(dirname "$d")/$f" >"$d/$f"
	done
}

# mk_foreign PATH: PATH in every hierarchy, made the way another tool would.
mk_foreign() {
	local m
	for m in $(cg_mounts); do
		mkdir -p "$m$1"
		[ -f "$m$1/cpuset.cpus" ] && { _cpuset_fill "$(dirname "$m$1")"; _cpuset_fill "$m$1"; }
	done
	return 0
}

# join_all PATH PID
join_all() {
	local m
	for m in $(cg_mounts); do
		echo "$2" >"$m$1/cgroup.procs" || return 1
	done
}

# A bystander: a process of the host that is not the container's.
start_bystander() {
	bg_start sleep 1000
	BYSTANDER=$BG_PID
}

@test "an existing cgroup with processes in it is refused and they are left alone" {
	requires_ward "runc 1.1.5 only warns (runc 1.2 refuses)"
	mk_foreign "$(cg_path)"
	start_bystander
	join_all "$(cg_path)" "$BYSTANDER"
	run ward_detached run -d ct
	assert_failure
	assert_output_contains "container's cgroup is not empty: 1 process(es) found"
	pid_alive "$BYSTANDER" || fail "the bystander was killed"
	[ -n "$(cg_dirs_of "$(cg_path)")" ] || fail "the cgroup ward did not make was removed"
	run ward list -q
	assert_output ""
}

@test "kill --all and delete --force never reach into a cgroup ward did not make" {
	requires_ward "runc 1.1.5 signals and removes whatever is in the cgroup"
	mk_foreign "$(cg_path)"
	run_ct
	# Someone else's process enters the (then empty) cgroup afterwards.
	start_bystander
	join_all "$(cg_path)" "$BYSTANDER"
	run ward kill --all ct KILL
	assert_success
	wait_for_container 100 0.1 ct stopped
	pid_alive "$BYSTANDER" || fail "kill --all killed a process of someone else"
	run ward delete --force ct
	assert_success
	pid_alive "$BYSTANDER" || fail "delete --force killed a process of someone else"
	[ -n "$(cg_dirs_of "$(cg_path)")" ] || fail "delete removed a cgroup ward did not make"

	# The same through delete --force of a running container.
	mk_foreign "$(cg_path c2)"
	update_config --arg p "$(cg_path c2)" '.linux.cgroupsPath = $p'
	run_ct c2
	start_bystander
	join_all "$(cg_path c2)" "$BYSTANDER"
	run ward delete --force c2
	assert_success
	pid_alive "$BYSTANDER" || fail "delete --force killed a process of someone else"
	[ -n "$(cg_dirs_of "$(cg_path c2)")" ] || fail "delete removed a cgroup ward did not make"
}

@test "a frozen cgroup is refused at create instead of hanging" {
	local fz m
	fz=$(cg_v1_mount freezer)
	mk_foreign "$(cg_path)"
	if [ -n "$fz" ]; then
		echo FROZEN >"$fz$(cg_path)/freezer.state"
	else
		m=$(cg_v2_root)
		echo 1 >"$m$(cg_path)/cgroup.freeze"
	fi
	run timeout -s KILL 60 "$WARD" --root "$WARD_ROOT" run ct </dev/null
	[ "$status" -ne 137 ] || fail "run hung on a frozen cgroup"
	assert_failure
	assert_output_contains "container's cgroup unexpectedly frozen"
	run ward list -q
	assert_output ""

	# A new cgroup below a frozen parent is frozen as well (runc 1.1.5
	# only looks at the container's own cgroup, and hangs).
	if is_ward; then
		update_config --arg p "$(cg_path)/child" '.linux.cgroupsPath = $p'
		run timeout -s KILL 60 "$WARD" --root "$WARD_ROOT" run ct </dev/null
		[ "$status" -ne 137 ] || fail "run hung below a frozen cgroup"
		assert_failure
		assert_output_contains "container's cgroup unexpectedly frozen"
		[ -z "$(cg_dirs_of "$(cg_path)/child")" ] || fail "the new child cgroup was left"
	fi
	if [ -n "$fz" ]; then
		echo THAWED >"$fz$(cg_path)/freezer.state"
	else
		echo 0 >"$m$(cg_path)/cgroup.freeze"
	fi
}

@test "v1 cpuset: every level of a nested cgroupsPath gets cpus and mems" {
	local cs parent
	cs=$(cg_v1_mount cpuset)
	[ -n "$cs" ] || skip "no v1 cpuset hierarchy"
	# A fresh parent as another tool makes it: cpus and mems empty.
	parent=$(cg_path)
	mkdir -p "$cs/$CGROUP_PARENT"
	_cpuset_fill "$cs/$CGROUP_PARENT"
	mkdir "$cs$parent"
	[ -z "$(cat "$cs$parent/cpuset.cpus")" ] || skip "cgroup.clone_children fills new cpusets here"
	update_config --arg p "$parent/a/b" '.linux.cgroupsPath = $p'
	set_cmd 'echo ran'
	run ward run ct
	assert_success
	assert_output "ran"
}

@test "v1 cpuset: a cpuset ward makes for the container stops balancing under a balancing parent, no other" {
	local cs parent
	requires_ward "the scheduler-domain rebuild avoided at each create and delete"
	cs=$(cg_v1_mount cpuset)
	[ -n "$cs" ] || skip "no v1 cpuset hierarchy"
	parent=$(cg_path)
	mkdir -p "$cs/$CGROUP_PARENT"
	_cpuset_fill "$cs/$CGROUP_PARENT"
	update_config --arg p "$parent/a/b" '.linux.cgroupsPath = $p'
	set_cmd 'sleep 100'
	run ward_detached create ct
	assert_success
	[ "$(cat "$cs$parent/a/b/cpuset.sched_load_balance")" = 0 ] || fail "leaf still balances"
	[ -n "$(cat "$cs$parent/a/b/cpuset.cpus")" ] || fail "leaf has no cpus"
	[ "$(cat "$cs$parent/a/cpuset.sched_load_balance")" = 1 ] || fail "made parent changed"
	# What the container reports: the flag it has.
	run ward events --stats ct
	assert_success
	[ "$(jq '.data.cpuset.sched_load_balance' <<<"$output")" = 0 ] || fail "stats: $output"
	run ward delete -f ct
	assert_success
	# A leaf that exists already is not ward's to change; nor is a leaf
	# under a parent that does not balance (there the flag matters).
	mkdir "$cs$parent/a/b"
	_cpuset_fill "$cs$parent/a/b"
	run ward_detached create ct
	assert_success
	[ "$(cat "$cs$parent/a/b/cpuset.sched_load_balance")" = 1 ] || fail "existing leaf changed"
	run ward delete -f ct
	assert_success
	rmdir "$cs$parent/a/b" 2>/dev/null || true
	echo 0 >"$cs$parent/a/cpuset.sched_load_balance"
	run ward_detached create ct
	assert_success
	[ "$(cat "$cs$parent/a/b/cpuset.sched_load_balance")" = 1 ] || fail "leaf of a non-balancing parent changed"
}

@test "no cgroupsPath: below the caller's own cgroup in each hierarchy, so its memory limit holds" {
	requires_cg memory
	local id=$TEST_NAME lim=/$CGROUP_PARENT/$TEST_NAME-lim mem v2=0 d
	mem=$(cg_v1_mount memory)
	if [ -z "$mem" ]; then
		mem=$(cg_v2_root)
		v2=1
	fi
	mkdir -p "$mem$lim/caller"
	if [ "$v2" = 1 ]; then
		for d in "" "/$CGROUP_PARENT" "$lim"; do
			echo +memory >"$mem$d/cgroup.subtree_control"
		done
		echo 33554432 >"$mem$lim/memory.max"
		echo 0 >"$mem$lim/memory.swap.max" 2>/dev/null || true
	else
		echo 33554432 >"$mem$lim/memory.limit_in_bytes"
		[ -f "$mem$lim/memory.memsw.limit_in_bytes" ] &&
			echo 33554432 >"$mem$lim/memory.memsw.limit_in_bytes"
	fi
	# The container and `ward run` share the limited cgroup: half the limit
	# is added to the badness of every container process, so that the OOM
	# killer never picks the runtime waiting for them (and still picks the
	# biggest of them, not the shell).
	update_config 'del(.linux.cgroupsPath) | .linux.namespaces |= map(select(.type != "cgroup"))
		| .process.oomScoreAdj = 500'
	set_cmd 'grep -E ":memory:|^0::" /proc/self/cgroup; head -c 200m /dev/zero | tail >/dev/null; echo "status $?"'
	# The caller sits in a memory-limited cgroup of the memory hierarchy
	# only (on a hybrid host its other cgroups stay where they are).
	run sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" --root "$3" run "$4" </dev/null' \
		_ "$mem$lim/caller" "$WARD" "$WARD_ROOT" "$id"
	local out=$output rc=$status
	if [ "$v2" = 1 ]; then
		# runc's fs2 rule: the parent of the caller's cgroup.
		assert_output_contains "0::$lim/$id"
	else
		assert_output_contains ":memory:$lim/caller/$id"
	fi
	# The limit held: the allocation was OOM-killed. A second OOM kill may
	# follow before the first victim's memory is freed and take the
	# container's shell too; `run` then exits with the shell's 137.
	if [ "$rc" -eq 0 ]; then
		assert_output_contains "status 137"
	else
		[ "$rc" -eq 137 ] || fail "ward run exited $rc: $out"
	fi
	# ward itself was not the victim: it ran to the end and removed the
	# container
	run ward state "$id"
	assert_failure
}

# kill_create_at HOW ID: start `create ID`, SIGKILL it at a point, then check
# that list shows what is left and delete --force clears all of it.
_check_killed_create() {
	local id=$1 left
	run ward list -q
	if is_ward && [ -d "$WARD_ROOT/$id" ]; then
		assert_line "$id"
	fi
	run ward delete --force "$id"
	assert_success
	[ ! -e "$WARD_ROOT/$id" ] || fail "state directory left: $(ls -A "$WARD_ROOT/$id")"
	left=$(cg_dirs_of "$(cg_path)" || true)
	[ -z "$left" ] || fail "cgroup left: $left"
	# The init is a clone of `ward create`: same command line.
	sleep 0.2
	left=$(pgrep -f -- "--root $WARD_ROOT create $id" || true)
	[ -z "$left" ] || fail "process left: $left"
}

@test "a create killed at any point: delete --force leaves no state, cgroup or process" {
	local i pid
	# While the runtime runs a createRuntime hook (init waits for it).
	mkfifo "$TEST_DIR/hold"
	update_config --arg f "$TEST_DIR/hold" --arg p "$TEST_DIR/hook.pid" \
		'.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "echo $$ > \($p); read x < \($f)"]}]'
	"$WARD" --root "$WARD_ROOT" create hk </dev/null >/dev/null 2>&1 &
	pid=$!
	wait_for_file 100 0.1 "$TEST_DIR/hook.pid"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	kill -9 "$(cat "$TEST_DIR/hook.pid")" 2>/dev/null || true
	_check_killed_create hk

	# At moments spread over the whole create (no hook).
	update_config 'del(.hooks)'
	for i in 0 0.01 0.02 0.04 0.07 0.1 0.15; do
		"$WARD" --root "$WARD_ROOT" create "k$i" </dev/null >/dev/null 2>&1 &
		pid=$!
		sleep "$i"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		_check_killed_create "k$i"
	done
}

@test "exec: a failure of the runtime itself exits 255, a bad pid file included" {
	run_ct
	run ward exec --pid-file "$TEST_DIR/no/such/dir/pid" ct true
	[ "$status" -eq 255 ] || fail "status $status"
	run ward exec -d --pid-file "$TEST_DIR/no/such/dir/pid" ct sleep 100
	[ "$status" -eq 255 ] || fail "detached: status $status"
	run ward exec ct /no/such/program
	[ "$status" -eq 255 ] || fail "missing program: status $status"
	run ward exec nosuchct true
	[ "$status" -eq 255 ] || fail "missing container: status $status"
}

@test "exec into a paused container needs --ignore-paused" {
	run_ct
	run ward pause ct
	assert_success
	run ward exec ct true
	[ "$status" -eq 255 ] || fail "status $status"
	assert_output_contains "cannot exec in a paused container (use --ignore-paused to override)"
	# As with runc, the process starts frozen with the rest: the exec
	# completes once the container is resumed.
	"$WARD" --root "$WARD_ROOT" exec -d --ignore-paused ct sleep 100 </dev/null \
		>"$TEST_DIR/exec.out" 2>&1 &
	local pid=$! rc=0
	sleep 1
	run ward resume ct
	assert_success
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "exec --ignore-paused: status $rc: $(cat "$TEST_DIR/exec.out")"
	run ward exec ct sh -c 'ps -o args | grep -cx "sleep 100"'
	assert_output "1"
}

@test "exec --cgroup: runc's PATH and CONTROLLER:PATH forms and errors" {
	local m out
	run_ct
	for m in $(cg_mounts); do
		mkdir "$m$(cg_path)/sub"
		[ -f "$m$(cg_path)/sub/cpuset.cpus" ] && _cpuset_fill "$m$(cg_path)/sub"
	done
	run ward exec --cgroup sub ct cat /proc/self/cgroup
	assert_success
	for out in "${lines[@]}"; do
		[[ "$out" == */sub ]] || fail "not in the sub-cgroup: $out"
	done
	if [ -n "$(cg_v1_mount memory)" ] && [ -n "$(cg_v1_mount pids)" ]; then
		run ward exec --cgroup memory:sub ct cat /proc/self/cgroup
		assert_success
		assert_output_contains ":memory:"
		for out in "${lines[@]}"; do
			case $out in
			*:memory:*) [[ "$out" == */sub ]] || fail "memory not in sub: $out" ;;
			*:pids:*) [[ "$out" != */sub ]] || fail "pids moved too: $out" ;;
			esac
		done
	fi
	run ward exec --cgroup a:b:c ct true
	[ "$status" -eq 255 ]
	assert_output_contains "invalid --cgroup argument: a:b:c"
	run ward exec --cgroup sub --cgroup sub ct true
	[ "$status" -eq 255 ]
	assert_output_contains "invalid --cgroup argument: sub (missing <controller>: prefix)"
	run ward exec --cgroup ../escape ct true
	[ "$status" -eq 255 ]
	assert_output_contains "../escape is not a sub cgroup path"
	run ward exec --cgroup nosuchctl:sub ct true
	[ "$status" -eq 255 ]
	assert_output_contains "unknown controller nosuchctl"
}
