#!/usr/bin/env bats
# `events`: resource statistics in runc's JSON shape, once (--stats) or as
# a stream, and OOM notifications.

load helpers
load cgroup_helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "events --stats prints one stats event with runc's fields" {
	set_resources '.memory = {"limit": 67108864} | .pids = {"limit": 20}'
	set_cmd 'sleep 1000 & wait'
	run_ct
	run ward events --stats ct
	assert_success
	assert_equal "${#lines[@]}" 1 "lines"
	local j=$output
	assert_equal "$(jq -r .type <<<"$j")" stats type
	assert_equal "$(jq -r .id <<<"$j")" ct id
	# The top-level keys, in runc's order.
	assert_equal "$(jq -c '.data | keys_unsorted' <<<"$j")" \
		'["cpu","cpuset","memory","pids","blkio","hugetlb","intel_rdt","network_interfaces"]' "data keys"
	assert_equal "$(jq -c '.data.cpu | keys_unsorted' <<<"$j")" '["usage","throttling"]' "cpu keys"
	jq -e '.data.cpu.usage.total > 0 and (.data.cpu.usage | has("kernel") and has("user"))' <<<"$j" >/dev/null ||
		fail "cpu usage: $(jq -c .data.cpu <<<"$j")"
	if cg_has memory; then
		assert_equal "$(jq -c '.data.memory | del(.raw, .cache) | keys_unsorted' <<<"$j")" \
			'["usage","swap","kernel","kernelTCP"]' "memory keys"
		assert_equal "$(jq .data.memory.usage.limit <<<"$j")" 67108864 "memory limit"
		jq -e '.data.memory.usage.usage > 0 and (.data.memory.raw | length > 5)' <<<"$j" >/dev/null ||
			fail "memory usage: $(jq -c .data.memory.usage <<<"$j")"
	fi
	if cg_has pids; then
		assert_equal "$(jq -c .data.pids <<<"$j")" '{"current":2,"limit":20}' "pids"
	fi
	assert_equal "$(jq -c .data.network_interfaces <<<"$j")" null "network_interfaces"
}

@test "events streams stats at the interval" {
	run_ct
	bg_start "$WARD" --root "$WARD_ROOT" events --interval 200ms ct >"$TEST_DIR/events"
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(wc -l <"$TEST_DIR/events")" -ge 3 ] && break
		sleep 0.1
	done
	kill "$BG_PID"
	run jq -r .type "$TEST_DIR/events"
	[ "${#lines[@]}" -ge 3 ] || fail "only ${#lines[@]} events: $output"
	assert_equal "${lines[0]}" stats type
	assert_equal "${lines[2]}" stats type
}

@test "events reports an OOM kill" {
	requires_cg memory
	set_resources '.memory = {"limit": 33554432, "swap": 33554432}'
	# The pipeline volunteers as the OOM victim (oom_score_adj 1000): when
	# the kernel needs a second one before tail's memory is uncharged, it
	# takes head, never the shell that is init.
	set_cmd 'while [ ! -e /host/go ]; do sleep 0.1; done; (echo 1000 > /proc/self/oom_score_adj; head -c 200m /dev/zero | tail); sleep 1000'
	bind_host_dir
	run_ct
	bg_start "$WARD" --root "$WARD_ROOT" events --interval 10s ct >"$TEST_DIR/events"
	local pid=$BG_PID i
	sleep 0.5
	touch "$HOST_DIR/go"
	for ((i = 0; i < 100; i++)); do
		grep -q '"type":"oom"' "$TEST_DIR/events" && break
		sleep 0.1
	done
	kill "$pid"
	run cat "$TEST_DIR/events"
	assert_output_contains '{"type":"oom","id":"ct"}'
	[ "$(container_status ct)" = running ] || fail "init died too"
}

@test "events ends when the container is gone" {
	requires_ward "runc keeps polling until killed"
	set_cmd 'sleep 1'
	run_ct
	run timeout 20 "$WARD" --root "$WARD_ROOT" events --interval 200ms ct
	assert_success
}

@test "events errors" {
	set_cmd 'true'
	run_ct
	wait_for_container 100 0.1 ct stopped
	run ward events --stats ct
	assert_failure
	assert_output_contains "container with id ct is not running"
	run ward events --interval 0s ct
	assert_failure
	assert_output_contains "duration interval must be greater than 0"
	run ward events --interval bogus ct
	assert_failure
	run ward events nosuch
	assert_failure
	assert_output_contains "does not exist"
}
