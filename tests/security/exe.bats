#!/usr/bin/env bats
# CVE-2019-5736: a process in the container overwrites the host's runtime
# binary through /proc/<pid>/exe of a runtime process that has entered the
# container's pid namespace (runc exec, or the init of a container joining
# the namespace before it execs the user program). ward runs every such
# process from a file that cannot be written: its binary on a read-only
# bind mount that no namespace holds (or, without the mount API, a sealed
# memfd copy), unless it already runs from a read-only bind of the binary
# over itself, as contrib/install.sh leaves it.

load helpers

setup() { sec_setup; }
teardown() {
	# the read-only binds these tests make, before the host mount check
	local m
	for m in "$TEST_DIR/ward-under-attack" "$TEST_DIR/rodir" "$TEST_DIR/tmpfs/ward" "$TEST_DIR/tmpfs"; do
		while mountpoint -q "$m" 2>/dev/null; do umount -l "$m"; done
	done
	sec_teardown
}

# A private copy of the runtime for the attacked runs: if an attack ever
# succeeded it would corrupt this copy, not the build.
use_runtime_copy() {
	cp "$WARD" "$TEST_DIR/ward-under-attack"
	WARD=$TEST_DIR/ward-under-attack
	WARD_SUM=$(sha256sum <"$WARD")
}

# bind_runtime_readonly: the runtime copy bound read-only over itself, as
# contrib/install.sh installs ward (teardown unbinds it).
bind_runtime_readonly() {
	mount --bind "$WARD" "$WARD"
	mount -o remount,bind,ro,nosuid,nodev "$WARD"
}

# reexec_route ID: how the created container's init got to run ward: the
# route of its re-exec ("mount", "memfd"), or "none" when it did not
# re-execute.
reexec_route() {
	local pid
	pid=$(container_pid "$1")
	[ "$pid" -gt 0 ] || fail "no pid for $1"
	tr '\0' '\n' <"/proc/$pid/environ" | sed -n 's/^_WARD_SEALED=//p' | grep . || echo none
}

assert_runtime_intact() {
	[ "$(sha256sum <"$WARD")" = "$WARD_SUM" ] || fail "the host's ward binary $WARD was modified"
	! grep -q WARD-CVE-2019-5736-PAYLOAD "$WARD" || fail "the payload is in $WARD"
}

# install_runtime_libs ROOTFS: the shared libraries ward needs, at their
# host paths, so that the runtime can execute inside that rootfs (an image
# with a libc, as any distribution image has).
install_runtime_libs() {
	local lib
	for lib in $(ldd "$WARD" | grep -o '/[^ ]*'); do
		cp -L --parents "$lib" "$1/"
	done
}

# start_attacker [CAPS_JQ]: container "attacker", its process the attack
# program scanning its pid namespace; results in $HOST_DIR/out.
start_attacker() {
	local caps=${1:-.}
	install_tool exe_attack
	bind_host_dir
	update_config '.process.args = ["/exe_attack", "scan", "/host/out", "/host/ready", "'"${ATTACK_SECONDS:-10}"'"]'
	update_config "$caps"
	run ward_detached run -d attacker
	assert_success
	ATTACKER_PID=$(container_pid attacker)
	[ "$ATTACKER_PID" -gt 0 ] || fail "no attacker pid"
}

# wait_attack: until the attack program printed its verdict.
wait_attack() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q '^RESULT' "$HOST_DIR/out" 2>/dev/null && break
		sleep 0.1
	done
	echo "--- attack log:"
	cat "$HOST_DIR/out"
	grep -q '^RESULT' "$HOST_DIR/out" || fail "the attack program gave no verdict"
}

# assert_targets_immutable: the attacker reached ward's executable, every
# one it held was a sealed memfd (F_SEAL_SEAL|SHRINK|GROW|WRITE = 0xf) or a
# file on a read-only mount, and no open for writing went through.
assert_targets_immutable() {
	grep -q '^target ' "$HOST_DIR/out" || fail "the attacker held no target"
	! grep '^target' "$HOST_DIR/out" | grep -Ev 'seals=0x[0-9a-f]*f mount=|seals=none mount=ro$' ||
		fail "a target is neither a sealed memfd nor on a read-only mount"
	! grep -Eq '^(open-wronly|reopen|write) .* ok$' "$HOST_DIR/out" || fail "a write went through"
}

# entrypoint_exploit: the exploit as published against $WARD. A victim in
# the attacker's pid namespace whose entrypoint names the runtime itself as
# its interpreter, so the runtime executes again as a dumpable process of
# the container; it blocks opening its --log FIFO until the attacker holds
# it, then reads its arguments, fails and exits. The attack must fail.
entrypoint_exploit() {
	mkfifo "$HOST_DIR/fifo"
	chmod 666 "$HOST_DIR/fifo"
	start_attacker
	make_bundle "$TEST_DIR/victim" victim
	install_runtime_libs "$TEST_DIR/victim/rootfs"
	printf '#!/proc/self/exe --log=/host/fifo\n' >"$TEST_DIR/victim/rootfs/evil"
	chmod 755 "$TEST_DIR/victim/rootfs/evil"
	CONFIG=$TEST_DIR/victim/config.json update_config --arg p "/proc/$ATTACKER_PID/ns/pid" --arg h "$HOST_DIR" \
		'.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)
		| .process.args = ["/evil"]
		| .mounts += [{"destination": "/host", "type": "bind", "source": $h, "options": ["rbind", "rw"]}]'
	run ward_detached create -b "$TEST_DIR/victim" victim
	assert_success
	run ward start victim
	assert_success
	wait_for_file 100 0.05 "$HOST_DIR/ready"
	bg_start cat "$HOST_DIR/fifo"
	wait_attack
	assert_targets_immutable
	grep -q '^RESULT failed' "$HOST_DIR/out"
	assert_runtime_intact
}

with_ptrace='.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'

@test "CVE-2019-5736 sanity: the attack program overwrites a running binary outside a container" {
	local bin=$TEST_DIR/sleep pid
	cp "$(command -v busybox)" "$bin"
	cp "$bin" "$bin.orig"
	"$bin" 1000 </dev/null >/dev/null 2>&1 &
	pid=$!
	echo "$pid" >>"$TEST_DIR/bg.pids"
	bg_start "$(sec_tool exe_attack)" victim "$pid" "$TEST_DIR/out" "$TEST_DIR/ready" 10
	wait_for_file 100 0.05 "$TEST_DIR/ready"
	kill -9 "$pid"
	wait_bg "$BG_PID"
	cat "$TEST_DIR/out"
	[ "$status" -eq 0 ] || fail "the attack did not work on an ordinary binary"
	grep -q '^open-wronly .* ETXTBSY' "$TEST_DIR/out" || fail "expected ETXTBSY while it ran"
	grep -q '^RESULT overwritten' "$TEST_DIR/out"
	! cmp -s "$bin" "$bin.orig" || fail "the binary is unchanged"
	grep -q WARD-CVE-2019-5736-PAYLOAD "$bin"
}

@test "CVE-2019-5736: /proc/<pid>/exe of an init joining the attacker's pid namespace cannot be written" {
	use_runtime_copy
	start_attacker "$with_ptrace"
	# The victim joins the attacker's pid namespace (a pod sharing its
	# process namespace). Until `start`, its init is ward itself.
	make_bundle "$TEST_DIR/victim" victim
	CONFIG=$TEST_DIR/victim/config.json update_config --arg p "/proc/$ATTACKER_PID/ns/pid" \
		'.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)
		| .process.args = ["sh", "-c", "sleep 2"]'
	run ward_detached create -b "$TEST_DIR/victim" victim
	assert_success
	wait_for_file 100 0.05 "$HOST_DIR/ready"
	# Now let the init exec: the held descriptor stops being busy.
	run ward start victim
	assert_success
	wait_attack
	# The attacker did reach the runtime's executable...
	# ... and could not write to it, before or after the exec.
	assert_targets_immutable
	grep -q '^RESULT failed' "$HOST_DIR/out"
	assert_runtime_intact
}

@test "CVE-2019-5736: an entrypoint '#!/proc/self/exe' runs ward in the container only from a file that cannot be written" {
	# reachable without any privilege, unlike an init still running ward
	use_runtime_copy
	entrypoint_exploit
}

@test "CVE-2019-5736: without CAP_SYS_PTRACE the container cannot even open the init's exe" {
	use_runtime_copy
	ATTACK_SECONDS=3 start_attacker
	make_bundle "$TEST_DIR/victim" victim
	CONFIG=$TEST_DIR/victim/config.json update_config --arg p "/proc/$ATTACKER_PID/ns/pid" \
		'.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)'
	run ward_detached create -b "$TEST_DIR/victim" victim
	assert_success
	wait_attack
	# The init is not dumpable until it execs: /proc/<pid>/exe is closed
	# to anyone without CAP_SYS_PTRACE.
	grep -q '^RESULT no-target' "$HOST_DIR/out"
	assert_runtime_intact
}

# catch_exec_in_the_act: `ward exec` into the attacker's container until the
# attacker got hold of one (the window lasts until the exec'd process
# replaces ward); every target it held must be immutable.
catch_exec_in_the_act() {
	local i
	for ((i = 0; i < 100; i++)); do
		ward exec attacker true >/dev/null 2>&1 </dev/null
		[ -s "$HOST_DIR/ready" ] && break
	done
	[ -s "$HOST_DIR/ready" ] || skip "the attacker never caught ward exec in the act ($i tries)"
	wait_attack
	assert_targets_immutable
}

has_exec() {
	"$WARD" exec --help >/dev/null 2>&1
}

@test "CVE-2019-5736: ward exec of an entrypoint '#!/proc/self/exe' hands the container only a file that cannot be written" {
	# The original exploit: the container's binary names the runtime as
	# its interpreter, and `runc exec` runs it.
	has_exec || skip "ward exec is not implemented yet"
	use_runtime_copy
	mkfifo "$HOST_DIR/fifo"
	chmod 666 "$HOST_DIR/fifo"
	install_runtime_libs "$BUNDLE/rootfs"
	printf '#!/proc/self/exe --log=/host/fifo\n' >"$BUNDLE/rootfs/evil"
	chmod 755 "$BUNDLE/rootfs/evil"
	start_attacker
	bg_ward exec attacker /evil
	local exec_pid=$BG_PID
	wait_for_file 200 0.05 "$HOST_DIR/ready"
	bg_start cat "$HOST_DIR/fifo"
	wait_attack
	wait_bg "$exec_pid"
	assert_targets_immutable
	grep -q '^RESULT failed' "$HOST_DIR/out"
	assert_runtime_intact
}

@test "CVE-2019-5736: the ward exec process entering the container cannot be written" {
	has_exec || skip "ward exec is not implemented yet"
	use_runtime_copy
	ATTACK_SECONDS=20 start_attacker "$with_ptrace"
	catch_exec_in_the_act
	assert_runtime_intact
}

@test "CVE-2019-5736: ward bound read-only over itself runs without re-executing; '#!/proc/self/exe' still finds only a read-only file" {
	use_runtime_copy
	# As built, on a writable file: every command re-executes.
	make_bundle "$TEST_DIR/probe" probe
	run ward_detached create -b "$TEST_DIR/probe" probe
	assert_success
	[ "$(reexec_route probe)" = mount ] || fail "route $(reexec_route probe): expected a re-exec from a private mount"
	ward delete -f probe
	# As installed: no re-exec, and init's exe is the installed path.
	bind_runtime_readonly
	run ward_detached create -b "$TEST_DIR/probe" probe
	assert_success
	[ "$(reexec_route probe)" = none ] || fail "route $(reexec_route probe): expected no re-exec"
	[ "$(readlink "/proc/$(container_pid probe)/exe")" = "$WARD" ]
	ward delete -f probe

	# The published exploit against the installed binary.
	entrypoint_exploit
}

@test "CVE-2019-5736: ward exec of ward bound read-only over itself hands the container only a read-only file" {
	has_exec || skip "ward exec is not implemented yet"
	use_runtime_copy
	bind_runtime_readonly
	ATTACK_SECONDS=20 start_attacker "$with_ptrace"
	catch_exec_in_the_act
	grep -q '^target .*mount=ro$' "$HOST_DIR/out" || fail "the attacker held no read-only target"
	assert_runtime_intact
}

@test "CVE-2019-5736: ward on a read-only mount that is not a bind of the binary itself still re-executes" {
	# A read-only directory (or filesystem) may be made writable again
	# while a container holds the file: only a bind of the file counts.
	mkdir -p "$TEST_DIR/rodir"
	cp "$WARD" "$TEST_DIR/rodir/ward"
	mount --bind "$TEST_DIR/rodir" "$TEST_DIR/rodir"
	mount -o remount,bind,ro "$TEST_DIR/rodir"
	WARD=$TEST_DIR/rodir/ward
	run ward_detached create -b "$BUNDLE" probe
	assert_success
	[ "$(reexec_route probe)" = mount ] || fail "route $(reexec_route probe): expected a re-exec"
	ward delete -f probe
}

@test "CVE-2019-5736: ward on a tmpfs re-executes from a read-only mount, not a memfd copy, and not at all once bound read-only over itself" {
	# A tmpfs file answers F_GET_SEALS without being sealed: that alone
	# must not send ward to the 1.6 MB copy.
	mkdir -p "$TEST_DIR/tmpfs"
	mount -t tmpfs -o mode=755 tmpfs "$TEST_DIR/tmpfs"
	cp "$WARD" "$TEST_DIR/tmpfs/ward"
	WARD=$TEST_DIR/tmpfs/ward
	run ward_detached create -b "$BUNDLE" probe
	assert_success
	[ "$(reexec_route probe)" = mount ] || fail "route $(reexec_route probe): expected a re-exec from a private mount"
	ward delete -f probe
	mount --bind "$WARD" "$WARD"
	mount -o remount,bind,ro "$WARD"
	run ward_detached create -b "$BUNDLE" probe
	assert_success
	[ "$(reexec_route probe)" = none ] || fail "route $(reexec_route probe): expected no re-exec"
	run sh -c "echo x >> /proc/$(container_pid probe)/exe"
	assert_failure
	ward delete -f probe
}
