#!/bin/bash
# Shared setup for the security suites (tests/security/*.bats): the
# integration helpers, plus attack programs, host canaries and a check that
# the host mount table gained nothing. Every suite does:
#
#   load helpers
#   setup() { sec_setup; }
#   teardown() { sec_teardown; }
#
# The suite takes one parameter: WARD_SECURITY_NO_OPENAT2=1 runs every test
# with openat2(2) unavailable to ward (WARD_TEST_NO_OPENAT2=1 in its
# environment), so that the component-by-component fallback resolver is the
# one under attack; statmount(2) goes too (WARD_TEST_NO_STATMOUNT=1), as on
# the kernels that lack openat2, so that a new mount is checked against
# /proc/self/mountinfo:
#
#   bats tests/security                               # openat2
#   WARD_SECURITY_NO_OPENAT2=1 bats tests/security    # fallback walk

SECURITY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../integration/helpers.bash
source "$SECURITY_DIR/../integration/helpers.bash"

if [ "${WARD_SECURITY_NO_OPENAT2:-0}" = 1 ]; then
	export WARD_TEST_NO_OPENAT2=1 WARD_TEST_NO_STATMOUNT=1
	SEC_MODE=no-openat2
else
	unset WARD_TEST_NO_OPENAT2 WARD_TEST_NO_STATMOUNT
	SEC_MODE=openat2
fi

# ---- attack programs ----

# sec_tool NAME [SOURCE]: a C program built static (the container has no
# libc), once per run; prints its path. SOURCE defaults to
# tests/security/tools/NAME.c.
sec_tool() {
	local name=$1 src=${2:-$SECURITY_DIR/tools/$1.c} bin
	bin=$WARD_TEST_TMP/sectools/$name
	(
		flock 9
		mkdir -p "$WARD_TEST_TMP/sectools"
		if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
			gcc -static -O2 -Wall -o "$bin.tmp" "$src" && mv "$bin.tmp" "$bin"
		fi
	) 9>"$WARD_TEST_TMP/.lock-sectools" || return 1
	echo "$bin"
}

# install_tool NAME [SOURCE]: the program at /NAME in the bundle's rootfs.
install_tool() {
	local bin
	bin=$(sec_tool "$@") || return 1
	cp "$bin" "$BUNDLE/rootfs/$1"
}

# ---- the host mount table ----

# "ID MOUNTPOINT" of every mount of the host namespace.
_host_mounts() {
	awk '{ print $1, $5 }' /proc/self/mountinfo | sort
}

# Mounts that appeared on the host since sec_setup.
new_host_mounts() {
	_host_mounts | comm -13 "$TEST_DIR/mounts.before" -
}

assert_no_new_host_mounts() {
	local new
	new=$(new_host_mounts)
	if [ -n "$new" ]; then
		echo "new mounts in the host mount namespace:" >&2
		echo "$new" >&2
		fail "the host mount table changed"
	fi
}

# ---- canaries: host directories an attack aims at ----

# make_canary: a fresh directory outside every bundle (under /tmp, as an
# attacker's symlink would name it) holding one file; prints its path.
# Removed by sec_teardown.
make_canary() {
	local d
	d=$(mktemp -d /tmp/ward-race-canary.XXXXXX) || return 1
	echo "$d" >>"$TEST_DIR/canaries"
	echo canary >"$d/canary"
	chmod 755 "$d"
	_canary_listing "$d" >"$TEST_DIR/canary.$(basename "$d")"
	echo "$d"
}

_canary_listing() {
	find "$1" -printf '%P %y %m %s\n' | sort
	cat "$1/canary" 2>/dev/null
}

# assert_canary_intact DIR: nothing created, changed or mounted in DIR.
assert_canary_intact() {
	local d=$1 now
	now=$(_canary_listing "$d")
	if [ "$now" != "$(cat "$TEST_DIR/canary.$(basename "$d")")" ]; then
		echo "canary $d now holds:" >&2
		echo "$now" >&2
		fail "the host directory $d was changed"
	fi
	if awk -v d="$d" '$5 == d || index($5, d "/") == 1' /proc/self/mountinfo | grep -q .; then
		fail "something is mounted on the host at $d"
	fi
}

# ---- races ----

# start_swapper A B: exchange A and B (a directory and a symlink in a
# rootfs) continuously in the background until stop_swapper.
start_swapper() {
	local bin
	bin=$(sec_tool swapper) || return 1
	"$bin" "$1" "$2" 300 2>>"$TEST_DIR/swapper.log" &
	SWAPPER_PIDS="${SWAPPER_PIDS:-} $!"
	echo "$!" >>"$TEST_DIR/bg.pids"
}

# stop_swapper: stop them all (each ends with the names as they began).
stop_swapper() {
	local p
	for p in ${SWAPPER_PIDS:-}; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	SWAPPER_PIDS=
	cat "$TEST_DIR/swapper.log" 2>/dev/null
}

# ---- setup / teardown ----

sec_setup() {
	setup_bundle || return 1
	_host_mounts >"$TEST_DIR/mounts.before"
}

sec_teardown() {
	local rc=0 new d canaries
	[ -n "${TEST_DIR:-}" ] || return 0
	cd / || true
	# Stop helpers first (swappers), so nothing moves while we look.
	if [ -f "$TEST_DIR/bg.pids" ]; then
		while read -r d; do
			kill -9 "$d" 2>/dev/null
		done <"$TEST_DIR/bg.pids"
	fi
	new=$(new_host_mounts)
	if [ -n "$new" ]; then
		echo "mounts leaked into the host mount namespace:" >&2
		echo "$new" >&2
		rc=1
		# Ours to clean (under the test directory or a canary): lazily
		# unmount them before anything is removed through them.
		while read -r _ d; do
			case "$d" in
			"$TEST_DIR"/* | /tmp/ward-race-canary.*) umount -l "$d" 2>/dev/null ;;
			esac
		done < <(sort -k2 -r <<<"$new")
	fi
	canaries=$(cat "$TEST_DIR/canaries" 2>/dev/null)
	teardown_bundle || rc=1
	for d in $canaries; do
		[[ "$d" == /tmp/ward-race-canary.* ]] && rm -rf --one-file-system "$d"
	done
	return $rc
}
