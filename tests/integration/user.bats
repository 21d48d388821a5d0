#!/usr/bin/env bats
# process.user: uid, gid, additionalGids, umask.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "uid and gid are applied" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_cmd 'id -u; id -g; grep -E "^(Uid|Gid):" /proc/self/status | tr "\t" " "'
	run ward run ct
	assert_success
	assert_output $'1000\n1000\nUid: 1000 1000 1000 1000\nGid: 1000 1000 1000 1000'
}

@test "a uid without a passwd entry works" {
	update_config '.process.user = {"uid": 4242, "gid": 4343}'
	set_cmd 'id -u; id -g'
	run ward run ct
	assert_success
	assert_output $'4242\n4343'
}

@test "additionalGids become the supplementary groups" {
	update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5, 2000, 3000]}'
	set_cmd 'grep Groups /proc/self/status | tr "\t" " "'
	run ward run ct
	assert_success
	assert_output "Groups: 5 2000 3000 "
}

@test "root gets no supplementary groups unless asked" {
	set_cmd 'awk "/^Groups:/ { print NF - 1 }" /proc/self/status'
	run ward run ct
	assert_success
	assert_output 0
}

@test "umask is applied" {
	update_config '.process.user.umask = 63 | .root.readonly = false'
	set_cmd 'umask; touch /tmp/f; stat -c %a /tmp/f'
	run ward run ct
	assert_success
	assert_output $'0077\n600'
}

@test "the default umask is 0022" {
	set_cmd 'umask'
	run ward run ct
	assert_success
	assert_output 0022
}

@test "a non-root process cannot write root's files" {
	update_config '.process.user = {"uid": 1000, "gid": 1000} | .root.readonly = false'
	set_cmd '(echo x >> /etc/passwd) 2>/dev/null && echo wrote || echo denied'
	run ward run ct
	assert_success
	assert_output denied
}
