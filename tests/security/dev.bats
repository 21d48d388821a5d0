#!/usr/bin/env bats
# /dev of the image as an attack surface (configs without a /dev tmpfs use
# the image's own /dev, or bind one from a volume another container writes):
#   /dev itself a symlink to a host directory: nothing may be created there.
#   CVE-2025-31133: /dev/null a symlink (to a host file, to
#     /proc/sys/kernel/core_pattern...) when maskedPaths bind it: the masked
#     file would become that target, writable.
#   CVE-2025-52565: /dev/console or /dev/pts/ptmx redirected when the pty is
#     bound onto /dev/console: nothing outside /dev/console may receive it.

# Path resolution under attack: tests/run.sh runs this file a second time
# with openat2 made unavailable (WARD_SECURITY_NO_OPENAT2=1).

load helpers

setup() {
	sec_setup
	CANARY=$(make_canary)
	TARGET=$HOST_DIR/target
	echo original >"$TARGET"
	chmod 666 "$TARGET"
	CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
	bind_host_dir
}

teardown() {
	local rc=0
	if [ -n "${CORE_PATTERN:-}" ] && [ "$(cat /proc/sys/kernel/core_pattern)" != "$CORE_PATTERN" ]; then
		echo "core_pattern was changed to: $(cat /proc/sys/kernel/core_pattern)" >&2
		printf '%s\n' "$CORE_PATTERN" >/proc/sys/kernel/core_pattern
		rc=1
	fi
	sec_teardown || rc=1
	return $rc
}

# The image's /dev is used as it is: no tmpfs (nor anything) mounted on
# /dev by the config.
use_image_dev() {
	update_config '.mounts |= map(select(.destination != "/dev" and (.destination | startswith("/dev/") | not)))'
}

assert_host_untouched() {
	assert_canary_intact "$CANARY"
	[ "$(cat "$TARGET")" = original ] || fail "the host file $TARGET now holds: $(cat "$TARGET")"
	[ "$(cat /proc/sys/kernel/core_pattern)" = "$CORE_PATTERN" ] || fail "the host's core_pattern changed"
	assert_no_new_host_mounts
}

# ---- /dev a symlink ----

@test "/dev of the image a symlink to a host directory: create fails, nothing is made there" {
	local link
	rm -rf "$BUNDLE/rootfs/dev"
	cp "$BUNDLE/config.json" "$TEST_DIR/config.orig"
	for link in "$CANARY" "../../../../../../../..$CANARY"; do
		ln -sfn "$link" "$BUNDLE/rootfs/dev"
		# With the default /dev tmpfs, and with the image's /dev.
		cp "$TEST_DIR/config.orig" "$BUNDLE/config.json"
		run ward_detached create ct
		echo "tmpfs /dev, /dev -> $link: $status $output"
		assert_failure
		use_image_dev
		run ward_detached create ct2
		echo "image /dev, /dev -> $link: $status $output"
		assert_failure
		assert_host_untouched
	done
}

# ---- linux.devices outside /dev ----

# A node made elsewhere would land in the image itself and outlive the
# container (runc 1.1.5 makes it): refused, naming the path.
@test "linux.devices paths not below /dev are refused, .. included; nothing is made in the image" {
	requires_ward "refusing device paths outside /dev (runc 1.1.5 creates them)"
	local path
	use_image_dev
	cp "$BUNDLE/config.json" "$TEST_DIR/config.orig"
	for path in /etc/evil /dev/../etc/evil /dev/./../etc/evil /dev /dev/. /devx/evil /tmp/../dev; do
		jq --arg p "$path" '.linux.devices = [{"path": $p, "type": "c", "major": 1, "minor": 3}]' \
			"$TEST_DIR/config.orig" >"$BUNDLE/config.json"
		run ward_detached create ct
		echo "$path: $status $output"
		assert_failure
		# the log line quotes the path as \"PATH\"
		assert_output_contains "linux.devices[0].path: \\\"$path\\\" is not below /dev"
	done
	[ ! -e "$BUNDLE/rootfs/etc/evil" ] || fail "a node was made in the image's /etc"
	[ ! -e "$BUNDLE/rootfs/devx" ] || fail "a node was made in the image's /devx"
}

@test "linux.devices below a symlink in the image's /dev stays inside /dev" {
	use_image_dev
	ln -s /etc "$BUNDLE/rootfs/dev/sub"
	ln -s ../../../.. "$BUNDLE/rootfs/dev/up"
	update_config '.linux.devices = [{"path": "/dev/sub/evil", "type": "c", "major": 1, "minor": 3},
		{"path": "/dev/up/etc/evil2", "type": "c", "major": 1, "minor": 3}]'
	set_cmd 'true'
	run ward run ct
	echo "$output"
	[ ! -e "$BUNDLE/rootfs/etc/evil" ] || fail "a node was made in the image's /etc through /dev/sub"
	[ ! -e "$BUNDLE/rootfs/etc/evil2" ] || fail "a node was made in the image's /etc through /dev/up"
	if [ "$status" -eq 0 ]; then
		[ -c "$BUNDLE/rootfs/dev/etc/evil" ] || fail "the node is not below /dev"
	fi
}

# ---- CVE-2025-31133 ----

# mask_case DESCRIPTION: create with the image's /dev/null as prepared by
# the caller; either refused, or every masked file of the container is the
# null device and the host is untouched.
mask_case() {
	update_config '.process.args = ["sh", "-c",
		"for f in /proc/keys /proc/timer_list /proc/kcore /proc/sched_debug /proc/latency_stats; do [ -e $f ] && echo \"$f $(stat -c %F:%t:%T $f)\"; done; (exec 3>>/proc/sysrq-trigger && echo OPENED-sysrq); (exec 3>>/proc/sys/kernel/core_pattern && echo OPENED-core_pattern); true"]'
	run ward run ct
	echo "$1: status $status"
	echo "$output"
	if [ "$status" -eq 0 ]; then
		! grep '^/proc/' <<<"$output" | grep -v 'character special file:1:3$' ||
			fail "a masked path is not the null device"
		refute_output_contains "OPENED"
	fi
	assert_host_untouched
}

@test "CVE-2025-31133: /dev/null of the image a symlink to a host file" {
	use_image_dev
	rm -f "$BUNDLE/rootfs/dev/null"
	ln -s "$TARGET" "$BUNDLE/rootfs/dev/null"
	mask_case "/dev/null -> $TARGET"
	assert_failure
}

@test "CVE-2025-31133: /dev/null of the image a symlink to /proc/sys/kernel/core_pattern or /proc/sysrq-trigger" {
	use_image_dev
	rm -f "$BUNDLE/rootfs/dev/null"
	ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/null"
	mask_case "/dev/null -> core_pattern"
	assert_failure
	rm -f "$BUNDLE/rootfs/dev/null"
	ln -s /proc/sysrq-trigger "$BUNDLE/rootfs/dev/null"
	mask_case "/dev/null -> sysrq-trigger"
	assert_failure
}

@test "CVE-2025-31133: /dev/null of the image a regular file or another device" {
	use_image_dev
	rm -f "$BUNDLE/rootfs/dev/null"
	echo not-null >"$BUNDLE/rootfs/dev/null"
	mask_case "/dev/null a file"
	assert_failure
	rm -f "$BUNDLE/rootfs/dev/null"
	mknod "$BUNDLE/rootfs/dev/null" c 1 5 # /dev/zero
	mask_case "/dev/null is /dev/zero"
	assert_failure
}

@test "CVE-2025-31133: /dev/null swapped with a symlink to core_pattern while create runs (shared /dev)" {
	# /dev is a volume (a host directory) that the attacker also writes.
	local devdir=$TEST_DIR/devvol i ok=0
	mkdir "$devdir"
	mknod "$devdir/null" c 1 3
	chmod 666 "$devdir/null"
	ln -s /proc/sys/kernel/core_pattern "$devdir/null.lnk"
	update_config --arg d "$devdir" '.mounts |= map(select(.destination != "/dev" and (.destination | startswith("/dev/") | not)))
		| .mounts += [{"destination": "/dev", "type": "bind", "source": $d, "options": ["rbind", "rw"]}]
		| .process.args = ["sh", "-c",
		"for f in /proc/keys /proc/timer_list /proc/kcore /proc/sched_debug; do [ -e $f ] && echo \"$f $(stat -c %F:%t:%T $f)\"; done; true"]'
	start_swapper "$devdir/null" "$devdir/null.lnk"
	for ((i = 0; i < 100; i++)); do
		run ward run "ct$i"
		if [ "$status" -eq 0 ]; then
			ok=$((ok + 1))
			! grep '^/proc/' <<<"$output" | grep -v 'character special file:1:3$' ||
				{ stop_swapper; fail "iteration $i: a masked path is not the null device: $output"; }
		fi
	done
	stop_swapper
	echo "ran $ok of 100"
	assert_host_untouched
}

# ---- CVE-2025-52565 ----

# console_case: run with a terminal; the process reports what its console
# and core_pattern are and whether it could open core_pattern for writing.
console_case() {
	# recvtty serves one connection: a fresh one per case.
	if [ -n "${RECVTTY_PID:-}" ]; then
		kill "$RECVTTY_PID" 2>/dev/null || true
	fi
	rm -f "$TEST_DIR/console.sock" "$TEST_DIR/recvtty.pid"
	start_recvtty
	rm -f "$HOST_DIR/out"
	ward delete -f ct >/dev/null 2>&1 || true
	update_config '.process.terminal = true
		| .process.args = ["sh", "-c", "{ stat -c \"%n %F:%t\" /dev/console /proc/sys/kernel/core_pattern; (exec 3>>/proc/sys/kernel/core_pattern && echo OPENED-core_pattern); grep devpts /proc/self/mountinfo; } >/host/out 2>&1"]'
	run ward_detached create --console-socket "$CONSOLE_SOCKET" ct
	echo "create: $status $output"
	CREATE_STATUS=$status
	if [ "$status" -eq 0 ]; then
		run ward start ct
		wait_for_file 100 0.05 "$HOST_DIR/out"
		sleep 0.2
		cat "$HOST_DIR/out"
		run grep -v OPENED "$HOST_DIR/out"
		refute_output_contains "OPENED"
		# The pty is bound on /dev/console and nowhere else.
		run awk '/ - devpts / { print $5 }' "$HOST_DIR/out"
		run grep -vx -e /dev/console -e /dev/pts <<<"$output"
		assert_output ""
	fi
	assert_host_untouched
}

@test "CVE-2025-52565 sanity: with an ordinary image the pty is bound on /dev/console, and seen there" {
	use_image_dev
	update_config '.mounts += [{"destination": "/dev/pts", "type": "devpts", "source": "devpts",
		"options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}]'
	console_case
	[ "$CREATE_STATUS" -eq 0 ] || fail "create failed"
	grep -q '^/dev/console character special file:88$' "$HOST_DIR/out" || fail "/dev/console is not a pty"
	grep -q ' /dev/console .* - devpts ' "$HOST_DIR/out" || fail "no devpts mount on /dev/console"
}

@test "CVE-2025-52565: /dev/console of the image a symlink to a host file" {
	use_image_dev
	ln -s "$TARGET" "$BUNDLE/rootfs/dev/console"
	update_config '.mounts += [{"destination": "/dev/pts", "type": "devpts", "source": "devpts",
		"options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}]'
	console_case
}

@test "CVE-2025-52565: /dev/console of the image a symlink into /proc (core_pattern)" {
	use_image_dev
	ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/console"
	update_config '.mounts += [{"destination": "/dev/pts", "type": "devpts", "source": "devpts",
		"options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}]'
	console_case
}

@test "CVE-2025-52565: /dev/pts/ptmx of the image leading to core_pattern or a host file" {
	# No devpts mounted: the /dev/ptmx -> pts/ptmx link ward makes leads
	# into the image's /dev/pts.
	use_image_dev
	mkdir -p "$BUNDLE/rootfs/dev/pts"
	ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/pts/ptmx"
	ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/pts/0"
	console_case
	[ "$CREATE_STATUS" -ne 0 ] || fail "a console was made from a ptmx that is not one"
	rm -f "$BUNDLE/rootfs/dev/pts/ptmx"
	ln -s "$TARGET" "$BUNDLE/rootfs/dev/pts/ptmx"
	console_case
	[ "$CREATE_STATUS" -ne 0 ] || fail "a console was made from a ptmx that is not one"
}
