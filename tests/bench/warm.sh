#!/bin/bash
# Warm-start benchmark: how long until a sandbox answers its first request,
# started cold (`ward run`, its "interpreter" initialises first) versus
# restored (`ward restore` of a checkpoint taken once it was ready). A
# measurement, not a test: it never fails on the numbers.
#
#   tests/bench/warm.sh [WARD]        (make bench-warm)
#   N=9 tests/bench/warm.sh           rounds of each (default 7)
#   WORK=60000 tests/bench/warm.sh    start-up loop iterations (default 150000)
#   READY_TIMEOUT=300                 seconds a sandbox may take to answer
#   TIMEOUT=1800                      seconds for the whole guest run
#
# criu fails `criu check` on this host's kernel, so the measurement runs in
# the QEMU guest of tests/vm (6.1 kernel; under TCG emulation where KVM does
# not work, which slows everything alike, restores included). This script
# boots it and runs itself there with --guest.
#
# The sandbox: a busybox sh script that does WORK iterations of arithmetic,
# keeping a table in a shell variable (its warm state), writes the result
# where busybox httpd serves it, prints "ready" and serves on 127.0.0.1
# (the host network: criu 3.17 cannot dump a network namespace's links on
# the guest kernel). A round is timed from the runtime command to the first
# HTTP answer carrying the result; cold and restored rounds alternate, each
# sandbox is deleted before the next starts.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${1:-}" != --guest ]; then
	ward=${1:-${WARD:-$src/_build/tests/ward}}
	die() { echo "bench-warm: $*" >&2; exit 1; }
	[ "$(id -u)" -eq 0 ] || die "needs root (containers)"
	[ -x "$ward" ] || die "no ward binary at $ward (build first, or pass its path)"
	for p in criu tar iproute2 iptables qemu-system-x86 busybox-static; do
		dpkg-query -W "$p" >/dev/null 2>&1 || die "package $p is not installed"
	done
	# The modules are those of the guest lane of tests/run.sh (criu's
	# socket diagnostics and network lock).
	exec "$src"/tests/vm/run.sh -T "${TIMEOUT:-1800}" -t "$src"/tests/bench -w "$ward" -r none \
		-P criu -P tar -P iproute2 -P iptables \
		-m unix_diag -m inet_diag -m tcp_diag -m udp_diag -m netlink_diag -m af_packet_diag \
		-m tun -m veth -m crc32c_generic -m nf_tables \
		-e N="${N:-7}" -e WORK="${WORK:-150000}" -e READY_TIMEOUT="${READY_TIMEOUT:-300}" \
		-- bash /tests/warm.sh --guest
fi

# ---- in the guest ----

n=${N:-7}
work=${WORK:-150000}
port=18080
ward=${WARD:-/usr/local/bin/ward}
dir=$(mktemp -d /tmp/warm.XXXXXX)
root=$dir/state

cleanup() {
	local id
	for id in $("$ward" --root "$root" list -q 2>/dev/null); do
		"$ward" --root "$root" delete -f "$id" >/dev/null 2>&1 || true
	done
	rm -rf "$dir"
}
trap cleanup EXIT

echo "# warm-start: $(uname -r), $(criu --version | head -n 1), N=$n WORK=$work"
criu check >"$dir/criu-check" 2>&1 || {
	echo "# criu check fails here:" && tail -n 5 "$dir/criu-check"
	exit 1
}

# bundle DIR: a busybox rootfs with the start-up script.
bundle() {
	local b=$1 a
	mkdir -p "$b/rootfs/bin" "$b/rootfs/www" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys" "$b/rootfs/tmp"
	cp /usr/bin/busybox "$b/rootfs/bin/busybox"
	for a in sh httpd rm echo sleep cat; do ln -s busybox "$b/rootfs/bin/$a"; done
	cat >"$b/rootfs/app.sh" <<-'EOF'
		rm -f /www/index.html
		i=0 s=1 t=
		while [ $i -lt $WORK ]; do
			s=$(( (s * 31 + i) % 1000003 ))
			[ $((i % 64)) -ne 0 ] || t="$t$s,"
			i=$((i + 1))
		done
		echo "ready $s ${#t}" >/www/index.html
		echo ready
		httpd -f -p 127.0.0.1:$PORT -h /www &
		wait
	EOF
	(cd "$b" && "$ward" spec)
	jq --arg w "WORK=$work" --arg p "PORT=$port" '
		.process.terminal = false
		| .process.args = ["sh", "/app.sh"]
		| .process.env += [$w, $p]
		| .root.readonly = false
		| .linux.namespaces |= map(select(.type != "network"))' \
		"$b/config.json" >"$b/config.json.new"
	mv "$b/config.json.new" "$b/config.json"
}
bundle "$dir/cold"
bundle "$dir/warm"

# answer: the sandbox's reply, empty while it does not answer.
answer() { timeout 5 wget -q -O - "http://127.0.0.1:$port/" 2>/dev/null || true; }

# until_ready START: seconds from START to the first answer carrying the
# start-up result (300 s at most: emulation is slow).
until_ready() {
	local t0=$1 deadline=$((SECONDS + ${READY_TIMEOUT:-300}))
	until [[ "$(answer)" == ready* ]]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "# no answer after 300 s; the runtime said:" >&2
			tail -n 5 "$dir"/*.log >&2
			"$ward" --root "$root" list >&2
			return 1
		fi
		sleep 0.02
	done
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", b - a }'
}

# The standard streams are pipes (criu cannot reopen a file the container
# does not see; a restore hands the pipes over to its caller's).
cold() {
	local id=$1 t0=$EPOCHREALTIME
	"$ward" --root "$root" run -d -b "$dir/cold" "$id" </dev/null 2>&1 | cat >>"$dir/cold.log" &
	until_ready "$t0"
}
restored() {
	local id=$1 t0=$EPOCHREALTIME
	"$ward" --root "$root" restore -d -b "$dir/warm" --image-path "$dir/img" \
		--work-path "$dir/work-$id" "$id" </dev/null 2>&1 | cat >>"$dir/warm.log" &
	until_ready "$t0"
}
gone() {
	"$ward" --root "$root" delete -f "$1" >/dev/null
	# the port is free again before the next round
	while [ -n "$(answer)" ]; do sleep 0.02; done
}

# The snapshot, once: the sandbox started and ready.
t0=$EPOCHREALTIME
"$ward" --root "$root" run -d -b "$dir/warm" snap </dev/null 2>&1 | cat >>"$dir/warm.log" &
t=$(until_ready "$t0")
echo "# warm source ready after ${t}s"
t0=$EPOCHREALTIME
"$ward" --root "$root" checkpoint --image-path "$dir/img" snap
echo "# checkpoint: $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')s," \
	"image $(du -sk "$dir/img" | cut -f1) KiB"
while [ -n "$(answer)" ]; do sleep 0.02; done

: >"$dir/cold.t"
: >"$dir/warm.t"
for ((r = 0; r < n; r++)); do
	cold "c$r" >>"$dir/cold.t"
	gone "c$r"
	restored "w$r" >>"$dir/warm.t"
	gone "w$r"
	echo "# round $((r + 1)): cold $(tail -n 1 "$dir/cold.t")s, restored $(tail -n 1 "$dir/warm.t")s"
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f", m }'; }
range() { sort -n "$1" | awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%.3f-%.3f", a, b }'; }
mc=$(median "$dir/cold.t")
mw=$(median "$dir/warm.t")
echo "cold start to first answer:     median ${mc}s (range $(range "$dir/cold.t") s, N=$n)"
echo "restored to first answer:       median ${mw}s (range $(range "$dir/warm.t") s, N=$n)"
echo "cold/restored: $(awk -v a="$mc" -v b="$mw" 'BEGIN { printf "%.2f", a / b }')"
