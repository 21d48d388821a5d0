#!/usr/bin/env bats
# --log and --log-format: runc's text and JSON lines ({"level","msg","time"}).
# containerd's shim reads the last JSON error line from the --log file.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "errors are text lines by default: time, level=error, msg" {
	run ward state nosuch
	assert_failure 1
	[ "${#lines[@]}" -eq 1 ] || fail "expected one line: $output"
	assert_output_matches '^time="[0-9T:Z-]+" level=error msg=".*does not exist.*"$'
}

@test "--log-format json writes errors as JSON lines with level, msg and time" {
	run ward --log-format json state nosuch
	assert_failure 1
	[ "${#lines[@]}" -eq 1 ] || fail "expected one line: $output"
	jq -e . <<<"$output" >/dev/null || fail "not JSON: $output"
	[ "$(jq -r .level <<<"$output")" = error ]
	[[ "$(jq -r .msg <<<"$output")" == *"does not exist"* ]] || fail "$output"
	[[ "$(jq -r .time <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]] || fail "time: $output"
}

@test "--log FILE with json: the error goes to the file as JSON" {
	run ward --log "$TEST_DIR/log.json" --log-format json state nosuch
	assert_failure 1
	[ -s "$TEST_DIR/log.json" ] || fail "log file is empty"
	run jq -r .level "$TEST_DIR/log.json"
	assert_success
	assert_output error
	run jq -r .msg "$TEST_DIR/log.json"
	assert_output_contains "does not exist"
}

@test "--log appends rather than truncates" {
	echo '{"level":"info","msg":"earlier","time":"2020-01-01T00:00:00Z"}' >"$TEST_DIR/log.json"
	ward --log "$TEST_DIR/log.json" --log-format json state nosuch 2>/dev/null || true
	run jq -r .msg "$TEST_DIR/log.json"
	assert_line -n 0 earlier
	[ "${#lines[@]}" -eq 2 ] || fail "$output"
}

@test "a failing create logs a JSON error line naming the problem" {
	update_config '.process.args = ["no-such-binary"]'
	run ward_detached --log "$TEST_DIR/log.json" --log-format json create ct
	assert_failure 1
	run jq -r 'select(.level == "error") | .msg' "$TEST_DIR/log.json"
	assert_success
	assert_output_contains "no-such-binary"
}

@test "--log-format rejects an unknown format" {
	run ward --log-format xml list
	assert_failure 1
}

@test "--debug adds debug lines to the log" {
	set_cmd 'true'
	run ward --debug --log "$TEST_DIR/log.json" --log-format json run ct
	assert_success
	run jq -r .level "$TEST_DIR/log.json"
	assert_success
	assert_line debug
}
