#!/bin/bash
# Shim benchmark: containerd-shim-ward-v2 against containerd-shim-runc-v2,
# both driven by one private containerd 1.6 in the same run.
#   - memory: PSS and RSS of the shim processes per pod (one shim per pod)
#     with 1, 10 and 50 pods running
#   - latency: `ctr run --rm` of /bin/true, interleaved, median and p90
# A measurement, not a test: it never fails on the numbers.
#
#   tests/bench/shim.sh [BUILD_DIR]      (make bench)
#   PODS="1 10" N=10 tests/bench/shim.sh
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/_build/tests}" && pwd)
pods=${PODS:-1 10 50}
n=${N:-20}

die() { echo "bench-shim: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$build/containerd-shim-ward-v2" ] || die "no containerd-shim-ward-v2 in $build"
command -v containerd >/dev/null || die "containerd not found"
command -v containerd-shim-runc-v2 >/dev/null || die "containerd-shim-runc-v2 not found"
command -v runc >/dev/null || die "runc not found"
busybox=$(command -v busybox) || die "busybox not found"

work=$(mktemp -d /tmp/ward-bench-shim.XXXXXX)
chmod 755 "$work"
sock=$work/containerd.sock
ns=ward-test
CTR=(ctr --address "$sock" --namespace "$ns")
ctrd=

shims() { # the shims of our containerd
	local f
	for f in $(grep -lzxF -- "$sock" /proc/[0-9]*/cmdline 2>/dev/null); do
		case "$(tr '\0' '\n' <"$f" 2>/dev/null | head -n 1)" in
		*containerd-shim-*) f=${f#/proc/} && echo "${f%/cmdline}" ;;
		esac
	done
}

cleanup() {
	local id p
	for id in $("${CTR[@]}" task ls -q 2>/dev/null); do
		"${CTR[@]}" task kill -s KILL "$id" >/dev/null 2>&1 || true
	done
	sleep 0.5
	for id in $("${CTR[@]}" container ls -q 2>/dev/null); do
		"${CTR[@]}" task delete -f "$id" >/dev/null 2>&1 || true
		"${CTR[@]}" container delete "$id" >/dev/null 2>&1 || true
	done
	[ -n "$ctrd" ] && kill "$ctrd" 2>/dev/null && wait "$ctrd" 2>/dev/null
	for p in $(shims); do kill -9 "$p" 2>/dev/null || true; done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT

mkdir -p "$work/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp "$busybox" "$work/rootfs/bin/busybox"
chroot "$work/rootfs" /bin/busybox --install -s /bin
cat >"$work/config.toml" <<TOML
version = 2
root = "$work/root"
state = "$work/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
TOML
PATH="$build:$PATH" containerd --config "$work/config.toml" </dev/null >"$work/containerd.log" 2>&1 &
ctrd=$!
for ((i = 0; i < 100; i++)); do
	ctr --address "$sock" version >/dev/null 2>&1 && break
	sleep 0.1
done
ctr --address "$sock" version >/dev/null 2>&1 || die "containerd did not start"

# ctr run options per shim: ward's shim; runc's shim with runc; runc's
# shim driving ward (the same runtime as ward's shim: the shims compared)
rt_opts() {
	case $1 in
	ward) echo "--runtime io.containerd.ward.v2" ;;
	runc) echo "--runtime io.containerd.runc.v2" ;;
	runcw) echo "--runtime io.containerd.runc.v2 --runc-binary $build/ward" ;;
	esac
}

# memory SHIM PODS: start PODS sleeping containers (one shim each), sum the
# shims' PSS and RSS, print per-pod KiB
memory() {
	local shim=$1 k=$2 i p pss=0 rss=0 cnt=0 v
	for ((i = 0; i < k; i++)); do
		# shellcheck disable=SC2046
		"${CTR[@]}" run -d $(rt_opts "$shim") --rootfs "$work/rootfs" \
			"bench-$$-$shim-$i" /bin/sleep 1000000 >/dev/null
	done
	sleep 1
	for p in $(shims); do
		v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
		pss=$((pss + v))
		rss=$((rss + $(awk '/^Rss:/ { print $2 }' "/proc/$p/smaps_rollup")))
		cnt=$((cnt + 1))
	done
	echo "$((pss / k)) $((rss / k)) $cnt"
	for ((i = 0; i < k; i++)); do
		"${CTR[@]}" task kill -s KILL "bench-$$-$shim-$i" >/dev/null 2>&1 || true
	done
	for ((i = 0; i < k; i++)); do
		while "${CTR[@]}" task ls | grep -q "^bench-$$-$shim-$i .*RUNNING"; do sleep 0.05; done
		"${CTR[@]}" task delete "bench-$$-$shim-$i" >/dev/null 2>&1 || true
		"${CTR[@]}" container delete "bench-$$-$shim-$i" >/dev/null 2>&1 || true
	done
}

echo "shim benchmark: $(nproc) cpus, $(uname -r), containerd $(containerd --version | awk '{ print $3 }')"
echo
echo "== shim memory per pod (KiB; one shim per pod, pods running /bin/sleep)"
printf '%-5s %5s %9s %9s %9s %9s %7s\n' pods shims "ward pss" "runc pss" "ward rss" "runc rss" "pss w/r"
for k in $pods; do
	read -r wp wr wc <<<"$(memory ward "$k")"
	read -r rp rr _ <<<"$(memory runc "$k")"
	printf '%-5s %5s %9s %9s %9s %9s %7s\n' "$k" "$wc" "$wp" "$rp" "$wr" "$rr" \
		"$(awk -v a="$wp" -v b="$rp" 'BEGIN { printf "%.2f", b ? a / b : 0 }')"
done

echo
echo "== ctr run --rm /bin/true ($n runs each, interleaved)"
shims_lat="ward runcw runc"
for shim in $shims_lat; do : >"$work/lat-$shim"; done
for ((i = 0; i < n; i++)); do
	for shim in $shims_lat; do
		t0=$(date +%s%N)
		# shellcheck disable=SC2046
		"${CTR[@]}" run --rm $(rt_opts "$shim") --rootfs "$work/rootfs" \
			"lat-$$-$shim-$i" /bin/true >/dev/null 2>&1 || die "$shim run failed"
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >>"$work/lat-$shim"
	done
done
pct() { sort -n "$1" | awk -v p="$2" '{ a[NR] = $1 } END { r = int((NR * p + 99) / 100); if (r < 1) r = 1; printf "%.1f", a[r] / 1000 }'; }
printf '%-28s %10s %10s\n' "shim (runtime)" "median ms" "p90 ms"
for shim in $shims_lat; do
	case $shim in ward) label="ward shim (ward)" ;; runcw) label="runc shim (ward)" ;; runc) label="runc shim (runc)" ;; esac
	printf '%-28s %10s %10s\n' "$label" "$(pct "$work/lat-$shim" 50)" "$(pct "$work/lat-$shim" 90)"
done
r() { awk -v a="$(pct "$work/lat-$1" 50)" -v b="$(pct "$work/lat-$2" 50)" 'BEGIN { printf "%.2f", a / b }'; }
echo "ratios (median): ward shim / runc shim, same runtime: $(r ward runcw); ward shim+ward / runc shim+runc: $(r ward runc)"
