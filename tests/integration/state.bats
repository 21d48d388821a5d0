#!/usr/bin/env bats
# `state`: the OCI state JSON (runtime-spec "State"), with runc's extra
# fields rootfs/created/owner.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "state of a created container has the OCI fields" {
	run ward_detached create ct
	assert_success
	run ward state ct
	assert_success
	jq -e . <<<"$output" >/dev/null || fail "not JSON: $output"
	[ "$(jq -r .id <<<"$output")" = ct ]
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r '.ociVersion | type' <<<"$output")" = string ]
	[ -n "$(jq -r .ociVersion <<<"$output")" ]
	[ "$(jq -r '.pid | type' <<<"$output")" = number ]
	[ "$(jq -r .pid <<<"$output")" -gt 1 ]
}

@test "state has runc's rootfs, created and owner fields" {
	run ward_detached create ct
	run ward state ct
	assert_success
	[ "$(jq -r .rootfs <<<"$output")" = "$BUNDLE/rootfs" ] || fail "$output"
	[[ "$(jq -r .created <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$ ]] ||
		fail "created is not RFC 3339 UTC: $output"
	[ "$(jq -r .owner <<<"$output")" = "" ] || fail "owner: $output"
}

@test "state follows created -> running -> stopped" {
	set_cmd 'read x < /host/go; exit 0'
	bind_host_dir
	mkfifo "$HOST_DIR/go"
	chmod 666 "$HOST_DIR/go"
	run ward_detached create ct
	[ "$(container_status ct)" = created ]
	run ward start ct
	assert_success
	[ "$(container_status ct)" = running ]
	echo go >"$HOST_DIR/go"
	wait_for_container 100 0.1 ct stopped
}

@test "state of a stopped container reports pid 0" {
	set_cmd 'true'
	run ward_detached run -d ct
	wait_for_container 100 0.1 ct stopped
	run ward state ct
	assert_success
	[ "$(jq -r '.pid // 0' <<<"$output")" = 0 ] || fail "$output"
}

@test "state carries the config's annotations" {
	update_config '.annotations = {"org.example.key": "value one", "b": ""}'
	run ward_detached create ct
	run ward state ct
	assert_success
	[ "$(jq -r '.annotations["org.example.key"]' <<<"$output")" = "value one" ] || fail "$output"
	[ "$(jq -r '.annotations.b' <<<"$output")" = "" ] || fail "$output"
}

@test "state of an unknown container fails" {
	run ward state nosuch
	assert_failure 1
	assert_output_contains "does not exist"
}

@test "state needs exactly one argument" {
	run ward state
	assert_failure 1
}

@test "state notices a container whose init was killed from outside" {
	run ward_detached run -d ct
	local pid
	pid=$(container_pid ct)
	kill -9 "$pid"
	wait_for_container 100 0.1 ct stopped
}
