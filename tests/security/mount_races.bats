#!/usr/bin/env bats
# Racing the mount setup from outside (an attacker who can write into the
# rootfs while `create` runs: another container sharing a volume with it):
#   CVE-2021-30465: a mount destination swapped for a symlink to a host
#     path between the runtime's check and its mount(2).
#   CVE-2024-45310: the parent directories of a destination swapped for a
#     symlink while the runtime creates them (mkdir -p on the host).
# The swapper exchanges a directory of the rootfs with a symlink to a host
# canary directory as fast as it can while ward creates and deletes the
# container again and again; nothing may be created in the canary, nothing
# mounted on it, in the host's mount namespace or in the container's.

# Path resolution under attack: tests/run.sh runs this file a second time
# with openat2 made unavailable (WARD_SECURITY_NO_OPENAT2=1).

load helpers

ITERATIONS=${WARD_RACE_ITERATIONS:-150}

setup() {
	sec_setup
	CANARY=$(make_canary)
	SRC=$TEST_DIR/bind-src
	mkdir -p "$SRC"
	echo source >"$SRC/file"
	mkdir -p "$BUNDLE/rootfs/race"
}
teardown() { sec_teardown; }

# A createContainer hook runs in the container's mount namespace before
# pivot_root, where host paths are still visible: it records any mount on
# or below the canary there (a misdirected mount would be gone after
# pivot_root, and is never seen from the host).
add_canary_hook() {
	add_mount_hook "$CANARY" "$TEST_DIR/hook-hits"
}

# add_mount_hook PATH OUT: the hook, for mounts on or below PATH.
add_mount_hook() {
	update_config --arg c "$1" --arg out "$2" '.hooks.createContainer = [{
		"path": "/bin/sh",
		"args": ["sh", "-c", "grep -F \" $0\" /proc/self/mountinfo >> \"$1\"; exit 0", $c, $out]}]'
}

# race_create: create + delete ITERATIONS times; sets OK and REFUSED.
race_create() {
	local i
	OK=0
	REFUSED=0
	for ((i = 0; i < ITERATIONS; i++)); do
		if ward create "ct$i" </dev/null >>"$TEST_DIR/create.log" 2>&1; then
			OK=$((OK + 1))
		else
			REFUSED=$((REFUSED + 1))
		fi
		ward delete -f "ct$i" >/dev/null 2>&1
	done
	echo "created $OK, refused $REFUSED"
	# The distinct refusals, to show the race was hit at different steps.
	sed -e 's/.*msg="//' -e "s|$TEST_DIR|\$TEST_DIR|g" "$TEST_DIR/create.log" 2>/dev/null | sort | uniq -c | head -n 20
}

assert_no_hook_hits() {
	if [ -s "$TEST_DIR/hook-hits" ]; then
		cat "$TEST_DIR/hook-hits"
		fail "a mount landed on the host path $CANARY in the container's mount namespace"
	fi
}

@test "CVE-2021-30465 sanity: the race redirects a path-based mkdir and mount to the canary" {
	# What a runtime that resolves a path and then acts on the string
	# does, run here in a private mount namespace: the swapper makes it
	# miss the rootfs.
	local i hits=0
	mkdir "$BUNDLE/rootfs/race/a"
	ln -s "$CANARY" "$BUNDLE/rootfs/race/a.lnk"
	start_swapper "$BUNDLE/rootfs/race/a" "$BUNDLE/rootfs/race/a.lnk"
	for ((i = 0; i < 300 && hits == 0; i++)); do
		mkdir -p "$BUNDLE/rootfs/race/a/made/here" 2>/dev/null
		[ -e "$CANARY/made" ] && hits=1
	done
	run unshare -m --propagation private sh -c '
		for i in $(seq 300); do
			if mount -t tmpfs sanity "$1/race/a" 2>/dev/null; then
				grep -q " $2 .* - tmpfs sanity " /proc/self/mountinfo && { echo HIT; exit 0; }
				umount -l "$1/race/a" 2>/dev/null || umount -l "$1/race/a.lnk" 2>/dev/null
			fi
		done' sh "$BUNDLE/rootfs" "$CANARY"
	stop_swapper
	echo "mkdir hit: $hits, mount: $output"
	[ "$hits" -eq 1 ] || fail "a plain mkdir -p never went through the symlink"
	assert_output "HIT"
	# The hook that watches the container's mount namespace does see
	# mounts by their host paths there.
	rm -f "$BUNDLE/rootfs/race/a.lnk"
	update_config '.mounts += [{"destination": "/race/a", "type": "tmpfs", "source": "tmpfs"}]'
	add_mount_hook "$BUNDLE/rootfs/race/a" "$TEST_DIR/sanity-hits"
	run ward_detached create ct
	assert_success
	[ -s "$TEST_DIR/sanity-hits" ] || fail "the createContainer hook saw no mount at all"
	assert_no_new_host_mounts
	rm -rf "${CANARY:?}/made"
}

@test "CVE-2021-30465: a tmpfs and a bind destination swapped for a symlink to a host path" {
	mkdir "$BUNDLE/rootfs/race/mnt" "$BUNDLE/rootfs/race/bmnt"
	ln -s "$CANARY" "$BUNDLE/rootfs/race/mnt.lnk"
	ln -s "../../../../../../../..$CANARY" "$BUNDLE/rootfs/race/bmnt.lnk"
	update_config --arg s "$SRC" '.mounts += [
		{"destination": "/race/mnt", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/race/bmnt", "type": "bind", "source": $s, "options": ["rbind"]}]'
	add_canary_hook
	start_swapper "$BUNDLE/rootfs/race/mnt" "$BUNDLE/rootfs/race/mnt.lnk"
	start_swapper "$BUNDLE/rootfs/race/bmnt" "$BUNDLE/rootfs/race/bmnt.lnk"
	race_create
	stop_swapper
	assert_no_hook_hits
	assert_canary_intact "$CANARY"
	assert_no_new_host_mounts
	[ "$(cat "$SRC/file")" = source ] || fail "the bind source changed"
}

@test "CVE-2021-30465: a file bind destination swapped for a symlink to a host file" {
	echo host-file >"$CANARY/file"
	_canary_listing "$CANARY" >"$TEST_DIR/canary.$(basename "$CANARY")"
	mkdir "$BUNDLE/rootfs/race/d"
	ln -s "$CANARY" "$BUNDLE/rootfs/race/d.lnk"
	update_config --arg s "$SRC/file" '.mounts += [
		{"destination": "/race/d/file", "type": "bind", "source": $s, "options": ["bind"]}]'
	add_canary_hook
	start_swapper "$BUNDLE/rootfs/race/d" "$BUNDLE/rootfs/race/d.lnk"
	race_create
	stop_swapper
	assert_no_hook_hits
	assert_canary_intact "$CANARY"
	assert_no_new_host_mounts
}

# flags_race DEST AWK_MATCH: run the container ITERATIONS times while DEST
# is swapped with a symlink to /dev/shm (another mount point of the
# container); the mount that AWK_MATCH selects in /proc/self/mountinfo must
# carry the read-only flag the config asked for, wherever it landed.
flags_race() {
	local dest=$1 match=$2 i l bad=0
	OK=0
	ln -s /dev/shm "$BUNDLE/rootfs$dest.lnk"
	update_config '.process.args = ["cat", "/proc/self/mountinfo"]'
	start_swapper "$BUNDLE/rootfs$dest" "$BUNDLE/rootfs$dest.lnk"
	for ((i = 0; i < ITERATIONS; i++)); do
		run ward run "ct$i"
		[ "$status" -eq 0 ] || continue
		OK=$((OK + 1))
		l=$(awk "$match { print \$5, \$6 }" <<<"$output")
		if [ -z "$l" ] || grep -qv ' ro,\| ro$' <<<"$l"; then
			echo "iteration $i: ${l:-the mount is missing}"
			bad=$((bad + 1))
		fi
		# The flag applied to the wrong mount shows there.
		awk '$5 == "/dev/shm" && / - tmpfs shm / && $6 ~ /^ro/ { print "iteration '"$i"': /dev/shm made read-only instead" }' <<<"$output"
	done
	stop_swapper
	echo "ran $OK of $ITERATIONS, $bad with the mount not read-only"
	[ "$bad" -eq 0 ] || fail "the read-only flag went to another mount: the volume was writable"
}

@test "CVE-2021-30465: a read-only bind volume stays read-only when its destination is swapped during create" {
	# The flags of a bind are set by a remount after the bind: that
	# remount must reach the new mount, not whatever the destination
	# path names by then.
	mkdir "$BUNDLE/rootfs/race/vol"
	update_config --arg s "$SRC" '.mounts += [{"destination": "/race/vol", "type": "bind", "source": $s, "options": ["rbind", "ro"]}]'
	flags_race /race/vol "\$4 == \"$SRC\""
	assert_no_new_host_mounts
	[ "$(ls "$SRC")" = file ] || fail "the volume was written"
}

@test "CVE-2021-30465: a read-only tmpfs with tmpcopyup stays read-only when its destination is swapped during create" {
	mkdir "$BUNDLE/rootfs/race/tmp"
	echo image >"$BUNDLE/rootfs/race/tmp/file"
	update_config '.mounts += [{"destination": "/race/tmp", "type": "tmpfs", "source": "racetmpfs", "options": ["ro", "tmpcopyup"]}]'
	flags_race /race/tmp '/ - tmpfs racetmpfs /'
	assert_no_new_host_mounts
}

@test "CVE-2024-45310: parents of bind and tmpfs destinations swapped while ward creates them" {
	mkdir "$BUNDLE/rootfs/race/a" "$BUNDLE/rootfs/race/p"
	ln -s "$CANARY" "$BUNDLE/rootfs/race/a.lnk"
	ln -s "../../../../../..$CANARY" "$BUNDLE/rootfs/race/p.lnk"
	update_config --arg s "$SRC" --arg f "$SRC/file" '.mounts += [
		{"destination": "/race/a/b/c/d", "type": "bind", "source": $s, "options": ["rbind"]},
		{"destination": "/race/a/x/file", "type": "bind", "source": $f, "options": ["bind"]},
		{"destination": "/race/p/q/r", "type": "tmpfs", "source": "tmpfs"}]'
	add_canary_hook
	start_swapper "$BUNDLE/rootfs/race/a" "$BUNDLE/rootfs/race/a.lnk"
	start_swapper "$BUNDLE/rootfs/race/p" "$BUNDLE/rootfs/race/p.lnk"
	race_create
	stop_swapper
	assert_no_hook_hits
	assert_canary_intact "$CANARY"
	assert_no_new_host_mounts
	[ "$OK" -gt 0 ] || fail "no create succeeded at all: the race was not exercised"
}

@test "CVE-2024-45310: a device node path whose parent is swapped creates nothing on the host" {
	update_config '.mounts |= map(select(.destination != "/dev" and (.destination | startswith("/dev/") | not)))
		| .linux.devices = [{"path": "/dev/race/sub/null2", "type": "c", "major": 1, "minor": 3}]'
	mkdir -p "$BUNDLE/rootfs/dev/race"
	ln -s "$CANARY" "$BUNDLE/rootfs/dev/race.lnk"
	start_swapper "$BUNDLE/rootfs/dev/race" "$BUNDLE/rootfs/dev/race.lnk"
	race_create
	stop_swapper
	assert_canary_intact "$CANARY"
	assert_no_new_host_mounts
}
