#!/bin/bash
# Start-up benchmark: `ward run` against `runc run` of /bin/true on the same
# bundle, interleaved, N runs each. Reports the median and 90th percentile
# wall time of each, the ratio ward/runc, and the peak RSS of the runtime
# process (GNU time's %M). A measurement, not a test: it never fails on the
# numbers.
#
#   tests/bench/run.sh [WARD] [RUNC]      (make bench)
#   N=200 tests/bench/run.sh
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
ward=${1:-${WARD:-$src/_build/tests/ward}}
runc=${2:-${RUNC:-$(command -v runc || true)}}
n=${N:-50}

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (containers)"
[ -x "$ward" ] || die "no ward binary at $ward (build first, or pass its path)"
[ -n "$runc" ] && [ -x "$runc" ] || die "runc not found (apt-get install runc)"
[ -x /usr/bin/time ] || die "GNU time not found (apt-get install time)"
busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"

work=$(mktemp -d /tmp/ward-bench.XXXXXX)
chmod 755 "$work"
cleanup() {
	local rt id d
	for rt in ward runc; do
		for id in $("${!rt}" --root "$work/root-$rt" list -q 2>/dev/null); do
			"${!rt}" --root "$work/root-$rt" delete -f "$id" >/dev/null 2>&1 || true
		done
	done
	for d in /sys/fs/cgroup/*/ward-test/bench-$$-*; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# The bundle: busybox with its applet links, and ward's default config
# running /bin/true (the same file for both runtimes).
bundle=$work/bundle
mkdir -p "$bundle/rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp}
cp "$busybox" "$bundle/rootfs/bin/busybox"
chroot "$bundle/rootfs" /bin/busybox --install -s
(cd "$bundle" && "$ward" spec)
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$bundle/config.json" >"$work/config.json"

# run_once RUNTIME I: one `run`; appends "nanoseconds kilobytes" to a file.
run_once() {
	local rt=$1 i=$2 bin=${!1} t0 t1 rss
	jq --arg cg "/ward-test/bench-$$-$rt-$i" '.linux.cgroupsPath = $cg' \
		"$work/config.json" >"$bundle/config.json"
	t0=$(date +%s%N)
	/usr/bin/time -f %M -o "$work/rss" "$bin" --root "$work/root-$rt" run -b "$bundle" "b$i" \
		</dev/null >/dev/null 2>"$work/err" || {
		cat "$work/err" >&2
		die "$rt run failed"
	}
	t1=$(date +%s%N)
	rss=$(tail -n 1 "$work/rss")
	echo "$((t1 - t0)) $rss" >>"$work/$rt.samples"
}

# Warm both up once (page cache, first cgroup creation), then interleave,
# alternating which goes first.
run_once ward 0
run_once runc 0
: >"$work/ward.samples"
: >"$work/runc.samples"
for ((i = 1; i <= n; i++)); do
	if ((i % 2)); then
		run_once ward "$i"
		run_once runc "$i"
	else
		run_once runc "$i"
		run_once ward "$i"
	fi
done

# pct FILE COLUMN P: the P-th percentile (nearest rank) of a column.
pct() {
	local count rank
	count=$(wc -l <"$1")
	rank=$(((count * $3 + 99) / 100))
	((rank < 1)) && rank=1
	awk -v c="$2" '{ print $c }' "$1" | sort -n | sed -n "${rank}p"
}

ms() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e6 }'; }

wm=$(pct "$work/ward.samples" 1 50)
w9=$(pct "$work/ward.samples" 1 90)
rm_=$(pct "$work/runc.samples" 1 50)
r9=$(pct "$work/runc.samples" 1 90)
wr=$(pct "$work/ward.samples" 2 50)
rr=$(pct "$work/runc.samples" 2 50)
wrmax=$(pct "$work/ward.samples" 2 100)
rrmax=$(pct "$work/runc.samples" 2 100)

echo "run of /bin/true, $n runs each, interleaved ($(nproc) cpus, $(uname -r))"
printf '%-6s %12s %12s %16s %16s\n' runtime "median ms" "p90 ms" "median RSS KiB" "max RSS KiB"
printf '%-6s %12s %12s %16s %16s\n' ward "$(ms "$wm")" "$(ms "$w9")" "$wr" "$wrmax"
printf '%-6s %12s %12s %16s %16s\n' runc "$(ms "$rm_")" "$(ms "$r9")" "$rr" "$rrmax"
awk -v w="$wm" -v r="$rm_" -v a="$wr" -v b="$rr" \
	'BEGIN { printf "ward/runc: time %.2f, peak RSS %.2f\n", w / r, a / b }'
