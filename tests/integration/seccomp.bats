#!/usr/bin/env bats
# linux.seccomp basics: rules, actions and errno values.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

# seccomp JSON-OBJECT
seccomp() {
	update_config --argjson s "$1" '.linux.seccomp = $s'
}

@test "a denied syscall returns the rule's errno" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	set_cmd 'mkdir /tmp/d 2>&1; echo "exit $?"'
	run ward run ct
	assert_success
	assert_output_contains "Operation not permitted"
	assert_line "exit 1"
}

@test "errnoRet chooses the errno" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	set_cmd 'mkdir /tmp/d 2>&1; true'
	run ward run ct
	assert_output_contains "No space left on device"
}

@test "SCMP_ACT_ERRNO without errnoRet returns EPERM" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	set_cmd 'mkdir /tmp/d 2>&1; true'
	run ward run ct
	assert_output_contains "Operation not permitted"
}

@test "syscalls not named by a rule follow the default action" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	set_cmd 'touch /dev/shm/f && rm /dev/shm/f && echo allowed'
	run ward run ct
	assert_success
	assert_output allowed
}

@test "SCMP_ACT_KILL kills the process" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]}'
	set_cmd 'mkdir /tmp/d; echo "exit $?"'
	run ward run ct
	assert_success
	# 128 + SIGSYS
	assert_line "exit 159"
}

@test "an argument condition limits a rule" {
	# deny personality(0xffffffff) only (a query), allow other values
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["umask"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
			"args": [{"index": 0, "value": 63, "op": "SCMP_CMP_EQ"}]}]}'
	set_cmd 'umask 022 && echo set-022; umask 077 2>&1; umask'
	run ward run ct
	assert_line -n 0 set-022
	assert_line -n 1 0022
}

@test "the filter is inherited by children" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	set_cmd 'sh -c "mkdir /tmp/d 2>&1"; grep -E "^Seccomp:" /proc/self/status | tr "\t" " "'
	run ward run ct
	assert_output_contains "Operation not permitted"
	assert_line "Seccomp: 2"
}

@test "without linux.seccomp there is no filter" {
	update_config 'del(.linux.seccomp)'
	set_cmd 'grep -E "^Seccomp:" /proc/self/status | tr "\t" " "'
	run ward run ct
	assert_success
	assert_output "Seccomp: 0"
}

@test "a default errno action with an allow list" {
	seccomp '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
		"syscalls": [{"names": ["read", "write", "close", "exit", "exit_group", "execve", "brk", "mmap", "munmap",
			"mprotect", "arch_prctl", "set_tid_address", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
			"getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "fstat", "newfstatat", "ioctl",
			"prlimit64", "set_robust_list", "rseq", "getrandom", "fcntl", "dup2", "dup3", "wait4", "clone",
			"clone3", "fork", "vfork", "openat", "open", "lseek", "uname", "getcwd", "sigaltstack", "poll",
			"stat", "lstat", "access", "faccessat", "faccessat2", "statx", "pipe", "pipe2", "chdir",
			"getdents64", "capget", "setpgid", "getpgid", "getpgrp", "futex", "readlink", "readlinkat",
			"fstatfs", "statfs", "close_range", "fchdir", "prctl", "nanosleep", "clock_nanosleep",
			"clock_gettime", "sched_yield", "madvise", "tgkill", "kill", "gettid", "epoll_create1",
			"epoll_ctl", "epoll_pwait", "epoll_wait", "sched_getaffinity", "exit", "getrlimit", "setrlimit",
			"pread64", "mremap", "signalfd4", "setsid", "getsid", "setresuid", "setresgid", "setgroups"],
			"action": "SCMP_ACT_ALLOW"}]}'
	set_cmd 'echo alive; mkdir /tmp/d 2>&1; true'
	run ward run ct
	assert_line -n 0 alive
	assert_output_contains "Function not implemented"
}

# cached_filters: the compiled programs kept in the state root.
cached_filters() {
	find "$WARD_ROOT/.seccomp" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | sort
}

@test "the compiled filter is kept in the state root; one whose key is another profile's is not used" {
	local a b
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	set_cmd 'mkdir /tmp/d 2>&1; true'
	run ward run ct
	assert_output_contains "Operation not permitted"
	a=$(cached_filters)
	[ -n "$a" ] && [ "$(echo "$a" | wc -l)" -eq 1 ] || fail "expected one cached filter, got: $a"
	[ "$(stat -c %a "$WARD_ROOT/.seccomp")" = 700 ]
	# the cached program serves the next run
	run ward run ct
	assert_output_contains "Operation not permitted"
	[ "$(cached_filters)" = "$a" ]

	seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	run ward run ct
	assert_output_contains "No space left on device"
	b=$(cached_filters | grep -vxF "$a")
	[ -n "$b" ] || fail "the second profile was not cached"
	# A's program under B's name: its key is A's profile, so it is ignored.
	cp "$a" "$b"
	run ward run ct
	assert_output_contains "No space left on device"
	! cmp -s "$a" "$b" || fail "the foreign file was not replaced"
}

@test "a cached filter changed on disk is not used" {
	local f
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	set_cmd 'mkdir /tmp/d 2>&1; true'
	run ward run ct
	assert_output_contains "No space left on device"
	f=$(cached_filters)
	[ -n "$f" ] || fail "no cached filter"
	# SECCOMP_RET_ERRNO|28 in the program becomes SECCOMP_RET_ERRNO|1:
	# the checksum no longer matches, the profile is compiled again.
	perl -0777 -ne 'exit(!/\x1c\x00\x05\x00/)' "$f" || fail "no SECCOMP_RET_ERRNO|28 in $f"
	perl -0777 -pi -e 's/\x1c\x00\x05\x00/\x01\x00\x05\x00/g' "$f"
	run ward run ct
	assert_output_contains "No space left on device"
	refute_output_contains "Operation not permitted"
	# a truncated file neither
	truncate -s 100 "$f"
	run ward run ct
	assert_output_contains "No space left on device"
}

# An allowlist written before Linux 5.8 (older Docker and containerd
# defaults, test suites' own lists): the default profile without the file
# calls a runtime might make late, after loading the filter. The
# executable must be found and checked before the filter goes on.
old_allowlist() {
	jq --arg drop "faccessat2 faccessat access newfstatat statx stat lstat fstat openat2 open openat close_range getcwd readlink readlinkat" '
		($drop | split(" ")) as $d
		| .syscalls |= map(.names -= $d | select(.names | length > 0))
	' "$SRC_DIR/contrib/seccomp/default.json"
}

@test "a profile without faccessat2 and the stat/open family runs the container (run, root and a user, with and without noNewPrivileges)" {
	seccomp "$(old_allowlist)"
	local user nnp
	for nnp in false true; do
		for user in 0 1000; do
			update_config --argjson u "$user" --argjson n "$nnp" '.process.noNewPrivileges = $n
				| .process.user = {"uid": $u, "gid": $u}
				| .process.args = ["echo", "ran as", ($u | tostring)]'
			run ward run "ct$user$nnp"
			echo "uid $user, noNewPrivileges $nnp: $output"
			assert_success
			assert_output "ran as $user"
		done
	done
}

@test "a profile without faccessat2 and the stat/open family runs ward exec'd processes" {
	seccomp "$(old_allowlist)"
	update_config '.process.noNewPrivileges = false | .process.args = ["sleep", "1000"]'
	run ward_detached run -d ct
	assert_success
	run ward exec ct echo exec-ok
	assert_success
	assert_output exec-ok
	run ward exec --user 1000:1000 ct /bin/echo exec-user-ok
	assert_success
	assert_output exec-user-ok
	run ward exec --no-new-privs ct echo exec-nnp-ok
	assert_success
	assert_output exec-nnp-ok
}
