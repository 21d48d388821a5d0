#!/usr/bin/env bats
# `delete`: remove a stopped container (or, with --force, any container).

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "delete removes a stopped container" {
	set_cmd 'true'
	run ward_detached run -d ct
	wait_for_container 100 0.1 ct stopped
	run ward delete ct
	assert_success
	assert_output ""
	run ward state ct
	assert_failure 1
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "delete of a running container fails without --force" {
	run ward_detached run -d ct
	run ward delete ct
	assert_failure 1
	[ "$(container_status ct)" = running ] || fail "the container was disturbed"
}

@test "delete --force kills and removes a running container" {
	run ward_detached run -d ct
	local pid
	pid=$(container_pid ct)
	run ward delete --force ct
	assert_success
	run ward state ct
	assert_failure 1
	sleep 0.1
	! pid_alive "$pid" || fail "init $pid survived"
}

@test "delete -f kills every process of the container" {
	set_cmd 'sleep 1000 & echo $! > /host/child; wait'
	bind_host_dir
	run ward_detached run -d ct
	wait_for_file 100 0.1 "$HOST_DIR/child"
	local init child
	init=$(container_pid ct)
	# the child's host pid: the only child of init
	child=$(cat "/proc/$init/task/$init/children")
	[ -n "$child" ] || fail "no child found"
	run ward delete -f ct
	assert_success
	sleep 0.2
	! pid_alive "$child" || fail "child $child survived"
}

@test "delete of a created container removes it" {
	run ward_detached create ct
	local pid
	pid=$(container_pid ct)
	run ward delete ct
	assert_success
	run ward state ct
	assert_failure 1
	sleep 0.1
	! pid_alive "$pid" || fail "init $pid survived"
}

@test "delete removes the container's cgroups" {
	run ward_detached run -d ct
	[ -n "$(_test_cgroups)" ] || fail "no cgroup was created under $CGROUP_PARENT"
	run ward delete -f ct
	assert_success
	run _test_cgroups
	assert_output ""
}

@test "delete leaves the bundle alone" {
	set_cmd 'true'
	run ward_detached run -d ct
	wait_for_container 100 0.1 ct stopped
	run ward delete ct
	assert_success
	[ -f "$BUNDLE/config.json" ] && [ -x "$BUNDLE/rootfs/bin/busybox" ] || fail "bundle damaged"
}

@test "delete of an unknown container fails" {
	run ward delete nosuch
	assert_failure 1
	assert_output_contains "does not exist"
}

@test "delete --force of an unknown container succeeds" {
	run ward delete --force nosuch
	assert_success
}

@test "delete needs exactly one argument" {
	run ward delete
	assert_failure 1
}
