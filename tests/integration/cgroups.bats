#!/usr/bin/env bats
# Resource control: each linux.resources controller writes the kernel's
# file in the container's cgroup (read back from the host), memory and pids
# limits hold, processes join before exec, and the cgroup goes with delete.

load helpers
load cgroup_helpers

setup() {
	# The 200-cycle test needs more than the default watchdog allows on a
	# slow (emulated) machine.
	if [[ "$BATS_TEST_DESCRIPTION" == *"200 create/delete"* ]]; then
		WARD_TEST_WATCHDOG=${WARD_TEST_WATCHDOG:-900}
	fi
	setup_bundle
}
teardown() { teardown_bundle; }

@test "memory limit is written and an allocation past it is OOM-killed" {
	requires_cg memory
	set_resources '.memory = {"limit": 33554432, "swap": 33554432}'
	# tail keeps everything it reads: 200 MiB cannot fit in 32.
	set_cmd 'head -c 200m /dev/zero | tail > /dev/null; echo "status $?"'
	run ward run ct
	# tail is the victim. When the kernel has not uncharged its memory by
	# the time head's next pipe write needs a page, it picks a second
	# victim, the shell (the container's init): ward then reports 137
	# itself. runc behaves the same. Either way the allocation never
	# completed.
	if [ "$status" -eq 137 ]; then
		refute_output_contains "status"
	else
		assert_success
		assert_output_contains "status 137"
	fi
}

@test "memory limit, reservation and swap in the cgroup files" {
	requires_cg memory
	set_resources '.memory = {"limit": 67108864, "reservation": 33554432, "swap": 134217728}'
	run_ct
	if cg_is_v2 memory; then
		assert_cg memory memory.max 67108864
		assert_cg memory memory.low 33554432
		# v2 limits swap alone: memory+swap minus memory.
		[ ! -e "$(cg_dir memory)/memory.swap.max" ] || assert_cg memory memory.swap.max 67108864
	else
		assert_cg memory memory.limit_in_bytes 67108864
		assert_cg memory memory.soft_limit_in_bytes 33554432
		[ ! -e "$(cg_dir memory)/memory.memsw.limit_in_bytes" ] ||
			assert_cg memory memory.memsw.limit_in_bytes 134217728
	fi
}

@test "v1 memory knobs: swappiness, disableOOMKiller, kernelTCP" {
	requires_cg memory
	cg_is_v2 memory && skip "cgroup v1 only"
	set_resources '.memory = {"limit": 67108864, "swappiness": 20, "disableOOMKiller": true, "kernelTCP": 16777216}'
	run_ct
	assert_cg memory memory.swappiness 20
	assert_cg memory memory.oom_control "oom_kill_disable 1"
	requires_ward "runc 1.1.5 ignores kernelTCP (\"Kernel memory settings are ignored\")"
	assert_cg memory memory.kmem.tcp.limit_in_bytes 16777216
}

@test "pids limit is written and a fork loop stops at it" {
	requires_cg pids
	set_resources '.pids = {"limit": 10}'
	# The inner shell forks until it cannot (sh gives up on a failed
	# fork); the outer one then only runs builtins.
	set_cmd 'sh -c "while :; do sleep 100 & done" 2>/dev/null; echo ended > /host/done; exec sleep 1000'
	bind_host_dir
	run_ct
	wait_for_file 100 0.1 "$HOST_DIR/done"
	assert_cg pids pids.max 10
	local n
	n=$(wc -l <"$(cg_dir pids)/cgroup.procs")
	# The outer shell (now sleep) and the 8 sleeps the inner one managed.
	assert_equal "$n" 9 "processes left in the cgroup"
	run grep -E '^max [1-9]' "$(cg_dir pids)/pids.events"
	assert_success
}

@test "pids limit in pids.max; 0 and -1 mean no limit" {
	requires_cg pids
	set_resources '.pids = {"limit": 42}'
	run_ct ct
	assert_cg pids pids.max 42
	run ward delete -f ct
	requires_ward "runc 1.1.5 leaves pids.max alone for a limit of 0"
	set_resources '.pids = {"limit": 0}'
	run_ct ct2
	assert_cg pids pids.max max
}

@test "cpu shares, quota, period and burst" {
	requires_cg cpu
	set_resources '.cpu = {"shares": 512, "quota": 50000, "period": 100000}'
	run_ct
	if cg_is_v2 cpu; then
		# runc's conversion: 1 + ((512 - 2) * 9999) / 262142
		assert_cg cpu cpu.weight 20
		assert_cg cpu cpu.max "50000 100000"
	else
		assert_cg cpu cpu.shares 512
		assert_cg cpu cpu.cfs_quota_us 50000
		assert_cg cpu cpu.cfs_period_us 100000
	fi
}

@test "cpu burst and idle" {
	requires_cg cpu
	requires_ward "runc 1.1.5 has no cpu.burst or cpu.idle"
	set_resources '.cpu = {"quota": 50000, "period": 100000, "burst": 20000, "idle": 1}'
	run_ct
	if cg_is_v2 cpu; then
		assert_cg cpu cpu.max.burst 20000
		assert_cg cpu cpu.idle 1
	else
		assert_cg cpu cpu.cfs_burst_us 20000
		[ ! -e "$(cg_dir cpu)/cpu.idle" ] || assert_cg cpu cpu.idle 1
	fi
}

@test "cpuset cpus and mems" {
	requires_cg cpuset
	set_resources '.cpu = {"cpus": "0", "mems": "0"}'
	run_ct
	assert_cg cpuset cpuset.cpus 0
	assert_cg cpuset cpuset.mems 0
}

@test "blockIO weight and throttling" {
	requires_cg blkio
	local dev d
	dev=$(some_block_device)
	if [ -n "$dev" ]; then
		update_config --argjson maj "${dev%:*}" --argjson min "${dev#*:}" \
			'.linux.resources.blockIO = {"weight": 300,
				"throttleReadBpsDevice": [{"major": $maj, "minor": $min, "rate": 1048576}],
				"throttleWriteIOPSDevice": [{"major": $maj, "minor": $min, "rate": 100}]}'
	else
		set_resources '.blockIO = {"weight": 300}'
	fi
	run_ct
	d=$(cg_dir blkio)
	if cg_is_v2 blkio; then
		if [ -e "$d/io.bfq.weight" ]; then
			assert_cg blkio io.bfq.weight "default 300"
		else
			assert_cg blkio io.weight "default 2930"
		fi
		[ -n "$dev" ] || skip "no block device to throttle"
		run grep "^$dev " "$d/io.max"
		assert_output "$dev rbps=1048576 wbps=max riops=max wiops=100"
	else
		if [ -e "$d/blkio.weight" ]; then
			assert_cg blkio blkio.weight 300
		else
			assert_cg blkio blkio.bfq.weight 300
		fi
		[ -n "$dev" ] || skip "no block device to throttle"
		assert_cg blkio blkio.throttle.read_bps_device "$dev 1048576"
		assert_cg blkio blkio.throttle.write_iops_device "$dev 100"
	fi
}

@test "hugepage limits" {
	requires_cg hugetlb
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	# On a hybrid host hugetlb lives in the unified hierarchy only if the
	# root cgroup hands it down; the tests do not change the root.
	if cg_is_v2 hugetlb && ! cg_pure_v2; then
		skip "hugetlb is in the unified hierarchy of a hybrid host"
	fi
	set_resources '.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	run_ct
	if cg_is_v2 hugetlb; then
		assert_cg hugetlb hugetlb.2MB.max 4194304
	else
		assert_cg hugetlb hugetlb.2MB.limit_in_bytes 4194304
	fi
}

@test "an unknown hugepage size is refused" {
	requires_cg hugetlb
	if cg_is_v2 hugetlb && ! cg_pure_v2; then
		skip "hugetlb is in the unified hierarchy of a hybrid host"
	fi
	set_resources '.hugepageLimits = [{"pageSize": "3MB", "limit": 4194304}]'
	run ward_detached run -d ct
	assert_failure
	assert_output_contains "3MB"
}

@test "network classID without a net_cls controller is a clear error" {
	cg_has net_cls && skip "this host has net_cls"
	cg_pure_v2 && requires_ward "runc 1.1.5 ignores classID on cgroup v2"
	set_resources '.network = {"classID": 1048577}'
	run ward_detached run -d ct
	assert_failure
	# runc: "cannot set net_cls limit: container could not join or create cgroup"
	is_runc || assert_output_contains "classID: the net_cls cgroup controller is not available"
	# Nothing is left behind by the failed create.
	[ -z "$(cg_dirs_of "$(cg_path)")" ] || fail "cgroup left: $(cg_dirs_of "$(cg_path)")"
}

@test "network classID and priorities on a host with net_cls and net_prio" {
	requires_cg net_cls net_prio
	set_resources '.network = {"classID": 1048577, "priorities": [{"name": "lo", "priority": 5}]}'
	run_ct
	assert_cg net_cls net_cls.classid 1048577
	run grep '^lo ' "$(cg_dir net_prio)/net_prio.ifpriomap"
	assert_output "lo 5"
}

@test "unified: a cgroup v2 file is written" {
	[ -n "$(cg_v2_root)" ] || skip "no cgroup2 hierarchy"
	cg_pure_v2 || requires_ward "runc 1.1.5 refuses unified on a hybrid host (\"cannot use unified on cgroup v1\")"
	set_resources '.unified = {"cgroup.max.descendants": "12"}'
	run_ct
	run cat "$(cg_v2_root)$(cg_path)/cgroup.max.descendants"
	assert_output 12
}

@test "unified: memory.max on a v2 memory controller" {
	cg_is_v2 memory || skip "memory is not on cgroup v2 here"
	set_resources '.unified = {"memory.max": "50331648"}'
	run_ct
	assert_cg memory memory.max 50331648
}

@test "unified: keys that are not cgroup files of the container are refused" {
	[ -n "$(cg_v2_root)" ] || skip "no cgroup2 hierarchy"
	cg_pure_v2 && requires_ward "runc 1.1.5 writes them (cgroup.procs included)"
	local key
	for key in cgroup.procs cgroup.subtree_control nosuchctl.max; do
		update_config --arg k "$key" '.linux.resources.unified = {($k): "1"}'
		run ward_detached run -d ct
		assert_failure
		# runc 1.1.5 refuses unified altogether on a hybrid host.
		is_runc || assert_output_contains "$key"
	done
	if [ -n "$(cg_v1_mount memory)" ]; then
		update_config '.linux.resources.unified = {"memory.max": "1000000"}'
		run ward_detached run -d ct
		assert_failure
		assert_output_contains "invalid configuration: cannot use unified on cgroup v1"
		is_runc || assert_output_contains "mounted as cgroup v1"
	fi
}

@test "unified on a host without cgroup2 is an error" {
	[ -z "$(cg_v2_root)" ] || skip "this host has cgroup2"
	set_resources '.unified = {"memory.max": "1000000"}'
	run ward_detached run -d ct
	assert_failure
}

@test "processes join the cgroup before exec, in every hierarchy" {
	# Without a cgroup namespace /proc/self/cgroup shows the real paths.
	update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
	set_cmd 'cat /proc/self/cgroup'
	run ward run ct
	assert_success
	local line n=0
	for line in "${lines[@]}"; do
		n=$((n + 1))
		[[ "$line" == *":$(cg_path)" ]] || fail "not in the container's cgroup: $line"
	done
	[ "$n" -ge 1 ]
}

@test "a relative cgroupsPath goes below the runtime's cgroup, in each hierarchy" {
	local rel=$CGROUP_PARENT/$TEST_NAME-rel line ctrls own m n=0 dirs=""
	update_config --arg p "$rel" '.linux.cgroupsPath = $p'
	run_ct
	# The runtime runs in our cgroups, which may differ per hierarchy; on a
	# pure v2 host it uses their parent (runc's choice: ours has processes).
	while IFS=: read -r _ ctrls own; do
		if [ -z "$ctrls" ]; then
			m=$(cg_v2_root)
			cg_pure_v2 && own=$(dirname "$own")
		else
			m=$(cg_v1_mount "${ctrls%%,*}")
		fi
		[ -n "$m" ] || continue
		[ "$own" = / ] && own=
		[ -d "$m$own/$rel" ] || fail "no cgroup $m$own/$rel"
		dirs="$dirs $m$own/$rel"
		n=$((n + 1))
	done </proc/self/cgroup
	[ "$n" -ge 1 ]
	run ward delete -f ct
	assert_success
	for m in $dirs; do
		[ ! -d "$m" ] || fail "cgroup $m left after delete"
		# the parent mkdir -p made below our own cgroup, if now empty
		rmdir "$(dirname "$m")" 2>/dev/null || true
	done
}

@test "delete removes the cgroup from every hierarchy" {
	run_ct
	[ -n "$(cg_dirs_of "$(cg_path)")" ] || fail "no cgroup while running"
	run ward kill ct KILL
	wait_for_container 100 0.1 ct stopped
	run ward delete ct
	assert_success
	[ -z "$(cg_dirs_of "$(cg_path)")" ] || fail "left: $(cg_dirs_of "$(cg_path)")"
}

@test "kill --all reaches every process of the cgroup" {
	set_cmd 'sleep 1000 & sleep 1000 & sleep 1000 & wait'
	run_ct
	local procs
	procs=$(cg_dir pids)/cgroup.procs
	cg_has pids || procs=$(cg_dirs_of "$(cg_path)" | head -n 1)/cgroup.procs
	[ "$(wc -l <"$procs")" -ge 4 ]
	run ward kill --all ct KILL
	assert_success
	wait_for_container 100 0.1 ct stopped
	local i
	for ((i = 0; i < 50; i++)); do
		[ ! -s "$procs" ] && break
		sleep 0.1
	done
	[ ! -s "$procs" ] || fail "still in the cgroup: $(cat "$procs")"
}

@test "delete --force of a running container kills it and removes its cgroup" {
	set_cmd 'sleep 1000 & sleep 1000 & wait'
	run_ct
	run ward delete ct
	assert_failure
	run ward delete --force ct
	assert_success
	[ -z "$(cg_dirs_of "$(cg_path)")" ] || fail "left: $(cg_dirs_of "$(cg_path)")"
	run ward state ct
	assert_failure
}

@test "no cgroup is left after 200 create/delete cycles" {
	local i
	for ((i = 0; i < 200; i++)); do
		"$WARD" --root "$WARD_ROOT" create "c$i" </dev/null >/dev/null 2>"$TEST_DIR/err" ||
			fail "create c$i: $(cat "$TEST_DIR/err")"
		"$WARD" --root "$WARD_ROOT" delete -f "c$i" 2>"$TEST_DIR/err" ||
			fail "delete c$i: $(cat "$TEST_DIR/err")"
	done
	[ -z "$(cg_dirs_of "$(cg_path)")" ] || fail "left: $(cg_dirs_of "$(cg_path)")"
	run ls "$WARD_ROOT"
	assert_output ""
}

@test "with a cgroup namespace, each v1 hierarchy in the container is its own cgroup and nothing above" {
	[ -n "$(cg_v1_mount memory)" ] || skip "no cgroup v1 memory hierarchy on this host"
	update_config '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
	set_resources '.memory = {"limit": 67108864}'
	set_cmd 'awk '\''$5 == "/sys/fs/cgroup/memory" { print "root", $4 }'\'' /proc/self/mountinfo
		echo "limit $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
		ls /sys/fs/cgroup/memory; echo "procs $(cat /sys/fs/cgroup/memory/cgroup.procs | head -n 1)"'
	run ward run ct
	assert_success
	assert_line "root /"
	assert_line "limit 67108864"
	assert_line "procs 1"
	# The hierarchy's root and the cgroups on the way stay out of sight.
	refute_output_contains "release_agent"
	refute_output_contains "${CGROUP_PARENT%%/*}"
}
