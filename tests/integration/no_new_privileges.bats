#!/usr/bin/env bats
# process.noNewPrivileges (prctl PR_SET_NO_NEW_PRIVS).

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "noNewPrivileges true sets NoNewPrivs" {
	update_config '.process.noNewPrivileges = true'
	set_cmd 'grep NoNewPrivs /proc/self/status | tr "\t" " "'
	run ward run ct
	assert_success
	assert_output "NoNewPrivs: 1"
}

@test "noNewPrivileges false leaves NoNewPrivs clear" {
	update_config '.process.noNewPrivileges = false'
	set_cmd 'grep NoNewPrivs /proc/self/status | tr "\t" " "'
	run ward run ct
	assert_success
	assert_output "NoNewPrivs: 0"
}

@test "NoNewPrivs is inherited by children and survives exec" {
	update_config '.process.noNewPrivileges = true'
	set_cmd 'sh -c "exec grep NoNewPrivs /proc/self/status" | tr "\t" " "'
	run ward run ct
	assert_success
	assert_output "NoNewPrivs: 1"
}

@test "NoNewPrivs is set for a non-root process user" {
	update_config '.process.noNewPrivileges = true | .process.user = {"uid": 1000, "gid": 1000}'
	set_cmd 'id -u; grep NoNewPrivs /proc/self/status | tr "\t" " "'
	run ward run ct
	assert_success
	assert_output $'1000\nNoNewPrivs: 1'
}
