#!/bin/bash
# The one test command: build ward, run the C unit tests (`make check`) and
# every bats suite in tests/integration, and end with a single line
#
#   N passed, N failed, N skipped
#
# counted from the TAP of all of them. Exits non-zero if anything failed.
#
#   tests/run.sh [CONFIGURE ARGS...]     e.g. tests/run.sh --enable-asan
#
# Environment:
#   WARD_BUILD_DIR  build directory (default: _build/tests in the source tree)
#   WARD            runtime the bats suites drive (default: the ward just
#                   built; WARD=runc checks the suites against runc)
#   BATS_FILTER     only bats tests whose name matches this regex
#   SUITES          bats files to run (default: tests/integration/*.bats)
#
# Besides the tests it checks that the host mount table is the same after
# the run as before (one extra check), and removes the ward-test cgroup
# parent that the suites put their containers under.
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
build=${WARD_BUILD_DIR:-$src/_build/tests}
jobs=$(nproc 2>/dev/null || echo 2)

passed=0
failed=0
skipped=0

# Every failure is also collected here and listed again just before the
# summary line, so that the end of a long log says what failed.
recap=$(mktemp /tmp/ward-recap.XXXXXX)
say() {
	printf '%s\n' "$*"
	case "$*" in "not ok"*) printf '%s\n' "$*" >>"$recap" ;; esac
}
# note_failures: the failed tests of a TAP stream on stdin, into the recap.
note_failures() { grep '^not ok' >>"$recap" || true; }

summary_and_exit() {
	printf '# run time: %ss\n' "$SECONDS"
	if [ -s "$recap" ]; then
		printf '# failed:\n'
		sed 's/^/#   /' "$recap"
	fi
	rm -f "$recap"
	say "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

# count_tap FILE: add a TAP stream's results to the totals. A plan that
# promises more tests than were reported counts the missing ones as failed
# (a suite that died half-way).
count_tap() {
	local f=$1 p=0 x=0 s=0 planned=-1 counted n
	while IFS= read -r line; do
		case "$line" in
		"ok "* | ok)
			if [[ "$line" =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then
				s=$((s + 1))
			else
				p=$((p + 1))
			fi
			;;
		"not ok"*)
			if [[ "$line" =~ \#[[:space:]]*[Tt][Oo][Dd][Oo] ]]; then
				s=$((s + 1))
			else
				x=$((x + 1))
			fi
			;;
		1..*)
			# Several TAP streams may share a file: their plans add up.
			n=${line#1..}
			n=${n%% *}
			if [[ "$n" =~ ^[0-9]+$ ]]; then
				[ "$planned" -lt 0 ] && planned=0
				planned=$((planned + n))
			fi
			;;
		esac
	done <"$f"
	counted=$((p + x + s))
	if [ "$planned" -gt "$counted" ]; then
		say "# $(basename "$f"): planned $planned tests, saw $counted"
		x=$((x + planned - counted))
	fi
	passed=$((passed + p))
	failed=$((failed + x))
	skipped=$((skipped + s))
	TAP_FAILED=$x
	TAP_COUNTED=$((p + x + s))
}

# ---- build ----

say "# build: $build ${*:+(configure $*)}"
if [ ! -x "$src/configure" ] || [ "$src/configure.ac" -nt "$src/configure" ]; then
	(cd "$src" && autoreconf -fi) >/dev/null 2>&1 || {
		say "not ok - autoreconf failed"
		failed=$((failed + 1))
		summary_and_exit
	}
fi
mkdir -p "$build"
# Re-configure when the arguments change (e.g. adding --enable-asan).
if [ ! -f "$build/config.status" ] || [ "$(cat "$build/.configure-args" 2>/dev/null)" != "$*" ]; then
	if ! (cd "$build" && "$src/configure" -q "$@") >"$build/configure.out" 2>&1; then
		cat "$build/configure.out"
		say "not ok - configure failed"
		failed=$((failed + 1))
		summary_and_exit
	fi
	printf '%s' "$*" >"$build/.configure-args"
fi
if ! make -C "$build" -j"$jobs" >"$build/make.out" 2>&1; then
	tail -n 60 "$build/make.out"
	say "not ok - make failed"
	failed=$((failed + 1))
	summary_and_exit
fi
if grep -E 'warning:' "$build/make.out"; then
	say "# build warnings above"
fi

# ---- C unit tests ----

say "# make check"
stamp=$build/.check-stamp
touch "$stamp"
make -C "$build" -j"$jobs" check >"$build/check.out" 2>&1
check_rc=$?
# Each unit test writes TAP to its .log; the .trs holds the harness's
# verdict, which also catches a crash after the last TAP line.
while IFS= read -r trs; do
	log=${trs%.trs}.log
	name=${log#"$build"/}
	name=${name%.log}
	TAP_FAILED=0
	TAP_COUNTED=0
	if [ -f "$log" ]; then
		grep -E '^(ok|not ok|1\.\.)' "$log" >"$log.tap"
		sed -nE "s|^(ok\|not ok)( [0-9]+)?|\1 $name:|p" "$log.tap"
		sed -nE "s|^(not ok)( [0-9]+)?|\1 $name:|p" "$log.tap" | note_failures
		count_tap "$log.tap"
	fi
	verdict=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
	case "$verdict" in
	FAIL | ERROR | XPASS)
		if [ "$TAP_FAILED" -eq 0 ]; then
			say "not ok $name: exited with $verdict"
			failed=$((failed + 1))
		fi
		;;
	SKIP)
		[ "$TAP_COUNTED" -eq 0 ] && { say "ok $name # skip"; skipped=$((skipped + 1)); }
		;;
	PASS | XFAIL)
		[ "$TAP_COUNTED" -eq 0 ] && { say "ok $name"; passed=$((passed + 1)); }
		;;
	esac
done < <(find "$build" -name '*.trs' -newer "$stamp" | sort)
if [ "$check_rc" -ne 0 ] && ! grep -q ':test-result:' <(find "$build" -name '*.trs' -newer "$stamp" -exec cat {} +); then
	tail -n 40 "$build/check.out"
	say "not ok - make check failed before running tests"
	failed=$((failed + 1))
fi

# ---- integration suites ----

export WARD=${WARD:-$build/ward}
export WARD_BUILD_DIR=$build
WARD_TEST_TMP=$(mktemp -d /tmp/ward-test.XXXXXX)
chmod 755 "$WARD_TEST_TMP"
export WARD_TEST_TMP
# A hung test fails instead of stalling the run.
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-180}

SUITE_TIMEOUT=${SUITE_TIMEOUT:-1200}

# Containers a killed suite left: force-delete them (each test's state root
# is $WARD_TEST_TMP/t.*/state).
sweep_containers() {
	local root id
	for root in "$WARD_TEST_TMP"/t.*/state; do
		[ -d "$root" ] || continue
		for id in $(timeout 30 "$WARD" --root "$root" list -q 2>/dev/null); do
			timeout 30 "$WARD" --root "$root" delete -f "$id" >/dev/null 2>&1
		done
	done
}

cleanup() {
	rm -f "$recap"
	sweep_containers
	rm -rf --one-file-system "$WARD_TEST_TMP"
}
trap cleanup EXIT

# The cgroup v2 suites run in a QEMU guest whose only hierarchy is cgroup2
# (this host is v1/hybrid), and so do the checkpoint/restore tests. WARD=runc leaves ward out of the guest. The
# guest touches nothing on this host, so it runs in the background while the
# host suites run; vm_finish collects its results at the end. Each guest run
# is a line "LABEL TIMEOUT COMMAND..." in vm_runs below.
vm_pid=
vm_start() {
	local w=$WARD
	if ! command -v qemu-system-x86_64 >/dev/null || ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
		say "ok vm # skip qemu-system-x86 or linux-image-amd64 not installed"
		skipped=$((skipped + 1))
		return
	fi
	[[ $(basename "$WARD") == runc* ]] && w=none
	say "# vm: cgroup v2 guest, in the background"
	(
		"$src"/tests/vm/run.sh -q -w "$w" -T 900 </dev/null \
			>"$WARD_TEST_TMP/vm.tap" 2>"$WARD_TEST_TMP/vm.err"
		echo $? >"$WARD_TEST_TMP/vm.rc"
		[ "$w" = none ] && exit 0
		# The same resource suites as on this host, and egress on the
		# unified hierarchy alone, now on cgroup v2. The guest has no
		# compiler: the unit test, the egress probe and GNU tools come
		# along prebuilt.
		gcc -static -O2 -o "$WARD_TEST_TMP/egress_probe" "$src"/tests/tools/egress_probe.c
		"$src"/tests/vm/run.sh -q -T 2400 -t "$src"/tests/integration -w "$w" \
			-b /usr/bin/ps -b /usr/bin/flock -b /usr/bin/rm -b "$build/tests/unit/test_cgroup" \
			-b "$WARD_TEST_TMP/egress_probe" -a "$src/contrib/policy:/contrib/policy" \
			-- bash -c 'test_cgroup; bats --tap /tests/{cgroups,cgroup_safety,device_cgroup,ps,pause,update,events,policy_egress}.bats' \
			</dev/null >"$WARD_TEST_TMP/vm-v2.tap" 2>"$WARD_TEST_TMP/vm-v2.err"
		echo $? >"$WARD_TEST_TMP/vm-v2.rc"
		vm_criu >"$WARD_TEST_TMP/vm-criu.tap" 2>"$WARD_TEST_TMP/vm-criu.err"
		echo $? >"$WARD_TEST_TMP/vm-criu.rc"
	) &
	vm_pid=$!
}

# Checkpoint/restore for real: Debian's criu fails `criu check` on this
# host's kernel but works on the guest's, where a criu that cannot work is
# a failure (WARD_TEST_REQUIRE_CRIU). After vm-v2, not beside it: the guest
# lanes together take less time than the host suites, and a second QEMU
# would take a core from them. criu needs the socket-diag modules, tun,
# veth, and nf_tables (with a crc32c for libcrc32c) for its network lock.
vm_criu() {
	local p
	for p in criu tar iproute2 iptables; do
		if ! dpkg-query -W "$p" >/dev/null 2>&1; then
			echo "1..1"
			echo "ok 1 checkpoint_criu # skip package $p not installed"
			return 0
		fi
	done
	# The guest has no compiler: recvtty comes prebuilt.
	mkdir -p "$WARD_TEST_TMP/vm-criu" &&
		cc -O2 -o "$WARD_TEST_TMP/vm-criu/recvtty" "$src/tests/tools/recvtty.c" || return 1
	# The shim's tests (its checkpoint, and its cgroup v2 paths in
	# shim_cgroup2.bats, here because this lane carries them already) drive
	# it over ttrpc from python3: the shim beside ward, the interpreter and
	# Debian's minimal standard library (a few MiB). Without the criu
	# packages above the whole lane skips, shim_cgroup2.bats with it.
	local shim py pyv f d shim_args=()
	shim=$(dirname "$WARD")/containerd-shim-ward-v2
	py=$(readlink -f /usr/bin/python3 2>/dev/null) || py=
	pyv=${py##*/}
	if [ -x "$shim" ] && [ -x "$py" ] && dpkg-query -W "lib$pyv-minimal" >/dev/null 2>&1; then
		while read -r f; do
			[ -f "$f" ] || continue
			d=$WARD_TEST_TMP/vm-criu/pylib/${f#/usr/lib/"$pyv"/}
			mkdir -p "${d%/*}" && cp -a "$f" "$d"
		done < <(dpkg -L "lib$pyv-minimal" | grep "^/usr/lib/$pyv/")
		shim_args=(-b "$shim:/usr/local/bin/containerd-shim-ward-v2" -b "$py:/usr/bin/python3"
			-a "$WARD_TEST_TMP/vm-criu/pylib:/usr/lib/$pyv"
			-a "$src/tests/tools/ttrpc_probe.py:/tests/tools/ttrpc_probe.py"
			-a "$src/tests/tools/shim_cgroup2_probe.py:/tests/tools/shim_cgroup2_probe.py")
	fi
	"$src"/tests/vm/run.sh -q -T 1800 -t "$src"/tests/integration -w "$WARD" "${shim_args[@]}" \
		-b /usr/bin/flock -b /usr/bin/rm -b /usr/bin/ps -b "$WARD_TEST_TMP/vm-criu/recvtty" \
		-P criu -P tar -P iproute2 -P iptables \
		-m unix_diag -m inet_diag -m tcp_diag -m udp_diag -m netlink_diag -m af_packet_diag \
		-m tun -m veth -m crc32c_generic -m nf_tables \
		-e RECVTTY=/usr/local/bin/recvtty -e WARD_TEST_REQUIRE_CRIU=1 \
		-- bats --tap /tests/checkpoint_criu.bats /tests/shim_cgroup2.bats </dev/null
}

vm_finish() {
	local label
	[ -n "$vm_pid" ] || return 0
	say "# vm: waiting for the guest runs"
	wait "$vm_pid"
	for label in vm vm-v2 vm-criu; do
		[ -f "$WARD_TEST_TMP/$label.rc" ] || continue
		say "# vm: $label"
		vm_count "$label" "$WARD_TEST_TMP/$label.tap" "$(cat "$WARD_TEST_TMP/$label.rc")"
	done
}

vm_count() {
	local label=$1 out=$2 rc=$3
	sed "s/^\(ok\|not ok\) [0-9]* /\1 $label: /" "$out"
	sed "s/^\(not ok\) [0-9]* /\1 $label: /" "$out" | note_failures
	count_tap "$out"
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$out"; then
		tail -n 20 "$WARD_TEST_TMP/$label.err"
		say "not ok $label: guest run failed (rc $rc)"
		failed=$((failed + 1))
	fi
}

mounts_before=$WARD_TEST_TMP/mountinfo.before
cat /proc/self/mountinfo >"$mounts_before"

# Cgroups under ward-test (on every hierarchy), to spot ones the run leaves.
test_cgroups() {
	local d
	for d in /sys/fs/cgroup/*/ward-test /sys/fs/cgroup/ward-test; do
		[ -d "$d" ] && find "$d" -mindepth 1 -type d 2>/dev/null
	done
	return 0
}
cgroups_before=$WARD_TEST_TMP/cgroups.before
test_cgroups >"$cgroups_before"

bats_args=(--tap)
[ -n "${BATS_FILTER:-}" ] && bats_args+=(--filter "$BATS_FILTER")

# run_suite LABEL FILE [VAR=VALUE...]: one bats file, its TAP prefixed with
# LABEL so that the same test run in two modes stays distinguishable.
run_suite() {
	local name=$1 suite=$2 out rc start=$SECONDS
	shift 2
	say "# bats: $name"
	out=$WARD_TEST_TMP/$name.tap
	# To a file, not a pipe: a container that leaked the stream could hold a
	# pipe open forever. The suite timeout is a last resort (each test has
	# a watchdog, see helpers.bash).
	env "$@" timeout -k 10 "$SUITE_TIMEOUT" bats "${bats_args[@]}" "$suite" </dev/null >"$out" 2>&1
	rc=$?
	sed "s/^\(ok\|not ok\) [0-9]* /\1 $name: /" "$out"
	sed "s/^\(not ok\) [0-9]* /\1 $name: /" "$out" | note_failures
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		say "not ok $name: suite killed after ${SUITE_TIMEOUT}s"
		echo "not ok - timeout" >>"$out"
	fi
	count_tap "$out"
	sweep_containers
	say "# $name: $((SECONDS - start))s"
}

if [ -n "${SUITES:-}" ]; then
	read -r -a suites <<<"$SUITES"
	for suite in "${suites[@]}"; do
		run_suite "$(basename "$suite" .bats)" "$suite"
	done
else
	vm_start
	for suite in "$src"/tests/integration/*.bats; do
		run_suite "$(basename "$suite" .bats)" "$suite"
	done
	for suite in "$src"/tests/security/*.bats; do
		run_suite "security-$(basename "$suite" .bats)" "$suite"
	done
	# The escape regressions that attack path resolution, a second time
	# with openat2 made unavailable to ward: the fallback resolver must be
	# as safe. Those suites say so in a comment.
	for suite in $(grep -l 'WARD_SECURITY_NO_OPENAT2=1' "$src"/tests/security/*.bats); do
		run_suite "security-no-openat2-$(basename "$suite" .bats)" "$suite" \
			WARD_SECURITY_NO_OPENAT2=1
	done
	vm_finish
fi

# ---- the host is as we found it ----

cat /proc/self/mountinfo >"$WARD_TEST_TMP/mountinfo.after"
if diff -u "$mounts_before" "$WARD_TEST_TMP/mountinfo.after" >"$WARD_TEST_TMP/mountinfo.diff"; then
	say "ok host: mount table unchanged"
	passed=$((passed + 1))
else
	cat "$WARD_TEST_TMP/mountinfo.diff"
	say "not ok host: mount table changed during the tests"
	failed=$((failed + 1))
fi

# Only cgroups of this run's tests count (others may share the machine).
left=""
for d in $(test_cgroups); do
	grep -qxF "$d" "$cgroups_before" && continue
	name=$(basename "$d")
	grep -qxF "${name%-*}" "$WARD_TEST_TMP/tests.list" 2>/dev/null && left="$left $d"
done
# The parent goes too once it is empty (another run may still use it).
for d in /sys/fs/cgroup/*/ward-test /sys/fs/cgroup/ward-test; do
	[ -d "$d" ] && rmdir "$d" 2>/dev/null
done
if [ -z "$left" ]; then
	say "ok host: no cgroups left under ward-test"
	passed=$((passed + 1))
else
	say "not ok host: cgroups left under ward-test:$left"
	failed=$((failed + 1))
fi

summary_and_exit
