#!/usr/bin/env bats
# `update`: change the resource limits of a running container, with runc's
# flags or an OCI LinuxResources document, and read the kernel's files back.

load helpers
load cgroup_helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

mem_limit_file() {
	if cg_is_v2 memory; then echo memory.max; else echo memory.limit_in_bytes; fi
}

@test "update --memory with a size suffix" {
	requires_cg memory
	set_resources '.memory = {"limit": 33554432}'
	run_ct
	run ward update --memory 200m ct
	assert_success
	assert_cg memory "$(mem_limit_file)" 209715200
	run ward update --memory 1.5g ct
	assert_success
	assert_cg memory "$(mem_limit_file)" 1610612736
}

@test "update --memory-swap and --memory-reservation" {
	requires_cg memory
	set_resources '.memory = {"limit": 67108864, "swap": 67108864}'
	run_ct
	run ward update --memory 100m --memory-swap 300m --memory-reservation 50m ct
	assert_success
	if cg_is_v2 memory; then
		assert_cg memory memory.max 104857600
		assert_cg memory memory.low 52428800
		[ ! -e "$(cg_dir memory)/memory.swap.max" ] || assert_cg memory memory.swap.max 209715200
	else
		assert_cg memory memory.limit_in_bytes 104857600
		assert_cg memory memory.soft_limit_in_bytes 52428800
		[ ! -e "$(cg_dir memory)/memory.memsw.limit_in_bytes" ] ||
			assert_cg memory memory.memsw.limit_in_bytes 314572800
		# Shrinking both: the order of the two writes flips.
		run ward update --memory 50m --memory-swap 60m ct
		assert_success
		assert_cg memory memory.limit_in_bytes 52428800
	fi
}

@test "update --memory -1 lifts the limit" {
	requires_cg memory
	set_resources '.memory = {"limit": 67108864}'
	run_ct
	run ward update --memory -1 ct
	assert_success
	local v
	v=$(cg_read memory "$(mem_limit_file)")
	[ "$v" = max ] || [ "$v" -gt 1000000000000 ] || fail "limit $v"
}

@test "update --pids-limit" {
	requires_cg pids
	run_ct
	run ward update --pids-limit 30 ct
	assert_success
	assert_cg pids pids.max 30
	run ward update --pids-limit -1 ct
	assert_success
	assert_cg pids pids.max max
}

@test "update cpu flags" {
	requires_cg cpu
	run_ct
	run ward update --cpu-share 512 --cpu-period 100000 --cpu-quota 20000 ct
	assert_success
	if cg_is_v2 cpu; then
		assert_cg cpu cpu.weight 20
		assert_cg cpu cpu.max "20000 100000"
	else
		assert_cg cpu cpu.shares 512
		assert_cg cpu cpu.cfs_period_us 100000
		assert_cg cpu cpu.cfs_quota_us 20000
	fi
	# A period alone keeps the quota set before.
	run ward update --cpu-period 50000 ct
	assert_success
	if cg_is_v2 cpu; then
		assert_cg cpu cpu.max "20000 50000"
	else
		assert_cg cpu cpu.cfs_quota_us 20000
		assert_cg cpu cpu.cfs_period_us 50000
	fi
}

@test "update --cpuset-cpus and --cpuset-mems" {
	requires_cg cpuset
	run_ct
	run ward update --cpuset-cpus 0 --cpuset-mems 0 ct
	assert_success
	assert_cg cpuset cpuset.cpus 0
	assert_cg cpuset cpuset.mems 0
}

@test "update --blkio-weight" {
	requires_cg blkio
	run_ct
	run ward update --blkio-weight 300 ct
	assert_success
	local d
	d=$(cg_dir blkio)
	if cg_is_v2 blkio; then
		if [ -e "$d/io.bfq.weight" ]; then
			assert_cg blkio io.bfq.weight "default 300"
		else
			assert_cg blkio io.weight "default 2930"
		fi
	elif [ -e "$d/blkio.weight" ]; then
		assert_cg blkio blkio.weight 300
	else
		assert_cg blkio blkio.bfq.weight 300
	fi
}

@test "update --resources from a file and from stdin" {
	requires_cg memory pids
	run_ct
	cat >"$TEST_DIR/r.json" <<-'EOF'
		{"memory": {"limit": 104857600}, "pids": {"limit": 77}}
	EOF
	run ward update --resources "$TEST_DIR/r.json" ct
	assert_success
	assert_cg memory "$(mem_limit_file)" 104857600
	assert_cg pids pids.max 77
	run ward update -r - ct <<<'{"pids": {"limit": 66}}'
	assert_success
	assert_cg pids pids.max 66
	# The memory limit from before stays.
	assert_cg memory "$(mem_limit_file)" 104857600
}

@test "update --resources ignores the other flags" {
	requires_cg pids
	run_ct
	run ward update -r - --pids-limit 12 ct <<<'{"pids": {"limit": 55}}'
	assert_success
	assert_cg pids pids.max 55
}

@test "the updated resources are saved for later commands" {
	requires_cg memory
	requires_ward "where runc keeps the config is its own business"
	run_ct
	run ward update --memory 123m ct
	assert_success
	run jq -r '.linux.resources.memory.limit' "$WARD_ROOT/ct/config.json"
	assert_output 128974848
	# ... and an update that depends on it (swap needs the limit) works.
	run ward update --memory-swap 200m ct
	assert_success
	if ! cg_is_v2 memory && [ -e "$(cg_dir memory)/memory.memsw.limit_in_bytes" ]; then
		assert_cg memory memory.memsw.limit_in_bytes 209715200
	fi
}

@test "update shows in events --stats" {
	requires_cg memory
	run_ct
	run ward update --memory 111m ct
	assert_success
	run ward events --stats ct
	assert_success
	assert_equal "$(jq '.data.memory.usage.limit' <<<"$output")" 116391936 "limit in stats"
}

@test "checkBeforeUpdate refuses a limit below the current usage" {
	requires_cg memory
	# (On v1 the kernel itself refuses with EBUSY; v2 would reclaim.)
	cg_is_v2 memory && requires_ward "runc 1.1.5 has no checkBeforeUpdate"
	set_resources '.memory = {"limit": 134217728}'
	# 40 MiB in a tmpfs is charged to the container.
	set_cmd 'head -c 40m /dev/zero > /dev/shm/fill; echo filled > /host/done; sleep 1000'
	bind_host_dir
	run_ct
	wait_for_file 100 0.1 "$HOST_DIR/done"
	run ward update -r - ct <<<'{"memory": {"limit": 16777216, "checkBeforeUpdate": true}}'
	assert_failure
	is_runc || assert_output_contains "rejecting memory limit 16777216 below usage"
	assert_cg memory "$(mem_limit_file)" 134217728
	[ "$(container_status ct)" = running ]
}

@test "update errors" {
	run_ct
	run ward update --memory 10x ct
	assert_failure
	assert_output_contains "invalid value for memory: invalid size: '10x'"
	run ward update --cpu-period abc ct
	assert_failure
	assert_output_contains "invalid value for cpu-period"
	run ward update --l3-cache-schema "L3:0=ff" ct
	assert_failure
	assert_output_contains "Intel RDT/CAT: l3 cache schema is not enabled"
	run ward update -r - ct <<<'{"memory": {"limit": "x"}}'
	assert_failure
	run ward update --memory 100m nosuch
	assert_failure
	assert_output_contains "does not exist"
}

@test "update of a stopped container fails" {
	set_cmd 'true'
	run_ct
	wait_for_container 100 0.1 ct stopped
	run ward update --memory 100m ct
	assert_failure
	assert_output_contains "container not running"
}

@test "update --kernel-memory is accepted with a warning" {
	run_ct
	run ward update --kernel-memory 100m ct
	assert_success
	assert_output_contains "ignored"
}

@test "a failed update leaves the previous limits in place" {
	requires_cg memory cpu
	cg_is_v2 cpu && requires_ward "runc 1.1.5 ignores realtime settings on cgroup v2"
	set_resources '.memory = {"limit": 67108864}'
	run_ct
	# The memory limit is written first, then the realtime budget fails
	# (no budget in the parent on v1, no such thing on v2): the memory
	# limit goes back, and nothing of it sticks in the saved config.
	run ward update --memory 100m --cpu-rt-period 1000000 --cpu-rt-runtime 500000 ct
	assert_failure
	is_ward || return 0
	run jq -r '.linux.resources.memory.limit' "$WARD_ROOT/ct/config.json"
	assert_output 67108864
	assert_cg memory "$(mem_limit_file)" 67108864
}
