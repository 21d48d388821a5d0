#!/usr/bin/env bats
# CVE-2022-0492: from inside a container, `unshare -UrmC`, mount a cgroup v1
# hierarchy and write its release_agent, which the host kernel then runs as
# root. The kernel fix requires CAP_SYS_ADMIN in the initial user namespace
# for the write; a v1 hierarchy mounted from a cgroup namespace has no
# release_agent at all (it only exists at the root of a hierarchy). ward
# must not hand out what the attack needs: CAP_SYS_ADMIN outside a user
# namespace, or a view of a hierarchy's root.

load helpers

# Hierarchies of this host to aim at, as mount options.
v1_hierarchies() {
	awk '$3 == "cgroup" { print $2 }' /proc/mounts | while read -r d; do
		local o
		o=$(awk -v d="$d" '$2 == d { print $4 }' /proc/mounts | tr ',' '\n' |
			grep -Ev '^(rw|ro|nosuid|nodev|noexec|relatime|clone_children|xattr)$' | paste -sd,)
		case "$o" in
		name=*) echo "none,$o" ;;
		*) echo "$o" ;;
		esac
	done | sort -u
}

agents() {
	local f
	for f in /sys/fs/cgroup/*/release_agent; do
		echo "$f=$(cat "$f")"
	done
}

setup() {
	host_cgroup_v1 || [ -n "$(v1_hierarchies)" ] || skip "no cgroup v1 hierarchy on this host"
	sec_setup
	install_tool release_agent
	AGENTS_BEFORE=$(agents)
	HIERARCHIES=$(v1_hierarchies | paste -sd' ')
}

teardown() {
	local now
	now=$(agents)
	if [ -n "${AGENTS_BEFORE:-}" ] && [ "$now" != "$AGENTS_BEFORE" ]; then
		echo "release_agent changed on the host: $now" >&2
		# Put the host back as it was (a test that got here failed).
		while IFS== read -r f v; do
			printf '%s' "$v" >"$f"
		done <<<"$AGENTS_BEFORE"
		sec_teardown
		return 1
	fi
	sec_teardown
}

assert_blocked() {
	refute_output_contains "RESULT escaped"
	assert_line "RESULT blocked"
	! grep -q '^write .* ok' <<<"$output" || fail "a release_agent write went through"
	[ "$(agents)" = "$AGENTS_BEFORE" ] || fail "a host release_agent changed"
}

@test "CVE-2022-0492 sanity: real root outside a user namespace can open release_agent for writing" {
	# In a private mount namespace of the host; nothing is written.
	run unshare -m --propagation private "$(sec_tool release_agent)" -n "$TEST_DIR" $HIERARCHIES
	echo "$output"
	assert_success
	assert_line "RESULT escaped"
}

@test "CVE-2022-0492 sanity: a container deliberately given CAP_SYS_ADMIN, no user or cgroup namespace, could do it" {
	# The weakened setup: what the attack needs, granted by the config
	# (a cgroup namespace alone hides release_agent: it exists only at the
	# root of a hierarchy; a seccomp profile refuses mount). Only opened
	# for writing, never written.
	update_config '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])
		| .linux.namespaces |= map(select(.type != "cgroup"))
		| del(.linux.seccomp)'
	update_config --arg h "$HIERARCHIES" '.process.args = (["/release_agent", "-n", "/dev/shm"] + ($h | split(" ")))'
	run ward run ct
	echo "$output"
	assert_line "RESULT escaped"
}

@test "CVE-2022-0492: unshare -UrmC + mount cgroup v1 + write release_agent fails with the default config" {
	update_config --arg h "$HIERARCHIES" '.process.args = (["/release_agent", "-U", "-m", "-C", "/dev/shm"] + ($h | split(" ")))'
	run ward run ct
	echo "$output"
	assert_blocked
}

@test "CVE-2022-0492: unshare -UrmC + mount cgroup v1 + write release_agent fails even without seccomp" {
	# The layers under the profile: the default capabilities and the
	# kernel's own checks.
	update_config 'del(.linux.seccomp)'
	update_config --arg h "$HIERARCHIES" '.process.args = (["/release_agent", "-U", "-m", "-C", "/dev/shm"] + ($h | split(" ")))'
	run ward run ct
	echo "$output"
	assert_blocked
}

@test "CVE-2022-0492: the default config does not let the container mount cgroup v1 directly" {
	update_config --arg h "$HIERARCHIES" '.process.args = (["/release_agent", "-m", "-C", "/dev/shm"] + ($h | split(" ")))'
	run ward run ct
	echo "$output"
	assert_blocked
}

@test "CVE-2022-0492: CAP_SYS_ADMIN inside a user namespace container is not enough (no seccomp)" {
	chmod 755 "$BUNDLE"
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])
		| del(.linux.seccomp)'
	# Without a seccomp profile, so that the kernel's own checks are what
	# is tested. Straight away, through a nested user namespace, and through a new
	# cgroup namespace: all the ways the exploit tries.
	update_config --arg h "$HIERARCHIES" '.process.args = ["sh", "-c",
		"for f in \"-m\" \"-m -C\" \"-U -m -C\"; do /release_agent $f /dev/shm $0; done", $h]'
	run ward run ct
	echo "$output"
	assert_blocked
	[ "$(grep -c '^RESULT blocked' <<<"$output")" -eq 3 ] || fail "expected three blocked attempts"
}

@test "CVE-2022-0492: CAP_SYS_ADMIN in a user namespace container without a cgroup namespace is not enough (no seccomp)" {
	chmod 755 "$BUNDLE"
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.namespaces |= map(select(.type != "cgroup"))
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])
		| del(.linux.seccomp)'
	update_config --arg h "$HIERARCHIES" '.process.args = ["sh", "-c",
		"for f in \"-m\" \"-m -C\" \"-U -m -C\"; do /release_agent $f /dev/shm $0; done", $h]'
	run ward run ct
	echo "$output"
	assert_blocked
	[ "$(grep -c '^RESULT blocked' <<<"$output")" -eq 3 ] || fail "expected three blocked attempts"
}
