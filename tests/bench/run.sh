#!/bin/bash
# Start-up benchmark: ward side by side with crun and runc (whichever are
# installed) on the same bundle, and a floor probe (clone3 with the same
# namespaces + pivot_root + /proc + exec, no runtime at all). A measurement,
# not a test: it never fails on the numbers.
#
#   tests/bench/run.sh [WARD]            (make bench)
#   N=50 tests/bench/run.sh              runs per case (default 30)
#   SCALE=1000 tests/bench/run.sh        also: create cost with 0..SCALE
#                                        containers already created
#   CASES="run exec" tests/bench/run.sh  a subset of: run split exec shmem scale
#
# Cases (median and p90 wall time of the runtime command, interleaved
# between runtimes, alternating the order):
#   run b2b / run iso     `run` of /bin/true (create+start+wait+delete),
#                         back to back, or after 50 ms of idle time
#   ... +seccomp          the same with ward's default seccomp profile
#                         (the same config.json for every runtime)
#   create/start/delete   the three steps of a lifecycle, timed apart
#   exec b2b / exec iso   `exec` of /bin/true in a running container
#   shmem                 Shmem (/proc/meminfo) per created, not started
#                         container, over 20 of them
#   scale                 create with 0, SCALE/2, SCALE others created,
#                         beside crun, the floor probe and a CPU-bound
#                         reference (SCALE_ROUNDS, SCALE_SAMPLES per point,
#                         SCALE_IDLE ms before each create)
# Debian's crun refuses hybrid cgroup hosts: it runs in a private mount
# namespace where the cgroup2 mount is hidden (its v1 controllers all stay).
#
# "ward" runs as contrib/install.sh installs it: bound read-only over
# itself, so that it never re-executes itself. "ward-rx" is the same binary
# as built, which re-executes from a private read-only mount on every
# command (CVE-2019-5736); REEXEC=0 leaves it out.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
ward=${1:-${WARD:-$src/_build/tests/ward}}
tool=${BENCHTOOL:-$(dirname "$ward")/tests/bench/benchtool}
n=${N:-30}
scale=${SCALE:-0}
cases=${CASES:-run split exec shmem scale}
idle_ms=50

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (containers)"
# In a mount namespace of its own: the read-only bind of ward below, and
# crun's namespace, go away with it.
if [ -z "${WARD_BENCH_PRIVATE:-}" ]; then
	WARD_BENCH_PRIVATE=1 exec unshare -m --propagation private "$0" "$@"
fi
[ -x "$ward" ] || die "no ward binary at $ward (build first, or pass its path)"
[ -x "$tool" ] || die "no benchtool at $tool (make -C _build/tests tests/bench/benchtool)"
busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
command -v jq >/dev/null || die "jq not found"

runtimes=(ward)
[ "${REEXEC:-1}" = 0 ] || runtimes+=(ward-rx)
crun=$(command -v crun || true)
runc=$(command -v runc || true)
[ -n "$crun" ] && runtimes+=(crun)
[ -n "$runc" ] && runtimes+=(runc)

work=$(mktemp -d /tmp/ward-bench.XXXXXX)
chmod 755 "$work"
# The runtimes' state roots on a tmpfs, as /run is on a node (/run/runc,
# /run/crun, /run/ward): a host without systemd may have /run on its root
# disk, where each state file created costs a disk inode.
roots=$work
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
	roots=$(mktemp -d /dev/shm/ward-bench.XXXXXX)
fi
# ward as installed (see above); the build itself is ward-rx.
ward_rx=$ward
cp "$ward" "$work/ward"
ward=$work/ward
mount --bind "$ward" "$ward"
mount -o remount,bind,ro,nosuid,nodev "$ward"
nsholder=
cleanup() {
	local rt id d
	for rt in "${runtimes[@]}"; do
		for id in $(rt_cmd "$rt" list -q 2>/dev/null); do
			rt_cmd "$rt" delete -f "$id" >/dev/null 2>&1 || true
		done
	done
	[ -n "$nsholder" ] && kill "$nsholder" 2>/dev/null
	for d in /sys/fs/cgroup/*/ward-test/bench-$$-*/* /sys/fs/cgroup/*/ward-test/bench-$$-*; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	umount "$ward" 2>/dev/null
	rm -rf --one-file-system "$work"
	[ "$roots" = "$work" ] || rm -rf --one-file-system "$roots"
}
trap cleanup EXIT

bin_of() { case $1 in ward) echo "$ward" ;; ward-rx) echo "$ward_rx" ;; crun) echo "$crun" ;; runc) echo "$runc" ;; esac; }

# crun's mount namespace: a sleeping process holding it.
if [ -n "$crun" ] && mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
	unshare -m --propagation private sh -c \
		'umount -l /sys/fs/cgroup/unified && touch '"$work"'/ns-ready && exec sleep 1000000' &
	nsholder=$!
	for ((i = 0; i < 100; i++)); do [ -e "$work/ns-ready" ] && break; sleep 0.05; done
	[ -e "$work/ns-ready" ] || die "could not prepare crun's mount namespace"
fi
ns_args() { [ "$1" = crun ] && [ -n "$nsholder" ] && echo "-n /proc/$nsholder/ns/mnt"; true; }

# rt_cmd RT ARGS...: a runtime command, untimed.
rt_cmd() {
	local rt=$1
	shift
	if [ "$rt" = crun ] && [ -n "$nsholder" ]; then
		nsenter --mount="/proc/$nsholder/ns/mnt" "$crun" --root "$roots/root-crun" "$@"
	else
		"$(bin_of "$rt")" --root "$roots/root-$rt" "$@"
	fi
}

# The rootfs: busybox with its applet links. One bundle per runtime and
# profile, all sharing the rootfs and ward's default config (with its
# seccomp profile, or without .linux.seccomp).
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp}
cp "$busybox" "$rootfs/bin/busybox"
chroot "$rootfs" /bin/busybox --install -s
(cd "$work" && "$ward" spec)
for rt in "${runtimes[@]}"; do
	for prof in plain sec; do
		b=$work/bundle-$rt-$prof
		mkdir -p "$b"
		jq --arg r "$rootfs" --arg cg "/ward-test/bench-$$-$rt" --arg p "$prof" '
			.ociVersion = "1.0.2" | .root.path = $r | .root.readonly = true | .process.terminal = false
			| .process.args = ["/bin/true"] | .linux.cgroupsPath = $cg
			| if $p == "plain" then del(.linux.seccomp) else . end' \
			"$work/config.json" >"$b/config.json"
	done
done
sleeper_bundle() { # RT NAME: a bundle whose process sleeps, in a cgroup of its own
	local b=$work/bundle-$1-$2
	mkdir -p "$b"
	jq --arg cg "/ward-test/bench-$$-$1-$2" '.process.args = ["/bin/sleep", "1000000"]
		| .linux.cgroupsPath = $cg' "$work/bundle-$1-sec/config.json" >"$b/config.json"
	echo "$b"
}

# timed RT OUTFILE IDLE ARGS...: one runtime command; appends its sample.
timed() {
	local rt=$1 out=$2 idle=$3 line
	shift 3
	# shellcheck disable=SC2046
	line=$("$tool" time $(ns_args "$rt") -i "$idle" -- "$(bin_of "$rt")" \
		--root "$roots/root-$rt" "$@" </dev/null 2>"$work/err") || die "benchtool failed"
	if [ "${line##* }" != 0 ]; then
		cat "$work/err" >&2
		die "$rt $* failed"
	fi
	echo "${line% *}" >>"$out"
}

# pct FILE P [COL]: the P-th percentile (nearest rank) of column COL
# (default 1: wall time; 3: CPU time), in ms.
pct() {
	local count rank
	count=$(wc -l <"$1")
	rank=$(((count * $2 + 99) / 100))
	((rank < 1)) && rank=1
	awk -v c="${3:-1}" '{ print $c }' "$1" | sort -n | sed -n "${rank}p" |
		awk '{ printf "%.2f", $1 / 1e6 }'
}
# growth FROM TO COL: the change of the median from one file to the other.
growth() {
	awk -v a="$(pct "$1" 50 "$3")" -v b="$(pct "$2" 50 "$3")" \
		'BEGIN { if (a > 0) printf "%+.1f%%", (b / a - 1) * 100; else printf "-" }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

# report TITLE FLOORFILE PREFIX: one table, samples in $work/PREFIX-RT.
report() {
	local title=$1 floor=$2 prefix=$3 rt w f
	w=$(pct "$work/$prefix-ward" 50)
	echo
	echo "== $title ($n runs each)"
	printf '%-7s %10s %10s %10s\n' runtime "median ms" "p90 ms" "rss KiB"
	for rt in "${runtimes[@]}"; do
		printf '%-7s %10s %10s %10s\n' "$rt" "$(pct "$work/$prefix-$rt" 50)" \
			"$(pct "$work/$prefix-$rt" 90)" \
			"$(awk '{ print $2 }' "$work/$prefix-$rt" | sort -n | tail -n 1)"
	done
	if [ -n "$floor" ]; then
		f=$(pct "$floor" 50)
		printf '%-7s %10s %10s\n' floor "$f" "$(pct "$floor" 90)"
	fi
	printf 'ratios:'
	for rt in "${runtimes[@]}"; do
		[ "$rt" = ward ] && continue
		printf ' ward/%s %s' "$rt" "$(ratio "$w" "$(pct "$work/$prefix-$rt" 50)")"
	done
	[ -n "$floor" ] && printf ' ward/floor %s' "$(ratio "$w" "$f")"
	echo
}

# order I: the runtimes, rotated by I, so that none always goes first.
order() {
	local i=$1 k=${#runtimes[@]} j
	for ((j = 0; j < k; j++)); do echo "${runtimes[(i + j) % k]}"; done
}

echo "ward start-up benchmark: $(nproc) cpus, $(uname -r), cgroup $(
	[ -e /sys/fs/cgroup/cgroup.controllers ] && echo v2 ||
		{ mountpoint -q /sys/fs/cgroup/unified 2>/dev/null && echo hybrid || echo v1; }), state roots on $(
	stat -f -c %T "$roots")"
for rt in "${runtimes[@]}"; do
	printf '  %-5s %s\n' "$rt" "$("$(bin_of "$rt")" --version 2>/dev/null | head -n 1)"
done

# Floor probe, back to back and isolated.
"$tool" floor "$rootfs" "$n" >"$work/floor-b2b"
"$tool" floor -i "$idle_ms" "$rootfs" "$n" >"$work/floor-iso"

# Warm-up: page cache, first cgroup creation, the seccomp cache if any.
for rt in "${runtimes[@]}"; do
	for prof in plain sec; do
		rt_cmd "$rt" run -b "$work/bundle-$rt-$prof" warm </dev/null >/dev/null
	done
done

has_case() { [[ " $cases " == *" $1 "* ]]; }

if has_case run; then
	for prof in plain sec; do
		for mode in b2b iso; do
			idle=0
			[ "$mode" = iso ] && idle=$idle_ms
			for ((i = 0; i < n; i++)); do
				for rt in $(order "$i"); do
					timed "$rt" "$work/run-$prof-$mode-$rt" "$idle" \
						run -b "$work/bundle-$rt-$prof" "r$i" >/dev/null
				done
			done
			title="run /bin/true, $([ "$mode" = iso ] && echo "isolated (${idle_ms} ms idle before each)" || echo "back to back")"
			[ "$prof" = sec ] && title="$title, default seccomp profile"
			report "$title" "$work/floor-$mode" "run-$prof-$mode"
		done
	done
fi

if has_case split; then
	for ((i = 0; i < n; i++)); do
		for rt in $(order "$i"); do
			timed "$rt" "$work/create-$rt" 0 create -b "$work/bundle-$rt-plain" "s$i"
			timed "$rt" "$work/start-$rt" 0 start "s$i"
			timed "$rt" "$work/delete-$rt" 0 delete -f "s$i"
		done
	done
	report "create (back to back)" "" create
	report "start" "" start
	report "delete -f" "" delete
fi

if has_case exec; then
	for rt in "${runtimes[@]}"; do
		rt_cmd "$rt" run -d -b "$(sleeper_bundle "$rt" target)" target </dev/null >/dev/null
	done
	for mode in b2b iso; do
		idle=0
		[ "$mode" = iso ] && idle=$idle_ms
		for ((i = 0; i < n; i++)); do
			for rt in $(order "$i"); do
				timed "$rt" "$work/exec-$mode-$rt" "$idle" exec target /bin/true
			done
		done
		report "exec /bin/true, $([ "$mode" = iso ] && echo isolated || echo "back to back")" \
			"" "exec-$mode"
	done
	for rt in "${runtimes[@]}"; do rt_cmd "$rt" delete -f target >/dev/null; done
fi

shmem_kib() { awk '/^Shmem:/ { print $2 }' /proc/meminfo; }
if has_case shmem; then
	echo
	echo "== Shmem per created (not started) container, 20 containers"
	for rt in "${runtimes[@]}"; do
		for ((i = 0; i < 20; i++)); do sleeper_bundle "$rt" "m$i" >/dev/null; done
		before=$(shmem_kib)
		for ((i = 0; i < 20; i++)); do
			rt_cmd "$rt" create -b "$work/bundle-$rt-m$i" "m$i" </dev/null >/dev/null
		done
		after=$(shmem_kib)
		for ((i = 0; i < 20; i++)); do rt_cmd "$rt" delete -f "m$i" >/dev/null; done
		printf '%-7s %8s KiB each\n' "$rt" "$(((after - before) / 20))"
	done
fi

if has_case scale && ((scale > 0)); then
	# Rounds of 0, SCALE/2, SCALE, SCALE/2, 0 others: a level measured on
	# the way up and on the way down, so that a drift of the machine's
	# speed during the round weighs on every level alike. At each point,
	# interleaved: ward's create (then an untimed delete), crun's (its own
	# root stays empty: what it gains is the kernel's part alone), the floor
	# probe (the kernel's part of the least a runtime does) and a fixed
	# CPU-bound reference command (the machine's speed).
	rounds=${SCALE_ROUNDS:-2}
	k=${SCALE_SAMPLES:-10}
	ctl=()
	[ -n "$crun" ] && ctl=(crun)
	b=$(sleeper_bundle ward fill)
	fillcfg=$(jq --arg cg "/ward-test/bench-$$-fill/@N@" '.linux.cgroupsPath = $cg' "$b/config.json")
	have=0
	fill_to() {
		while ((have < $1)); do
			mkdir -p "$work/fill/$have"
			printf '%s\n' "${fillcfg//@N@/$have}" >"$work/fill/$have/config.json"
			rt_cmd ward create -b "$work/fill/$have" "f$have" </dev/null >/dev/null
			have=$((have + 1))
		done
		while ((have > $1)); do
			have=$((have - 1))
			rt_cmd ward delete -f "f$have" >/dev/null
		done
	}
	levels=(0 $((scale / 2)) "$scale")
	for level in "${levels[@]}"; do
		for f in ward floor ref "${ctl[@]}"; do : >"$work/scale-$f-$level"; done
	done
	for ((r = 0; r < rounds; r++)); do
		for level in 0 $((scale / 2)) "$scale" $((scale / 2)) 0; do
			fill_to "$level"
			for ((i = 0; i < k; i++)); do
				for rt in $(printf '%s\n' ward "${ctl[@]}" | if ((i % 2)); then tac; else cat; fi); do
					timed "$rt" "$work/scale-$rt-$level" "${SCALE_IDLE:-0}" create -b "$work/bundle-$rt-plain" "x$i"
					rt_cmd "$rt" delete -f "x$i" >/dev/null
				done
				"$tool" floor "$rootfs" 1 >>"$work/scale-floor-$level"
				line=$("$tool" time -- "$busybox" sha256sum "$rootfs/bin/busybox")
				echo "${line% *}" >>"$work/scale-ref-$level"
			done
		done
	done
	fill_to 0
	echo
	echo "== create with others already created by ward ($rounds rounds of" \
		"0, $((scale / 2)), $scale, $((scale / 2)), 0; $k samples per point)"
	printf '%9s %14s %13s' existing "ward wall ms" "ward cpu ms"
	for rt in "${ctl[@]}"; do printf ' %13s' "$rt wall ms"; done
	printf ' %13s %13s\n' "floor ms" "ref cpu ms"
	for level in "${levels[@]}"; do
		printf '%9d %14s %13s' "$level" "$(pct "$work/scale-ward-$level" 50)" \
			"$(pct "$work/scale-ward-$level" 50 3)"
		for rt in "${ctl[@]}"; do printf ' %13s' "$(pct "$work/scale-$rt-$level" 50)"; done
		printf ' %13s %13s\n' "$(pct "$work/scale-floor-$level" 50)" \
			"$(pct "$work/scale-ref-$level" 50 3)"
	done
	printf 'growth 0 -> %d:' "$scale"
	for rt in ward "${ctl[@]}" floor; do
		printf ' %s wall %s' "$rt" "$(growth "$work/scale-$rt-0" "$work/scale-$rt-$scale" 1)"
	done
	printf ' ward cpu %s ref cpu %s\n' "$(growth "$work/scale-ward-0" "$work/scale-ward-$scale" 3)" \
		"$(growth "$work/scale-ref-0" "$work/scale-ref-$scale" 3)"
fi
