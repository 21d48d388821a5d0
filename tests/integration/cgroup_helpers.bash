#!/bin/bash
# Helpers for the resource-control suites (cgroups, devices, ps, pause,
# update, events), on top of helpers.bash: where a controller lives on this
# host (v1, v2, or either on a hybrid host) and the files of a test
# container's cgroup. Load after helpers:
#
#   load helpers
#   load cgroup_helpers

# The cgroupsPath make_bundle gives bundle NAME (default main).
cg_path() {
	echo "/$CGROUP_PARENT/$TEST_NAME-${1:-main}"
}

# cgroup2 mount point ("" if none).
cg_v2_root() {
	awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo
}

# The v1 mount point of CONTROLLER ("" if not mounted as v1).
cg_v1_mount() {
	awk -v c="$1" '$0 ~ / - cgroup / {
		n = split($NF, o, ",")
		for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit }
	}' /proc/self/mountinfo
}

# The v2 name of a v1 controller.
_cg_v2_name() {
	case $1 in
	blkio) echo io ;;
	*) echo "$1" ;;
	esac
}

# cg_is_v2 CONTROLLER: the controller is driven through cgroup2 here.
cg_is_v2() {
	local root
	[ -z "$(cg_v1_mount "$1")" ] || return 1
	root=$(cg_v2_root)
	[ -n "$root" ] && grep -qw "$(_cg_v2_name "$1")" "$root/cgroup.controllers"
}

# cg_has CONTROLLER: available at all (v1 mount or offered by cgroup2).
cg_has() {
	[ -n "$(cg_v1_mount "$1")" ] || cg_is_v2 "$1"
}

# A pure cgroup v2 host.
cg_pure_v2() {
	[ -f /sys/fs/cgroup/cgroup.controllers ]
}

# cg_dir CONTROLLER [NAME]: the host directory of the container's cgroup.
cg_dir() {
	local m
	m=$(cg_v1_mount "$1")
	[ -n "$m" ] || m=$(cg_v2_root)
	echo "$m$(cg_path "${2:-main}")"
}

# cg_read CONTROLLER FILE [NAME]: the first line of a file of the cgroup.
cg_read() {
	head -n 1 "$(cg_dir "$1" "${3:-main}")/$2"
}

# assert_cg CONTROLLER FILE EXPECTED [NAME]
assert_cg() {
	local got
	got=$(cg_read "$1" "$2" "${4:-main}") || fail "cannot read $1 $2"
	assert_equal "$got" "$3" "$2"
}

# requires_cg CONTROLLER...: skip unless each controller is available.
requires_cg() {
	local c
	for c in "$@"; do
		cg_has "$c" || skip "no $c cgroup controller on this host"
	done
}

# set_resources JQ-EXPR: set .linux.resources fields, e.g.
#   set_resources '.memory = {"limit": 33554432}'
set_resources() {
	update_config ".linux.resources |= ((. // {}) | $1)"
}

# Every cgroup directory on the host ending in PATH.
cg_dirs_of() {
	local root m
	while read -r m; do
		[ -d "$m$1" ] && echo "$m$1"
	done < <(awk '$0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo)
}

# A block device of the host as MAJ:MIN ("" if none).
some_block_device() {
	local d
	for d in /sys/block/*; do
		case ${d##*/} in zram*) continue ;; esac
		[ -r "$d/dev" ] && { cat "$d/dev"; return 0; }
	done
	return 0
}

# run_ct [NAME]: `run -d` the bundle in the current directory as NAME (ct).
run_ct() {
	run ward_detached run -d "${1:-ct}"
	assert_success
}
