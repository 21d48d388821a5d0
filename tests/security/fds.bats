#!/usr/bin/env bats
# CVE-2024-21626: a descriptor of the runtime on a host directory left open
# in the container process, made its working directory by
# process.cwd = "/proc/self/fd/N", puts the process outside its root (the
# runc exploit used a leaked fd of /sys/fs/cgroup). Nothing of ward's may
# reach the container: not as an open fd, not as a cwd.

# Path resolution under attack: tests/run.sh runs this file a second time
# with openat2 made unavailable (WARD_SECURITY_NO_OPENAT2=1).

load helpers

setup() {
	sec_setup
	install_tool fds
	# Only reachable from the host's root: the cwd probe looks for it.
	MARKER=$TEST_DIR/host-only-marker
	echo host >"$MARKER"
}
teardown() { sec_teardown; }

# assert_contained: the output of `fds cwd` shows no escape; when the
# process ran at all, its cwd was a path of the container.
assert_contained() {
	refute_output_contains "ESCAPED"
	if [ "$status" -eq 0 ]; then
		assert_output_matches '(^|'$'\n'')cwd /'
		assert_line "contained"
	fi
}

@test "CVE-2024-21626 sanity: the cwd probe sees a host directory left as the cwd of a chroot" {
	# What the exploit gets: a process whose root is the image but whose
	# cwd is a host directory. A chroot without chdir gives exactly that
	# (no mounts involved).
	cd "$TEST_DIR"
	run "$(sec_tool fds)" chroot "$BUNDLE/rootfs" "$MARKER"
	assert_success
	assert_line "ESCAPED"
}

@test "CVE-2024-21626: process.cwd /proc/self/fd/N (N = 3..10) never yields a host directory (run)" {
	local n
	for n in 3 4 5 6 7 8 9 10; do
		update_config --arg c "/proc/self/fd/$n" --arg m "$MARKER" \
			'.process.cwd = $c | .process.args = ["/fds", "cwd", $m]'
		run ! ward --log "$TEST_DIR/ward.log" run "ct$n"
		echo "fd $n: status $status"
		assert_contained
	done
}

@test "CVE-2024-21626: process.cwd /proc/self/fd/N (N = 3..10) never yields a host directory (create + start)" {
	local n
	bind_host_dir
	for n in 3 4 5 6 7 8 9 10; do
		update_config --arg c "/proc/self/fd/$n" --arg m "$MARKER" \
			--arg n "$n" '.process.cwd = $c | .process.args = ["sh", "-c", "/fds cwd \"$0\" >/host/out.$1", $m, $n]'
		run ward_detached create "ct$n"
		if [ "$status" -ne 0 ]; then
			refute_output_contains "ESCAPED"
			continue
		fi
		run ward start "ct$n"
		# The init reports a failing chdir to the log, or runs the probe.
		for _ in $(seq 50); do
			[ "$(container_status "ct$n")" = stopped ] && break
			sleep 0.1
		done
		if [ -f "$HOST_DIR/out.$n" ]; then
			run cat "$HOST_DIR/out.$n"
			assert_contained
		fi
	done
	run grep -rl ESCAPED "$HOST_DIR"
	assert_output ""
}

@test "CVE-2024-21626: the container process holds only stdio" {
	update_config '.process.args = ["/fds", "list"]'
	run ward --log "$TEST_DIR/ward.log" run ct
	assert_success
	run cut -d' ' -f1 <<<"$output"
	assert_output "$(printf '0\n1\n2')"
}

@test "CVE-2024-21626: after create + start the process holds only stdio" {
	bind_host_dir
	update_config '.process.args = ["sh", "-c", "exec /fds list >/host/fds"]'
	run ward_detached --log "$TEST_DIR/ward.log" create ct
	assert_success
	run ward --log "$TEST_DIR/ward.log" start ct
	assert_success
	wait_for_file 100 0.05 "$HOST_DIR/fds"
	sleep 0.1
	run cut -d' ' -f1 "$HOST_DIR/fds"
	assert_output "$(printf '0\n1\n2')"
}

@test "CVE-2024-21626: --preserve-fds passes exactly the preserved fds" {
	mkdir "$TEST_DIR/dir"
	update_config '.process.args = ["/fds", "list"]'
	run ward run --preserve-fds 2 ct 3<"$MARKER" 4<"$MARKER" 5<"$TEST_DIR/dir" 6<"$TEST_DIR/dir"
	assert_success
	run cut -d' ' -f1 <<<"$output"
	assert_output "$(printf '0\n1\n2\n3\n4')"
}

@test "CVE-2024-21626: even a host directory handed over with --preserve-fds does not become the cwd" {
	# The weakened setup: the caller itself passes a host directory.
	# runc would start the process there; ward refuses a cwd that lies
	# outside the container's root, whatever opened it.
	requires_ward "a cwd outside the root is refused"
	update_config --arg m "$MARKER" '.process.cwd = "/proc/self/fd/3" | .process.args = ["/fds", "cwd", $m]'
	run ! ward run --preserve-fds 1 ct 3<"$TEST_DIR"
	assert_contained
	assert_output_contains "outside the container root"
}

@test "CVE-2024-21626: a created init holds no host directory (only stdio, exec.fifo, log)" {
	run ward_detached --log "$TEST_DIR/ward.log" create ct
	assert_success
	local pid fd target
	pid=$(container_pid ct)
	for fd in /proc/"$pid"/fd/*; do
		target=$(readlink "$fd")
		echo "$(basename "$fd") -> $target"
		[ ! -d "$fd" ] || fail "the init holds a directory: $target"
		case "$target" in
		/dev/null | "$TEST_DIR/detached.out" | "$TEST_DIR/ward.log" | "$WARD_ROOT/ct/exec.fifo") ;;
		*) fail "unexpected fd in the created init: $target" ;;
		esac
	done
}

@test "CVE-2024-21626: exec --cwd /proc/self/fd/N never yields a host directory" {
	"$WARD" exec --help >/dev/null 2>&1 || skip "ward exec is not implemented yet"
	run ward_detached run -d ct
	assert_success
	local n
	for n in 3 4 5 6 7 8 9 10; do
		run ! ward --log "$TEST_DIR/ward.log" exec --cwd "/proc/self/fd/$n" ct /fds cwd "$MARKER"
		echo "fd $n: status $status"
		assert_contained
	done
	# Not even a host directory the caller hands over on purpose.
	run ! ward exec --preserve-fds 1 --cwd /proc/self/fd/3 ct /fds cwd "$MARKER" 3<"$TEST_DIR"
	assert_contained
	run ward --log "$TEST_DIR/ward.log" exec ct /fds list
	assert_success
	run cut -d' ' -f1 <<<"$output"
	assert_output "$(printf '0\n1\n2')"
}
