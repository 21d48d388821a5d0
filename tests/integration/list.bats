#!/usr/bin/env bats
# `list`: the containers under --root, as a table, ids, or JSON.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "list with no containers prints only the header" {
	run ward list
	assert_success
	[ "${#lines[@]}" -eq 1 ] || fail "expected one line: $output"
	assert_output_matches '^ID +PID +STATUS +BUNDLE +CREATED +OWNER$'
}

@test "list of a --root that does not exist is empty, not an error" {
	run "$WARD" --root "$TEST_DIR/never-created" list -q
	assert_success
	assert_output ""
}

@test "list shows each container with its status" {
	make_bundle "$TEST_DIR/b2" b2
	make_bundle "$TEST_DIR/b3" b3
	CONFIG=$TEST_DIR/b3/config.json update_config '.process.args = ["true"]'
	run ward_detached create ct-a
	run ward_detached run -d -b "$TEST_DIR/b2" ct-b
	run ward_detached run -d -b "$TEST_DIR/b3" ct-c
	wait_for_container 100 0.1 ct-c stopped
	run ward list
	assert_success
	[ "${#lines[@]}" -eq 4 ] || fail "expected 4 lines: $output"
	assert_output_matches "ct-a +[0-9]+ +created +$BUNDLE "
	assert_output_matches "ct-b +[0-9]+ +running +$TEST_DIR/b2 "
	assert_output_matches "ct-c +0 +stopped +$TEST_DIR/b3 "
}

@test "list -q prints the ids, sorted" {
	make_bundle "$TEST_DIR/b2" b2
	make_bundle "$TEST_DIR/b3" b3
	run ward_detached create -b "$TEST_DIR/b2" zeta
	run ward_detached create alpha
	run ward_detached create -b "$TEST_DIR/b3" mid
	run ward list -q
	assert_success
	assert_output $'alpha\nmid\nzeta'
	run ward list --quiet
	assert_output $'alpha\nmid\nzeta'
}

@test "list --format json gives the state of each container" {
	run ward_detached create ct
	run ward list --format json
	assert_success
	[ "$(jq -r 'length' <<<"$output")" = 1 ] || fail "$output"
	[ "$(jq -r '.[0].id' <<<"$output")" = ct ]
	[ "$(jq -r '.[0].status' <<<"$output")" = created ]
	[ "$(jq -r '.[0].bundle' <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r '.[0].pid' <<<"$output")" = "$(container_pid ct)" ]
	[ -n "$(jq -r '.[0].created' <<<"$output")" ]
	run ward list -f json
	[ "$(jq -r '.[0].id' <<<"$output")" = ct ]
}

@test "list --format json with no containers is empty" {
	run ward list -f json
	assert_success
	[ "$(jq -r 'length' <<<"$output")" = 0 ] || fail "$output"
}

@test "list rejects an unknown format" {
	run ward list -f yaml
	assert_failure 1
}

@test "list no longer shows a deleted container" {
	set_cmd 'true'
	run ward_detached run -d ct
	wait_for_container 100 0.1 ct stopped
	run ward delete ct
	run ward list -q
	assert_success
	assert_output ""
}
