#!/usr/bin/env bats
# mounts[]: bind and filesystem mounts, their options, ordering, and that
# destinations stay inside the rootfs.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

# add_mount DEST TYPE SOURCE [OPTION...]
add_mount() {
	local dest=$1 type=$2 src=$3
	shift 3
	local opts
	opts=$(printf '%s\n' "$@" | jq -R . | jq -s 'map(select(. != ""))')
	update_config --arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$opts" \
		'.mounts += [{"destination": $d, "type": $t, "source": $s, "options": $o}]'
}

# The mountinfo line of a mount point inside the container, as "OPTS FSTYPE SUPEROPTS".
mountinfo_of() {
	echo "awk '\$5 == \"$1\" { for (i = 7; \$i != \"-\"; i++); print \$6, \$(i+1), \$(i+3) }' /proc/self/mountinfo"
}

@test "a bind mount shows host files and writes go back to the host" {
	echo from-host >"$HOST_DIR/file"
	add_mount /mnt/data bind "$HOST_DIR" rbind rw
	set_cmd 'cat /mnt/data/file; echo from-container > /mnt/data/back'
	run ward run ct
	assert_success
	assert_output "from-host"
	[ "$(cat "$HOST_DIR/back")" = from-container ] || fail "write did not reach the host"
}

@test "a read-only bind mount refuses writes" {
	echo keep >"$HOST_DIR/file"
	add_mount /mnt/ro bind "$HOST_DIR" rbind ro
	set_cmd "cat /mnt/ro/file; echo x > /mnt/ro/file; $(mountinfo_of /mnt/ro)"
	run ward run ct
	assert_line -n 0 keep
	assert_output_contains "Read-only file system"
	assert_output_matches $'\nro,'
	[ "$(cat "$HOST_DIR/file")" = keep ] || fail "the host file changed"
}

@test "a bind-mounted file appears at a new destination" {
	echo single >"$HOST_DIR/one-file"
	add_mount /etc/injected bind "$HOST_DIR/one-file" bind ro
	set_cmd 'cat /etc/injected; [ -f /etc/injected ] && echo regular'
	run ward run ct
	assert_success
	assert_output $'single\nregular'
}

@test "tmpfs size and mode options are applied" {
	add_mount /scratch tmpfs tmpfs size=2m mode=1770
	set_cmd "stat -c %a /scratch; $(mountinfo_of /scratch)"
	run ward run ct
	assert_success
	assert_line -n 0 1770
	assert_output_contains "tmpfs"
	assert_output_contains "size=2048k"
}

@test "nosuid, nodev and noexec show in mountinfo" {
	add_mount /scratch tmpfs tmpfs nosuid nodev noexec
	set_cmd "$(mountinfo_of /scratch)"
	run ward run ct
	assert_success
	local opts=${output%% *}
	[[ ",$opts," == *,nosuid,* && ",$opts," == *,nodev,* && ",$opts," == *,noexec,* ]] ||
		fail "options: $output"
}

@test "noexec is enforced" {
	add_mount /scratch tmpfs tmpfs noexec
	set_cmd 'cp /bin/busybox /scratch/bb && /scratch/bb true; echo "status $?"'
	run ward run ct
	assert_output_contains "status 126"
}

@test "mount flags: ro, noatime" {
	add_mount /scratch tmpfs tmpfs ro noatime
	set_cmd "touch /scratch/x 2>&1; $(mountinfo_of /scratch)"
	run ward run ct
	assert_success
	assert_line -n 0 "touch: /scratch/x: Read-only file system"
	local opts=${lines[1]%% *}
	[[ ",$opts," == *,ro,* && ",$opts," == *,noatime,* ]] || fail "options: $output"
}

@test "missing mount destinations are created, nested" {
	add_mount /a/b/c tmpfs tmpfs
	set_cmd "$(mountinfo_of /a/b/c)"
	run ward run ct
	assert_success
	assert_output_contains "tmpfs"
}

@test "mounts apply in order: a later mount nests in an earlier one" {
	echo nested >"$HOST_DIR/f"
	add_mount /stack tmpfs tmpfs
	add_mount /stack/inner bind "$HOST_DIR" rbind
	set_cmd 'cat /stack/inner/f'
	run ward run ct
	assert_success
	assert_output nested
}

@test "an absolute symlink in a destination resolves inside the rootfs" {
	mkdir -p "$TEST_DIR/outside"
	ln -s "$TEST_DIR/outside" "$BUNDLE/rootfs/escape"
	add_mount /escape/x tmpfs tmpfs
	set_cmd 'true'
	run ward run ct
	# whatever the runtime decides, nothing may appear outside the rootfs
	[ ! -e "$TEST_DIR/outside/x" ] || fail "the mount target was created outside the rootfs"
	run _leaked_mounts
	assert_output ""
}

@test "a relative symlink climbing out of the rootfs stays inside it" {
	mkdir -p "$TEST_DIR/outside"
	ln -s ../../../../../../../../"$TEST_DIR"/outside "$BUNDLE/rootfs/climb"
	add_mount /climb/y tmpfs tmpfs
	set_cmd 'true'
	run ward run ct
	[ ! -e "$TEST_DIR/outside/y" ] || fail "the mount target was created outside the rootfs"
	run _leaked_mounts
	assert_output ""
}

@test "a mount made inside the container does not reach the host" {
	add_mount /host bind "$HOST_DIR" rbind
	mkdir -p "$HOST_DIR/sub"
	# CAP_SYS_ADMIN and no seccomp filter (ward's default profile denies
	# mount(2)): the container can mount, and that must stay inside
	update_config 'del(.linux.seccomp) | .process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	set_cmd 'mount -t tmpfs inner /host/sub && echo mounted'
	run ward run ct
	assert_success
	assert_output mounted
	! grep -q " $HOST_DIR/sub " /proc/self/mountinfo || fail "the mount propagated to the host"
}

@test "/proc is a fresh procfs of the container's pid namespace" {
	set_cmd 'ls -d /proc/[0-9]* | wc -l; cat /proc/1/comm; true'
	run ward run ct
	assert_success
	[ "${lines[0]}" -le 3 ] || fail "too many processes visible: ${lines[0]}"
	assert_line -n 1 sh
}

@test "the standard filesystems are mounted" {
	set_cmd 'for d in /proc /dev /dev/pts /dev/shm /dev/mqueue /sys; do awk -v d=$d "\$5 == d { for (i = 7; \$i != \"-\"; i++); print d, \$(i+1) }" /proc/self/mountinfo; done'
	run ward run ct
	assert_success
	assert_output $'/proc proc\n/dev tmpfs\n/dev/pts devpts\n/dev/shm tmpfs\n/dev/mqueue mqueue\n/sys sysfs'
}

@test "/sys is read-only" {
	set_cmd 'touch /sys/kernel/x 2>&1; echo done'
	run ward run ct
	assert_output_contains "Read-only file system"
}

@test "the container's root is its own mount, not the host's" {
	touch "$BUNDLE/rootfs/marker-$TEST_NAME"
	set_cmd "ls /; [ -e '$TEST_DIR' ] && echo host-visible || echo host-hidden"
	run ward run ct
	assert_success
	assert_line "marker-$TEST_NAME"
	assert_line "host-hidden"
}
