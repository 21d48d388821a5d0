#!/usr/bin/env bats
# The default seccomp profile (contrib/seccomp/default.json) against the
# system calls container escapes are built from, one test per class the
# profile denies. The container holds every capability the host has, so
# that what stops each call is the filter, not a missing capability; every
# probe also runs once without any filter (the control) and must then give
# a different answer, or the test would prove nothing.
#
# When `ward spec` embeds a profile (spec/default_seccomp.c), that default
# config is what is tested; until then contrib/seccomp/default.json is put
# into the config with jq.

load helpers

PROFILE=$SRC_DIR/contrib/seccomp/default.json

# Capability names by number (Linux 6.x); those in our bounding set go to
# the container.
ALL_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_DAC_READ_SEARCH","CAP_FOWNER",
"CAP_FSETID","CAP_KILL","CAP_SETGID","CAP_SETUID","CAP_SETPCAP",
"CAP_LINUX_IMMUTABLE","CAP_NET_BIND_SERVICE","CAP_NET_BROADCAST",
"CAP_NET_ADMIN","CAP_NET_RAW","CAP_IPC_LOCK","CAP_IPC_OWNER","CAP_SYS_MODULE",
"CAP_SYS_RAWIO","CAP_SYS_CHROOT","CAP_SYS_PTRACE","CAP_SYS_PACCT",
"CAP_SYS_ADMIN","CAP_SYS_BOOT","CAP_SYS_NICE","CAP_SYS_RESOURCE","CAP_SYS_TIME",
"CAP_SYS_TTY_CONFIG","CAP_MKNOD","CAP_LEASE","CAP_AUDIT_WRITE",
"CAP_AUDIT_CONTROL","CAP_SETFCAP","CAP_MAC_OVERRIDE","CAP_MAC_ADMIN",
"CAP_SYSLOG","CAP_WAKE_ALARM","CAP_BLOCK_SUSPEND","CAP_AUDIT_READ",
"CAP_PERFMON","CAP_BPF","CAP_CHECKPOINT_RESTORE"]'

held_caps() {
	local bnd i held=
	bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
	for ((i = 0; i <= 40; i++)); do
		if (((0x$bnd >> i) & 1)); then
			held="$held${held:+,}$i"
		fi
	done
	jq -c --argjson h "[$held]" '. as $c | [$h[] | $c[.]]' <<<"$ALL_CAPS"
}

setup() {
	sec_setup
	install_tool probe "$SRC_DIR/contrib/seccomp/tests/probe.c"
	if jq -e '.linux.seccomp != null' "$BUNDLE/config.json" >/dev/null; then
		SECCOMP_FROM="the default config of ward spec"
	else
		SECCOMP_FROM=$PROFILE
		update_config --slurpfile p "$PROFILE" '.linux.seccomp = $p[0]'
	fi
	update_config --argjson caps "$(held_caps)" \
		'.process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}'
	cp "$BUNDLE/config.json" "$TEST_DIR/config.seccomp"
	jq 'del(.linux.seccomp)' "$TEST_DIR/config.seccomp" >"$TEST_DIR/config.control"
}
teardown() { sec_teardown; }

# probes seccomp|control NAME...: run the probe program in the container,
# with the profile or without any filter; "NAME RESULT" lines in $output.
probes() {
	cp "$TEST_DIR/config.$1" "$BUNDLE/config.json"
	shift
	update_config --argjson a "$(printf '%s\n' "$@" | jq -R . | jq -sc .)" '.process.args = ["/probe"] + $a'
	run ward run ct
}

# expect_denied RESULT NAME...: under the profile every probe gives RESULT;
# without a filter none does.
expect_denied() {
	local want=$1 name got
	shift
	echo "profile: $SECCOMP_FROM"
	probes seccomp "$@"
	local filtered=$output
	probes control "$@"
	local control=$output
	for name in "$@"; do
		got=$(awk -v n="$name" '$1 == n { print $2 }' <<<"$filtered")
		printf '%-20s profile %-14s control %s\n' "$name" "$got" "$(awk -v n="$name" '$1 == n { print $2 }' <<<"$control")"
		[ "$got" = "$want" ] || fail "$name gave '$got' under the profile, expected $want"
		[ "$(awk -v n="$name" '$1 == n { print $2 }' <<<"$control")" != "$want" ] ||
			fail "$name gives $want without the filter too: the probe proves nothing"
	done
}

@test "seccomp sanity: ordinary calls still work under the profile" {
	probes seccomp clone_plain thread spawn socket_unix socket_inet socket_inet6 socketpair_unix personality_query ioctl_tiocgwinsz
	echo "$output"
	assert_success
	! grep -v ' ok$' <<<"$output" || fail "an ordinary call was refused"
	[ "${#lines[@]}" -eq 9 ]
}

@test "seccomp: namespaces (unshare, clone flags, setns) are denied" {
	expect_denied EPERM unshare_user unshare_mount clone_newuser clone_newns clone_newnet setns
	cp "$TEST_DIR/config.seccomp" "$BUNDLE/config.json"
	local flag
	for flag in -U -m -n -p; do
		update_config --arg f "$flag" '.process.args = ["unshare", $f, "true"]'
		run ward run ct
		echo "unshare $flag: $status $output"
		assert_failure
		assert_output_contains "Operation not permitted"
	done
}

@test "seccomp: mount and the new mount API are denied" {
	expect_denied EPERM mount umount2 pivot_root open_tree move_mount fsopen fsmount fsconfig fspick mount_setattr
}

@test "seccomp: keyctl, add_key, request_key are denied" {
	expect_denied EPERM keyctl add_key request_key
}

@test "seccomp: io_uring is denied" {
	expect_denied EPERM io_uring_setup io_uring_enter io_uring_register
}

@test "seccomp: bpf is denied" {
	expect_denied EPERM bpf
}

@test "seccomp: userfaultfd is denied" {
	expect_denied EPERM userfaultfd
}

@test "seccomp: perf_event_open is denied" {
	expect_denied EPERM perf_event_open
}

@test "seccomp: AF_ALG and AF_VSOCK sockets are denied, also with high bits in the family" {
	expect_denied EPERM socket_alg socket_vsock socket_alg_hibits socketpair_inet
}

@test "seccomp: TIOCSTI and TIOCLINUX are denied, also with high bits in the command" {
	expect_denied EPERM ioctl_tiocsti ioctl_tiocsti_hibits ioctl_tioclinux
}

@test "seccomp: ptrace and cross-process memory access are denied" {
	expect_denied EPERM ptrace_traceme process_vm_readv
}

@test "seccomp: the i386 and x32 system call ABIs kill the process" {
	[ "$(uname -m)" = x86_64 ] || skip "x86_64 only"
	local abis=(abi_i386 abi_x32)
	# A kernel without IA32 emulation (ia32_emulation=0, or built without
	# it) faults on int 0x80 before seccomp sees it: nothing to filter.
	probes control abi_i386
	if [[ "$output" == *"abi_i386 killed:SIGSEGV"* ]]; then
		echo "this kernel runs no i386 system calls (int 0x80 faults without a filter)"
		abis=(abi_x32)
	fi
	expect_denied killed:SIGSYS "${abis[@]}"
}
