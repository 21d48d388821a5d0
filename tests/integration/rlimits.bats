#!/usr/bin/env bats
# process.rlimits

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

# The host's hard RLIMIT_NOFILE: without CAP_SYS_RESOURCE nothing above it
# can be granted.
host_nofile_hard() { ulimit -Hn; }
have_sys_resource() {
	local eff
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	(( (0x$eff >> 24) & 1 ))
}

@test "RLIMIT_NOFILE soft and hard limits are applied" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 321, "hard": 654}]'
	set_cmd 'ulimit -n; ulimit -Hn'
	run ward run ct
	assert_success
	assert_output $'321\n654'
}

@test "several rlimits are applied together" {
	update_config '.process.rlimits = [
		{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
		{"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
		{"type": "RLIMIT_NPROC", "soft": 500, "hard": 600},
		{"type": "RLIMIT_STACK", "soft": 4194304, "hard": 8388608}]'
	set_cmd 'ulimit -n; ulimit -c; ulimit -u; ulimit -Hu; ulimit -s'
	run ward run ct
	assert_success
	assert_output $'100\n0\n500\n600\n4096'
}

@test "the limits hold: a process cannot open past RLIMIT_NOFILE" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 8, "hard": 8}]'
	set_cmd 'exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null; (exec 8</dev/null) 2>/dev/null && echo opened || echo refused'
	run ward run ct
	assert_output_contains refused
	refute_output_contains opened
}

@test "raising the hard limit above the runtime's needs CAP_SYS_RESOURCE" {
	local want=$(($(host_nofile_hard) + 1000))
	update_config --argjson n "$want" '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": $n, "hard": $n}]'
	set_cmd 'ulimit -Hn'
	run ward_detached create ct
	if have_sys_resource; then
		assert_success
	else
		# a limit that cannot be granted fails create, before start
		assert_failure 1
		# ward names the limit (runc says "rlimit type 7")
		is_runc || assert_output_contains "RLIMIT_NOFILE"
		[ ! -e "$WARD_ROOT/ct" ] || fail "state directory left behind"
	fi
}

@test "an unknown rlimit type is rejected" {
	update_config '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
	run ward run ct
	assert_failure 1
	assert_output_contains "RLIMIT_BOGUS"
}

@test "soft above hard is rejected" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 200, "hard": 100}]'
	set_cmd 'ulimit -n'
	run ward run ct
	assert_failure 1
}
