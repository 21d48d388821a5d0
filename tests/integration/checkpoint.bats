#!/usr/bin/env bats
# checkpoint/restore: the flags (runc's), and what happens when criu is
# missing or cannot work here. Real dumps and restores are in
# checkpoint_criu.bats (they need a kernel criu accepts: the test guest).

load helpers

setup() {
	requires_ward "ward's own criu error handling"
	setup_bundle
}
teardown() { teardown_bundle; }

@test "checkpoint and restore accept runc's flags" {
	run ward checkpoint --help
	assert_success
	for f in image-path work-path parent-path leave-running tcp-established ext-unix-sk \
		shell-job file-locks pre-dump manage-cgroups-mode empty-ns auto-dedup lazy-pages \
		status-fd page-server; do
		assert_output_contains "--$f"
	done
	run ward restore --help
	assert_success
	for f in image-path work-path tcp-established ext-unix-sk shell-job file-locks \
		manage-cgroups-mode empty-ns auto-dedup lazy-pages bundle detach pid-file \
		console-socket no-pivot keep; do
		assert_output_contains "--$f"
	done
}

@test "checkpoint and restore refuse bad flag values" {
	run ward checkpoint --manage-cgroups-mode bogus c1
	assert_failure
	assert_output_contains 'invalid manage-cgroups-mode value'
	assert_output_contains 'bogus'
	run ward restore --empty-ns pid c1
	assert_failure
	assert_output_contains 'is not supported (only'
	run ward restore --detach --keep c1
	assert_failure
	assert_output_contains "--keep is only meaningful without --detach"
	run ward checkpoint
	assert_failure
	assert_output_contains 'requires exactly 1 argument'
	run ward checkpoint nosuch
	assert_failure
	assert_output_contains "container does not exist"
}

@test "checkpoint of a container that was not started is refused" {
	run ward_detached create c1
	assert_success
	run ward checkpoint --image-path "$TEST_DIR/img" c1
	assert_failure
	assert_output_contains "cannot checkpoint a container that has not been started"
	[ ! -e "$TEST_DIR/img" ]
	[ "$(container_status c1)" = created ]
}

@test "checkpoint without criu: a clear error and the container keeps running" {
	run ward_detached run -d c1
	assert_success
	run "$WARD" --root "$WARD_ROOT" --criu "$TEST_DIR/no-criu" checkpoint --image-path "$TEST_DIR/img" c1
	assert_failure
	assert_output_contains "$TEST_DIR/no-criu"
	assert_output_contains "not found (install criu"
	[ ! -e "$TEST_DIR/img" ]
	[ "$(container_status c1)" = running ]
	run "$WARD" --root "$WARD_ROOT" --criu "$TEST_DIR/no-criu" features
	assert_success
	[ "$(jq -r '.annotations["run.ward.checkpoint.supported"]' <<<"$output")" = false ]
	[ "$(jq -r '.annotations["run.ward.checkpoint.criu"]' <<<"$output")" = "" ]
}

@test "checkpoint options criu cannot honour are refused before dumping" {
	run ward_detached run -d c1
	assert_success
	run ward checkpoint --status-fd 1 --image-path "$TEST_DIR/img" c1
	assert_failure
	assert_output_contains "--status-fd is only meaningful with --lazy-pages"
	# Landlock and a seccomp agent cannot be restored: refused up front.
	update_config '.annotations["run.ward.landlock"] = "true"'
	run ward_detached run -d c2
	if [ "$status" -eq 0 ]; then
		run ward checkpoint --image-path "$TEST_DIR/img2" c2
		assert_failure
		assert_output_contains "Landlock"
		[ "$(container_status c2)" = running ]
	fi
}

# A fake image: what restore reads before it runs criu.
fake_image() {
	mkdir -p "$1"
	echo '["/dev/null","pipe:[1]","/dev/null"]' >"$1/descriptors.json"
	echo 'lo up' >"$1/ward-netns"
}

@test "restore without criu, or with a criu that fails: a clear error, nothing left behind" {
	fake_image "$TEST_DIR/img"
	run "$WARD" --root "$WARD_ROOT" --criu "$TEST_DIR/no-criu" restore -d --image-path "$TEST_DIR/img" r1
	assert_failure
	assert_output_contains "not found"
	run ward state r1
	assert_failure
	[ -z "$(_test_cgroups)" ]

	# A criu that answers nothing: the restore fails naming it.
	printf '#!/bin/sh\nexit 3\n' >"$TEST_DIR/bad-criu"
	chmod +x "$TEST_DIR/bad-criu"
	run "$WARD" --root "$WARD_ROOT" --criu "$TEST_DIR/bad-criu" restore -d --image-path "$TEST_DIR/img" r1
	assert_failure
	assert_output_contains "criu"
	run ward state r1
	assert_failure
	[ -z "$(_test_cgroups)" ]
	[ -z "$(ls "$WARD_ROOT" 2>/dev/null)" ]
}

@test "restore refuses a bundle carrying a node policy annotation; the policy's own pass restore and checkpoint" {
	fake_image "$TEST_DIR/img"
	printf '#!/bin/sh\nexit 3\n' >"$TEST_DIR/bad-criu"
	chmod +x "$TEST_DIR/bad-criu"
	# the config is the pod's: refused before criu runs, nothing made
	update_config '.annotations["run.ward.seccomp-floor"] = "default"'
	run "$WARD" --root "$WARD_ROOT" --criu "$TEST_DIR/bad-criu" restore -d --image-path "$TEST_DIR/img" r1
	assert_failure
	output=${output//\\\"/\"}
	assert_output_contains 'annotations["run.ward.seccomp-floor"]: reserved for the node policy'
	refute_output_contains "criu"
	[ -z "$(ls "$WARD_ROOT" 2>/dev/null)" ]
	[ -z "$(_test_cgroups)" ]

	# A policy that stacks the floor itself: restore decides afresh from
	# the bundle and gets as far as criu; checkpoint reads the floor from
	# ward's own state.
	update_config 'del(.annotations["run.ward.seccomp-floor"]) |
		.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW"}'
	jq -n --arg log "$TEST_DIR/audit.log" '{version: 1, defaultProfile: "p", auditLog: $log,
		profiles: {p: {level: 1, rules: {seccomp: {mode: "default"}}}}}' >"$TEST_DIR/policy.json"
	run "$WARD" --root "$WARD_ROOT" --policy "$TEST_DIR/policy.json" --criu "$TEST_DIR/bad-criu" \
		restore -d --image-path "$TEST_DIR/img" r1
	assert_failure
	assert_output_contains "criu"
	refute_output_contains "reserved"
	run ward_detached --policy "$TEST_DIR/policy.json" run -d c1
	assert_success
	[ "$(ward state c1 | jq -r '.annotations["run.ward.seccomp-floor"]')" = default ]
	run "$WARD" --root "$WARD_ROOT" --policy "$TEST_DIR/policy.json" --criu "$TEST_DIR/no-criu" \
		checkpoint --image-path "$TEST_DIR/img2" c1
	assert_failure
	assert_output_contains "not found (install criu"
	[ "$(container_status c1)" = running ]
}

@test "restore with the real criu on a kernel it refuses: criu's own error is shown" {
	command -v criu >/dev/null || skip "criu is not installed"
	criu check >/dev/null 2>&1 && skip "criu works on this kernel (checkpoint_criu.bats covers it)"
	fake_image "$TEST_DIR/img"
	run ward restore -d --image-path "$TEST_DIR/img" r1
	assert_failure
	assert_output_contains "criu restore failed"
	assert_output_contains "criu log $TEST_DIR/img/restore.log"
	run ward state r1
	assert_failure
	[ -z "$(_test_cgroups)" ]

	run ward_detached run -d c1
	assert_success
	run ward checkpoint --image-path "$TEST_DIR/img2" c1
	assert_failure
	assert_output_contains "criu dump failed"
	assert_output_contains "criu log $TEST_DIR/img2/dump.log"
	[ "$(container_status c1)" = running ]
	run ward features
	[ "$(jq -r '.annotations["run.ward.checkpoint.supported"]' <<<"$output")" = false ]
}
