#!/usr/bin/env bats
# Landlock (ward extension, runtime/landlock.h): annotations["run.ward.landlock"]
# confines the container's processes, init and exec'd ones alike. runc
# ignores the annotations, so these tests need ward.

load helpers

setup() {
	setup_bundle
	requires_ward "the run.ward.landlock annotations"
	[ "$(ward features | jq -r '.annotations["run.ward.landlock.supported"]')" = true ] ||
		skip "this kernel offers no Landlock"
}
teardown() {
	[ -n "${HOST_PID:-}" ] && kill -9 "$HOST_PID" 2>/dev/null
	teardown_bundle
}

landlock() {
	update_config '.annotations["run.ward.landlock"] = "true"'
}

# Prints "P-bound" for each of the ports 8080 and 9090 that nc could listen on.
BIND_CMD='for p in 8080 9090; do nc -l -p $p </dev/null >/dev/null 2>&1 & eval pid$p=$!; done
	sleep 0.5
	for p in 8080 9090; do eval kill -0 \$pid$p 2>/dev/null && echo $p-bound; done
	kill $pid8080 $pid9090 2>/dev/null; true'

@test "tcp-bind: only the listed ports can be bound" {
	landlock
	update_config '.annotations["run.ward.landlock.tcp-bind"] = "8080"'
	set_cmd "$BIND_CMD"
	run ward run ct
	assert_success
	assert_output 8080-bound
}

@test "without the annotation every port can be bound" {
	set_cmd "$BIND_CMD"
	run ward run ct
	assert_success
	assert_output $'8080-bound\n9090-bound'
}

@test "exec'd processes are confined too" {
	landlock
	update_config '.annotations["run.ward.landlock.tcp-bind"] = "8080"'
	run ward_detached run -d ct
	assert_success
	wait_for_container 50 0.1 ct running
	run ward exec ct sh -c "$BIND_CMD"
	assert_success
	assert_output 8080-bound
}

# A host process without capabilities (so the container's root may read
# its /proc entries) and a file of the host to reach through its root.
start_host_process() {
	echo host-secret >"$HOST_DIR/secret"
	setpriv --bounding-set=-all --inh-caps=-all sleep 1000 &
	HOST_PID=$!
	echo "$HOST_PID" >>"$TEST_DIR/bg.pids"
	# the host pid namespace: host processes are visible
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_cmd "cat /proc/$HOST_PID/root$HOST_DIR/secret"
}

@test "the host's files are out of reach through /proc/<pid>/root" {
	start_host_process
	landlock
	run ward run ct
	assert_failure
	refute_output_contains host-secret
}

@test "without the annotation /proc/<pid>/root reaches the host (the control case)" {
	start_host_process
	run ward run ct
	assert_success
	assert_output host-secret
}

@test "a read-only root stays writable where a read-write mount is" {
	landlock
	bind_host_dir
	update_config '.root.readonly = true'
	set_cmd 'echo written >/host/out && cat /host/out; touch /etc/x 2>/dev/null || echo root-ro'
	run ward run ct
	assert_success
	assert_output $'written\nroot-ro'
}

@test "a bad value of the annotation fails create with the key named" {
	update_config '.annotations["run.ward.landlock"] = "yes"'
	run ward create ct
	assert_failure 1
	# (the text log format escapes the quotes)
	assert_output_contains 'run.ward.landlock\": \"yes\": want \"true\" or \"false\"'
	[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
}

@test "an unknown run.ward.landlock.* key fails create" {
	landlock
	update_config '.annotations["run.ward.landlock.tcp-bnd"] = "80"'
	run ward create ct
	assert_failure 1
	assert_output_contains run.ward.landlock.tcp-bnd
}

@test "the fail-closed path: no Landlock in the kernel refuses the container" {
	landlock
	WARD_TEST_LANDLOCK_ABI=0 run ward create ct
	assert_failure 1
	assert_output_contains "refusing to run unconfined"
}
