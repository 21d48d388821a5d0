#!/usr/bin/env bats
# Id-mapped bind mounts (config.md "POSIX-platform Mounts": uidMappings,
# gidMappings, "idmap" and "ridmap"): an id stored on disk as containerID
# is seen through the mount as hostID; without mappings of its own, the
# mount takes the container's user namespace mappings.

load helpers

setup() {
	setup_bundle
	# owned by host root on disk, with a file of uid/gid 0
	SRC=$TEST_DIR/src
	mkdir -p "$SRC" "$BUNDLE/rootfs/mnt"
	chmod 755 "$SRC"
	echo data >"$SRC/file"
	chown 0:0 "$SRC" "$SRC/file"
}
teardown() { teardown_bundle; }

# idmap_mount OPTIONS [UIDMAP GIDMAP]: $SRC at /mnt.
idmap_mount() {
	update_config --arg src "$SRC" --argjson o "$1" --argjson u "${2:-null}" --argjson g "${3:-null}" '
		.mounts += [{destination: "/mnt", type: "bind", source: $src, options: $o}
			+ (if $u then {uidMappings: $u, gidMappings: $g} else {} end)]'
}

@test "idmap: the mount's own mappings change the owners seen inside" {
	requires_ward "idmapped mounts (runc 1.1 has none)"
	idmap_mount '["bind", "idmap"]' '[{"containerID": 0, "hostID": 1000, "size": 1}]' \
		'[{"containerID": 0, "hostID": 2000, "size": 1}]'
	set_cmd 'stat -c %u:%g /mnt /mnt/file; cat /mnt/file'
	run ward run idm1
	assert_success
	assert_output $'1000:2000\n1000:2000\ndata'
	# the host's view is unchanged
	[ "$(stat -c %u:%g "$SRC/file")" = 0:0 ]
}

@test "idmap: a file created through the mount is stored with the source's ids" {
	requires_ward "idmapped mounts"
	idmap_mount '["bind", "idmap"]' '[{"containerID": 0, "hostID": 1000, "size": 1}]' \
		'[{"containerID": 0, "hostID": 2000, "size": 1}]'
	# uid 1000 owns the directory as seen through the mount: it may write
	update_config '.process.user = {uid: 1000, gid: 2000}'
	set_cmd 'touch /mnt/new && stat -c %u:%g /mnt/new'
	run ward run idm2
	assert_success
	assert_output "1000:2000"
	[ "$(stat -c %u:%g "$SRC/new")" = 0:0 ] || fail "on the host: $(stat -c %u:%g "$SRC/new")"
	# an id outside the mapping cannot own anything there
	update_config '.process.user = {uid: 1001, gid: 2000}'
	set_cmd 'touch /mnt/other'
	run ward run idm2b
	assert_failure
}

@test "idmap: without mappings, the container's user namespace ones" {
	requires_ward "idmapped mounts"
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	# the control: a plain bind shows host root as the overflow id
	update_config --arg src "$SRC" '.mounts += [{destination: "/plain", type: "bind", source: $src,
		options: ["bind"]}]'
	mkdir -p "$BUNDLE/rootfs/plain"
	idmap_mount '["bind", "idmap"]'
	chown -R 100000:200000 "$BUNDLE/rootfs"
	set_cmd 'stat -c %u:%g /plain/file /mnt/file; touch /mnt/byroot && stat -c %u:%g /mnt/byroot'
	run ward run idm3
	assert_success
	assert_output $'65534:65534\n0:0\n0:0'
	# container root's file is host root's on disk, not 100000's
	[ "$(stat -c %u:%g "$SRC/byroot")" = 0:0 ] || fail "on the host: $(stat -c %u:%g "$SRC/byroot")"
}

@test "idmap: ridmap maps the submounts of an rbind, idmap only its top" {
	requires_ward "idmapped mounts"
	local sub=$SRC/sub m
	mkdir -p "$sub"
	# a submount of the source, in a private mount namespace of our own
	m='[{"containerID": 0, "hostID": 1000, "size": 1}]'
	update_config --arg src "$SRC" --argjson m "$m" '.mounts += [
		{destination: "/mnt", type: "bind", source: $src, options: ["rbind", "ridmap"],
		 uidMappings: $m, gidMappings: $m},
		{destination: "/top", type: "bind", source: $src, options: ["rbind", "idmap"],
		 uidMappings: $m, gidMappings: $m}]'
	mkdir -p "$BUNDLE/rootfs/top"
	set_cmd 'stat -c %u /mnt/sub/x /top/x /top/sub/x'
	run unshare -m --propagation private sh -c '
		mount -t tmpfs tmpfs "$1" && touch "$1/x" && touch "$2/x" && shift 2 && exec "$@"' \
		sh "$sub" "$SRC" "$WARD" --root "$WARD_ROOT" run idm4
	assert_success
	assert_output $'1000\n1000\n0'
}

@test "idmap: refused where it cannot apply" {
	requires_ward "idmapped mounts"
	# mappings come in pairs
	update_config --arg src "$SRC" '.mounts += [{destination: "/mnt", type: "bind", source: $src,
		options: ["bind", "idmap"], uidMappings: [{containerID: 0, hostID: 1000, size: 1}]}]'
	set_cmd true
	run ward run idm5
	assert_failure
	# no mappings and no user namespace
	update_config '.mounts[-1] |= del(.uidMappings)'
	run ward run idm6
	assert_failure
	assert_output_contains "idmap"
	# not a bind mount
	update_config '.mounts[-1] = {destination: "/mnt", type: "tmpfs", source: "tmpfs", options: ["idmap"],
		uidMappings: [{containerID: 0, hostID: 1000, size: 1}], gidMappings: [{containerID: 0, hostID: 1000, size: 1}]}'
	run ward run idm7
	assert_failure
	assert_output_contains "bind mounts only"
}
