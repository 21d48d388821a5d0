#!/usr/bin/env bats
# The suites that attack path resolution run twice: with openat2(2) and
# with the fallback walk (tests/run.sh sets WARD_SECURITY_NO_OPENAT2=1, see
# helpers.bash). This checks that the parameter really reaches ward and
# selects the resolver, so that the second run attacks the fallback and not
# openat2 again.

load helpers

setup() { sec_setup; }
teardown() { sec_teardown; }

@test "the path resolver under attack is the one this run selects ($SEC_MODE)" {
	command -v strace >/dev/null || skip "strace is not installed"
	bind_host_dir
	update_config '.mounts += [{"destination": "/a/b/c", "type": "tmpfs", "source": "tmpfs"}]'
	# strace -f waits for every traced process: a container that exits.
	update_config '.process.args = ["true"]'
	run timeout 60 strace -f -qq -e trace=openat2 -o "$TEST_DIR/strace.out" "$WARD" --root "$WARD_ROOT" run ct
	assert_success
	local n
	n=$(grep -c 'RESOLVE_IN_ROOT' "$TEST_DIR/strace.out" || true)
	echo "mode $SEC_MODE: $n openat2(RESOLVE_IN_ROOT) calls"
	if [ "$SEC_MODE" = no-openat2 ]; then
		[ "$n" -eq 0 ] || fail "ward used openat2 although WARD_TEST_NO_OPENAT2=1"
	else
		[ "$n" -gt 0 ] || fail "ward never used openat2"
	fi
}
