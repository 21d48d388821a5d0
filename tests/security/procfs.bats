#!/usr/bin/env bats
# procfs and sysfs in the container, and ward's own writes to /proc:
#   CVE-2019-19921, CVE-2023-27561: /proc (or /sys) of the image is a
#     symlink, so the procfs lands elsewhere (over a host path, or over a
#     directory where it hides what an LSM profile relies on).
#   CVE-2025-52881: ward's writes to /proc files (sysctls, oom_score_adj,
#     LSM labels) redirected by a mount over /proc or by a symlink into it
#     to another file; they must go to the real procfs file or nowhere.

# Path resolution under attack: tests/run.sh runs this file a second time
# with openat2 made unavailable (WARD_SECURITY_NO_OPENAT2=1).

load helpers

setup() {
	sec_setup
	CANARY=$(make_canary)
	TARGET=$HOST_DIR/target
	echo original >"$TARGET"
	chmod 666 "$TARGET"
}
teardown() { sec_teardown; }

# assert_host_untouched: the canary, the target file and the mount table.
assert_host_untouched() {
	assert_canary_intact "$CANARY"
	[ "$(cat "$TARGET")" = original ] || fail "the host file $TARGET now holds: $(cat "$TARGET")"
	assert_no_new_host_mounts
}

# proc_symlink_case DIR LINK: the image's DIR (proc or sys) replaced by a
# symlink to LINK; create must fail and leave the host alone.
proc_symlink_case() {
	local dir=$1 link=$2
	rm -rf "${BUNDLE:?}/rootfs/$dir"
	ln -s "$link" "$BUNDLE/rootfs/$dir"
	run ward_detached create ct
	echo "/$dir -> $link: status $status: $output"
	assert_failure
	[ -z "$(ls -A "$BUNDLE/rootfs/fake" 2>/dev/null)" ] || fail "something was put in the image's /fake"
	assert_host_untouched
	rm -f "$BUNDLE/rootfs/$dir"
	mkdir "$BUNDLE/rootfs/$dir"
}

@test "CVE-2019-19921/CVE-2023-27561: /proc of the image as a symlink (host path, inside, relative): create fails" {
	mkdir "$BUNDLE/rootfs/fake"
	proc_symlink_case proc "$CANARY"
	proc_symlink_case proc /fake
	proc_symlink_case proc "../../../../../../..$CANARY"
	proc_symlink_case proc fake
}

@test "CVE-2023-27561: /sys of the image as a symlink (host path, inside): create fails" {
	mkdir "$BUNDLE/rootfs/fake"
	proc_symlink_case sys "$CANARY"
	proc_symlink_case sys /fake
}

@test "CVE-2023-27561: /proc swapped with a symlink to a host path while create runs" {
	local i ok=0 failed=0 pid
	ln -s "$CANARY" "$BUNDLE/rootfs/proc.lnk"
	start_swapper "$BUNDLE/rootfs/proc" "$BUNDLE/rootfs/proc.lnk"
	for ((i = 0; i < 150; i++)); do
		if ward create "ct$i" </dev/null >/dev/null 2>&1; then
			ok=$((ok + 1))
			# Where it did succeed, the procfs is on the image's
			# directory (named proc or, swapped since, proc.lnk).
			# (An init whose /proc was swapped away meanwhile cannot
			# reach its exec fifo and is gone already.)
			pid=$(container_pid "ct$i")
			[ "${pid:-0}" -gt 0 ] && pid_alive "$pid" &&
				! grep -Eq '^[0-9]+ [0-9]+ [0-9:]+ / /proc(\.lnk)? rw[^ ]*( .*)? - proc ' "/proc/$pid/mountinfo" &&
				fail "ct$i: no procfs on the image's directory: $(cat "/proc/$pid/mountinfo")"
		else
			failed=$((failed + 1))
		fi
		ward delete -f "ct$i" >/dev/null 2>&1
	done
	stop_swapper
	echo "created $ok, refused $failed"
	assert_host_untouched
}

@test "CVE-2025-52881: a bind mount over a /proc/sys file for a sysctl is refused" {
	update_config --arg t "$TARGET" '.mounts += [{"destination": "/proc/sys/net/ipv4/ip_forward",
		"type": "bind", "source": $t, "options": ["bind"]}]
		| .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run ward_detached create ct
	assert_failure
	assert_host_untouched
}

@test "CVE-2025-52881: a mount over /proc/sys, /proc/self or /proc/thread-self is refused" {
	local d
	for d in /proc/sys /proc/sys/net /proc/self /proc/1 /proc/thread-self/attr /proc/self/attr/exec /proc/self/oom_score_adj; do
		update_config --arg d "$d" '.mounts = [.mounts[] | select(.destination | startswith("/proc/") | not)]
			+ [{"destination": $d, "type": "tmpfs", "source": "tmpfs"}]'
		run ward_detached create ct
		echo "$d: $status $output"
		assert_failure
	done
	for d in /proc/self/oom_score_adj /proc/self/attr/exec /proc/thread-self/attr/apparmor/exec /proc/sys/net/ipv4/ip_forward; do
		update_config --arg d "$d" --arg t "$TARGET" '.mounts = [.mounts[] | select(.destination | startswith("/proc/") | not)]
			+ [{"destination": $d, "type": "bind", "source": $t, "options": ["bind"]}]'
		run ward_detached create ct
		echo "$d: $status $output"
		assert_failure
	done
	assert_host_untouched
}

@test "CVE-2025-52881: a mount destination that is a symlink into /proc is refused (oomScoreAdj)" {
	ln -s /proc/self "$BUNDLE/rootfs/evil"
	ln -s /proc/sys/net/ipv4 "$BUNDLE/rootfs/evil2"
	update_config --arg t "$TARGET" '.process.oomScoreAdj = 500
		| .linux.sysctl = {"net.ipv4.ip_forward": "1"}
		| .mounts += [{"destination": "/evil/oom_score_adj", "type": "bind", "source": $t, "options": ["bind"]}]'
	run ward_detached create ct
	echo "$output"
	assert_failure
	update_config --arg t "$TARGET" '.mounts |= map(select(.destination != "/evil/oom_score_adj"))
		| .mounts += [{"destination": "/evil2/ip_forward", "type": "bind", "source": $t, "options": ["bind"]}]'
	run ward_detached create ct
	echo "$output"
	assert_failure
	assert_host_untouched
}

@test "CVE-2025-52881: the symlink into /proc swapped in while create runs (oomScoreAdj, sysctl)" {
	local i ok=0 failed=0
	mkdir -p "$BUNDLE/rootfs/race/d"
	ln -s /proc/self "$BUNDLE/rootfs/race/d.lnk"
	update_config --arg t "$TARGET" '.process.oomScoreAdj = 500
		| .process.args = ["true"]
		| .mounts += [{"destination": "/race/d/oom_score_adj", "type": "bind", "source": $t, "options": ["bind"]}]'
	start_swapper "$BUNDLE/rootfs/race/d" "$BUNDLE/rootfs/race/d.lnk"
	for ((i = 0; i < 150; i++)); do
		if ward run "ct$i" </dev/null >/dev/null 2>&1; then
			ok=$((ok + 1))
		else
			failed=$((failed + 1))
		fi
		ward delete -f "ct$i" >/dev/null 2>&1
		[ "$(cat "$TARGET")" = original ] || fail "iteration $i: ward wrote to the host file: $(cat "$TARGET")"
	done
	stop_swapper
	echo "ran $ok, refused $failed"
	# Only the swapper's own file in the image: no oom_score_adj was
	# created through the symlink either.
	assert_host_untouched
}

@test "CVE-2025-52881: without a procfs at /proc, sysctl writes refuse the image's files" {
	mkdir -p "$BUNDLE/rootfs/proc/sys/net/ipv4"
	echo 0 >"$BUNDLE/rootfs/proc/sys/net/ipv4/ip_forward"
	update_config '.mounts |= map(select(.destination != "/proc"))
		| .linux.maskedPaths = [] | .linux.readonlyPaths = []
		| .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run ward_detached create ct
	echo "$output"
	assert_failure
	assert_output_contains "procfs"
	[ "$(cat "$BUNDLE/rootfs/proc/sys/net/ipv4/ip_forward")" = 0 ] || fail "the image's file was written"
	assert_host_untouched
}

@test "without a procfs at /proc, a fake /proc/self/fd in the image does not release the init before start" {
	# The init reaches its exec fifo through /proc/self/fd/N. With no
	# procfs mounted, /proc/self is whatever the image put there: here
	# every fd N leads to /dev/null, which accepts the init's "go" byte.
	mkdir -p "$BUNDLE/rootfs/fakeself/fd"
	for n in $(seq 3 64); do
		ln -s /dev/null "$BUNDLE/rootfs/fakeself/fd/$n"
	done
	echo 0 >"$BUNDLE/rootfs/fakeself/oom_score_adj"
	rmdir "$BUNDLE/rootfs/proc"
	mkdir "$BUNDLE/rootfs/proc"
	ln -s /fakeself "$BUNDLE/rootfs/proc/self"
	ln -s /fakeself "$BUNDLE/rootfs/proc/thread-self"
	bind_host_dir
	update_config '.mounts |= map(select(.destination != "/proc"))
		| .linux.maskedPaths = [] | .linux.readonlyPaths = []
		| .process.args = ["sh", "-c", "echo ran > /host/ran"]'
	run ward_detached create ct
	echo "create: $status $output"
	sleep 1
	[ ! -e "$HOST_DIR/ran" ] || fail "the container process ran before ward start"
	run ward delete -f ct
	# The same with oomScoreAdj: its write must not land in the image.
	update_config '.process.oomScoreAdj = 500'
	run ward_detached create ct
	echo "create: $status $output"
	sleep 1
	[ ! -e "$HOST_DIR/ran" ] || fail "the container process ran before ward start"
	[ "$(cat "$BUNDLE/rootfs/fakeself/oom_score_adj")" = 0 ] || fail "the image's oom_score_adj was written"
	assert_host_untouched
}
