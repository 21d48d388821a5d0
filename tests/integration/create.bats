#!/usr/bin/env bats
# `create`: set up everything, then wait for `start` before running the
# user process.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "create leaves the container in the created state" {
	run ward_detached create ct
	assert_success
	assert_output ""
	run ward state ct
	assert_success
	[ "$(jq -r .status <<<"$output")" = created ] || fail "status: $output"
}

@test "create does not run the user process before start" {
	set_cmd 'echo ran > /host/ran'
	bind_host_dir
	run ward_detached create ct
	assert_success
	sleep 0.5
	[ ! -e "$HOST_DIR/ran" ] || fail "the process ran before start"
	run ward start ct
	assert_success
	wait_for_file 100 0.1 "$HOST_DIR/ran"
}

@test "create: the init process exists in new namespaces" {
	run ward_detached create ct
	assert_success
	local pid ns
	pid=$(container_pid ct)
	[ "$pid" -gt 0 ] || fail "pid is '$pid'"
	pid_alive "$pid" || fail "init $pid is not alive"
	for ns in pid mnt uts ipc net; do
		[ "$(readlink /proc/"$pid"/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] ||
			fail "init shares the host $ns namespace"
	done
}

@test "create puts the init process in the configured cgroup" {
	run ward_detached create ct
	assert_success
	local pid
	pid=$(container_pid ct)
	run grep -E '^[0-9]+:(memory|pids):' "/proc/$pid/cgroup"
	assert_success
	assert_output_contains "/$CGROUP_PARENT/$TEST_NAME-main"
}

@test "create with --bundle from another directory records the bundle" {
	cd /
	run ward_detached create --bundle "$BUNDLE" ct
	assert_success
	run ward state ct
	assert_success
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ] || fail "bundle: $output"
}

@test "create with a relative --bundle records an absolute path" {
	cd "$TEST_DIR"
	run ward_detached create -b bundle ct
	assert_success
	run ward state ct
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ] || fail "bundle: $output"
}

@test "create refuses an id that is already in use" {
	run ward_detached create ct
	assert_success
	local pid
	pid=$(container_pid ct)
	run ward_detached create ct
	assert_failure 1
	assert_output_contains "exist"
	[ "$(container_pid ct)" = "$pid" ] || fail "the first container was disturbed"
}

@test "create rejects invalid container ids" {
	local id
	for id in 'a/b' '..' 'sp ace' '-lead'; do
		run ward_detached create "$id"
		assert_failure 1
	done
	# the state root may exist, but holds nothing (but the seccomp cache)
	run bash -c "ls -A '$WARD_ROOT' 2>/dev/null | grep -vx .seccomp"
	assert_output ""
	run _test_cgroups
	assert_output ""
}

@test "create without an id is a usage error" {
	run ward create
	assert_failure 1
}

@test "create fails cleanly for a missing bundle directory" {
	run ward_detached create -b "$TEST_DIR/nonexistent" ct
	assert_failure 1
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "several containers can be created from different bundles" {
	make_bundle "$TEST_DIR/b2" b2
	run ward_detached create ct1
	assert_success
	run ward_detached create -b "$TEST_DIR/b2" ct2
	assert_success
	[ "$(container_status ct1)" = created ]
	[ "$(container_status ct2)" = created ]
	[ "$(container_pid ct1)" != "$(container_pid ct2)" ]
}

@test "the longest accepted id (255 characters) works end to end" {
	local id cgname pid
	id=L$(printf 'x%.0s' {1..250})-.+_
	[ ${#id} -eq 255 ] || fail "id is ${#id} characters"
	# the cgroup directory gets a name of the same length (cleaned up by
	# teardown through the test's prefix); /proc/keys shows the keyring
	cgname=$TEST_NAME-${id:$((${#TEST_NAME} + 1))}
	update_config --arg cg "/$CGROUP_PARENT/$cgname" \
		'.linux.cgroupsPath = $cg | .linux.maskedPaths -= ["/proc/keys"]'
	run ward_detached create "$id"
	assert_success
	[ -d "$WARD_ROOT/$id" ] || fail "no state directory named by the id"
	run ward start "$id"
	assert_success
	run ward exec "$id" cat /proc/keys
	assert_success
	assert_output_contains " keyring   _ses.$id: "
	pid=$(container_pid "$id")
	run grep -E '^[0-9]+:pids:' "/proc/$pid/cgroup"
	assert_success
	assert_output_contains "/$CGROUP_PARENT/$cgname"
	run ward state "$id"
	assert_success
	[ "$(jq -r .id <<<"$output")" = "$id" ] || fail "state: $output"
	run ward list -q
	assert_success
	assert_line "$id"
	run ward ps "$id"
	assert_success
	assert_output_contains "sleep 1000"
	run ward kill "$id" KILL
	assert_success
	wait_for_container 50 0.1 "$id" stopped
	run ward delete "$id"
	assert_success
	[ ! -e "$WARD_ROOT/$id" ] || fail "state directory left behind"
}

@test "an id longer than a file name is refused with a clear error" {
	local id
	requires_ward "a length limit on container ids"
	id=$(printf 'y%.0s' {1..256})
	run ward_detached create "$id"
	assert_failure
	assert_output_contains "longer than 255 characters"
	[ ! -e "$WARD_ROOT/$id" ] || fail "state directory created"
}
