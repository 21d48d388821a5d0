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

@test "--debug: create and exec say which step, which pid and when, as text on stderr" {
	requires_ward "ward's debug lines"
	set_cmd 'sleep 100'
	run ward_detached --debug create ct
	assert_success
	assert_output_matches 'level=debug msg="create ct: child pid [0-9]+ cloned[^"]*\[pid [0-9]+, \+[0-9.]+ ms\]"'
	assert_output_matches 'level=debug msg="init of ct: [0-9]+ mounts and the devices are in place'
	assert_output_matches 'level=debug msg="create ct: init \(pid [0-9]+\) sent ready'
	run ward --debug start ct
	assert_success
	assert_output_matches 'level=debug msg="start ct: init [0-9]+ released'
	run ward --debug exec ct true
	assert_success
	assert_output_matches 'level=debug msg="exec in ct: process is pid [0-9]+'
	assert_output_matches 'level=debug msg="exec in ct: pid [0-9]+ exited, status 0 \[pid [0-9]+, \+[0-9.]+ ms\]"'
	# without --debug, none of it
	run ward exec ct true
	assert_success
	assert_output ""
}

@test "--debug with --log and --log-format json: every step as a JSON line in the file" {
	requires_ward "ward's debug lines"
	set_cmd 'sleep 100'
	update_config '.hooks.prestart = [{"path": "/bin/true"}]'
	run ward_detached --debug --log "$TEST_DIR/log.json" --log-format json run -d ct
	assert_success
	refute_output_contains 'debug'
	run ward --debug --log "$TEST_DIR/log.json" --log-format json exec ct true
	assert_success
	run jq -e -r 'select(.level == "debug") | .msg' "$TEST_DIR/log.json"
	assert_success
	assert_output_matches 'create ct: child pid [0-9]+ cloned'
	assert_output_matches 'prestart hook #0 \(/bin/true\): pid [0-9]+, status 0x0 after [0-9]+ ms'
	assert_output_matches 'init of ct: root pivoted'
	assert_output_matches 'exec in ct: forked pid [0-9]+'
	assert_output_matches 'exec in ct: pid [0-9]+ exited, status 0 \[pid [0-9]+, \+[0-9.]+ ms\]'
	# one JSON object per line, with runc's keys
	run jq -c 'keys' "$TEST_DIR/log.json"
	assert_success
	[ "$(sort -u <<<"$output")" = '["level","msg","time"]' ] || fail "keys: $output"
}
