#!/bin/bash
# Run a test command inside a QEMU guest booted with a pure cgroup v2 layout.
#
# The guest is the Debian kernel plus an initramfs built by
# build-initramfs.sh (cached between runs).  The command's output travels on
# the second serial port, apart from kernel messages on the first, and is the
# only thing printed on stdout, so TAP from bats passes through unchanged.
# The exit status is the command's, or 124 (timeout) / 125 (the guest never
# reported) with the tail of the console log on stderr.
set -euo pipefail
# One compound command: bash parses it whole before running it, so editing
# this file while a run is in progress cannot derail that run.
{

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

usage() {
	cat <<EOF
usage: $prog [options] [--] [COMMAND [ARG]...]

Runs COMMAND (default: bats --tap /tests) in the guest, from /; the test
directory is /tests.

  -t DIR         test directory copied to /tests (default: tests/vm)
  -w WARD        ward binary (default: \$WARD_BIN, else _build/vm/ward if
                 present); "none" leaves it out.  In the guest: \$WARD
  -B             configure and build ward in _build/vm first, then use it
  -r RUNC        runc binary (default: runc from PATH; "none" leaves it
                 out).  In the guest: \$RUNC
  -b BIN[:DEST]  extra executable with its libraries (default DEST:
                 /usr/local/bin/NAME); repeatable
  -a SRC[:DEST]  extra file or directory; repeatable
  -P PACKAGE     executables of an installed Debian package; repeatable
  -G             GNU userland instead of busybox applets for suites written
                 against a Debian host: -P for each of $gnu_pkgs
  -m MODULE      kernel module to load at boot (e.g. overlay, veth);
                 repeatable
  -e NAME=VALUE  environment variable for COMMAND; repeatable
  -k KERNEL      kernel image (default: newest /boot/vmlinuz-* with modules)
  -A ACCEL       auto (default), kvm or tcg
  -c CPU         QEMU CPU model (default: host with kvm, max with tcg)
  -T SECONDS     timeout for the whole guest run (default: 600)
  -l FILE        keep the guest console log (kernel messages) in FILE
  -q             no timing summary on stderr

Environment: WARD_VM_CACHE (default: _build/vm-cache), WARD_BIN.
EOF
	exit 2
}

gnu_pkgs="coreutils findutils grep sed diffutils util-linux mount bsdutils procps psmisc tar gzip iproute2"
tests=$here ward=${WARD_BIN:-} runc= build_ward=0 accel=auto timeout=600
kernel= consolelog= quietsum=0 cpu=
bins=() extras=() modules=() envs=() pkgs=()
while getopts t:w:Br:b:a:P:Gm:e:k:A:c:T:l:qh opt; do
	case $opt in
	t) tests=$OPTARG ;;
	w) ward=$OPTARG ;;
	B) build_ward=1 ;;
	r) runc=$OPTARG ;;
	b) bins+=("$OPTARG") ;;
	a) extras+=("$OPTARG") ;;
	P) pkgs+=("$OPTARG") ;;
	G) read -r -a gnu <<<"$gnu_pkgs"; pkgs+=("${gnu[@]}") ;;
	m) modules+=("$OPTARG") ;;
	e) envs+=("$OPTARG") ;;
	k) kernel=$OPTARG ;;
	A) accel=$OPTARG ;;
	c) cpu=$OPTARG ;;
	T) timeout=$OPTARG ;;
	l) consolelog=$OPTARG ;;
	q) quietsum=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- bats --tap /tests
case $accel in auto|kvm|tcg) ;; *) usage ;; esac

die() { echo "$prog: $*" >&2; exit 125; }
note() { [ "$quietsum" = 1 ] || echo "# vm: $*" >&2; }

command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"

if [ "$build_ward" = 1 ]; then
	mkdir -p "$repo/_build/vm"
	(cd "$repo/_build/vm" &&
		{ [ -f Makefile ] || ../../configure -q; } && make -j2 >&2) ||
		die "building ward in _build/vm failed"
	ward=$repo/_build/vm/ward
fi
if [ -z "$ward" ] && [ -x "$repo/_build/vm/ward" ]; then
	ward=$repo/_build/vm/ward
fi
[ "$ward" != none ] || ward=
if [ -z "$runc" ]; then
	runc=$(command -v runc || true)
fi
[ "$runc" != none ] || runc=
[ -z "$ward" ] || bins+=("$ward:/usr/local/bin/ward")
[ -z "$runc" ] || bins+=("$runc:/usr/local/bin/runc")

# Kernel: the image and the modules of the same release.
if [ -z "$kernel" ]; then
	for k in $(ls /boot/vmlinuz-* 2>/dev/null | sort -V -r); do
		if [ -d "/lib/modules/${k#/boot/vmlinuz-}" ]; then
			kernel=$k
			break
		fi
	done
	[ -n "$kernel" ] || die "no /boot/vmlinuz-* with modules (apt-get install linux-image-amd64)"
fi
[ -r "$kernel" ] || die "$kernel: not readable"
kver=${kernel##*/vmlinuz-}
[ -d "/lib/modules/$kver" ] || die "no /lib/modules/$kver for $kernel"

cache=${WARD_VM_CACHE:-$repo/_build/vm-cache}
mkdir -p "$cache"

tmp=$(mktemp -d /tmp/ward-vm.XXXXXX)
qpid= spid=
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	# The reader stops by itself once QEMU is gone.
	[ -z "$spid" ] || wait "$spid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t_start=$EPOCHREALTIME

# Everything below that touches the cache holds its lock, so parallel runs do
# not build the same file twice or delete what another run is booting.
exec 9>"$cache/.lock"
flock 9

# Decompressing the bzImage in the guest takes seconds under TCG; boot the
# uncompressed vmlinux through its PVH entry point instead when possible.
kimg=$kernel
vmlinux=$cache/vmlinux-$kver-$(stat -c %s-%Y "$kernel")
if [ ! -s "$vmlinux" ]; then
	off=$(LC_ALL=C grep -abo -m 1 $'\xfd7zXZ\x00' "$kernel" | head -n 1 | cut -d: -f1 || true)
	if [ -n "$off" ]; then
		rm -f "$cache"/vmlinux-"$kver"-*
		tail -c +$((off + 1)) "$kernel" | xz -dcq >"$vmlinux.tmp" 2>/dev/null || true
		# Keep it only if it is an ELF image carrying the PVH entry note.
		# (note type 0x12: XEN_ELFNOTE_PHYS32_ENTRY).
		if [ "$(head -c 4 "$vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] &&
			{ ! command -v readelf >/dev/null ||
				LC_ALL=C readelf -n "$vmlinux.tmp" | grep -q 'Xen.*0x00000012'; }; then
			mv -f "$vmlinux.tmp" "$vmlinux"
		else
			rm -f "$vmlinux.tmp"
		fi
	fi
fi
[ ! -s "$vmlinux" ] || kimg=$vmlinux

# Cache key: the scripts, the options and the content of every input file,
# shared libraries included.
keyfile=$tmp/key
{
	echo "kver $kver"
	printf 'module %s\n' "${modules[@]}"
	printf 'bin %s\n' "${bins[@]}"
	printf 'extra %s\n' "${extras[@]}"
	# Package executables: their versions stand for their content.
	[ ${#pkgs[@]} -eq 0 ] || dpkg-query -W -f '${Package} ${Version}\n' "${pkgs[@]}" ||
		die "package missing: ${pkgs[*]}"
	inputs=("$here/build-initramfs.sh" "$here/init" "$(command -v busybox)"
		"$(command -v bash)" "$(command -v bats)")
	command -v jq >/dev/null && inputs+=("$(command -v jq)")
	for b in "${bins[@]}"; do inputs+=("${b%%:*}"); done
	for e in "${extras[@]}"; do inputs+=("${e%%:*}"); done
	for f in "${inputs[@]}"; do
		[ -e "$f" ] || die "$f: no such file"
		if [ -d "$f" ]; then
			find "$f" -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
		else
			sha256sum "$f"
			# ldd fails on static executables: nothing to add then.
			{ LC_ALL=C ldd "$f" 2>/dev/null || true; } |
				awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | xargs -r sha256sum
		fi
	done
	find /usr/lib/bats-core /usr/libexec/bats-core -type f -print0 2>/dev/null |
		LC_ALL=C sort -z | xargs -0r sha256sum
	echo "tests $tests"
	if [ -d "$tests" ]; then
		# Symbolic links are copied as what they point to.
		(cd "$tests" && find -L . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
	fi
} >"$keyfile"
key=$(sha256sum "$keyfile" | cut -c1-16)
img=$cache/initramfs-$key.cpio
built=cached
if [ ! -s "$img" ]; then
	args=(-o "$tmp/img" -k "$kver")
	[ ! -d "$tests" ] || args+=(-t "$tests")
	for m in "${modules[@]}"; do args+=(-m "$m"); done
	for e in "${extras[@]}"; do args+=(-a "$e"); done
	for p in "${pkgs[@]}"; do args+=(-P "$p"); done
	"$here/build-initramfs.sh" "${args[@]}" "${bins[@]}" >/dev/null 9>&- ||
		die "building the initramfs failed"
	mv -f "$tmp/img/initramfs.cpio" "$img"
	built=built
	# Keep the few most recent images (several suites may alternate).
	ls -t "$cache"/initramfs-*.cpio | tail -n +5 | xargs -r rm -f
fi
touch "$img"
# A private link keeps the image alive even if a later run prunes it.
ln "$img" "$tmp/initramfs.cpio" 2>/dev/null || cp "$img" "$tmp/initramfs.cpio"
t_built=$EPOCHREALTIME

# KVM only when it really boots a guest: /dev/kvm can exist on hosts whose
# nested virtualisation does not work (the vCPU hangs or QEMU aborts).
kvm_works() {
	local probe=$cache/kvm-probe st
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	grep -qwE 'vmx|svm' /proc/cpuinfo || return 1
	st="$(uname -r) $(stat -c %Y /dev/kvm) $(stat -c %s-%Y "$(command -v qemu-system-x86_64)") $kimg"
	if [ -f "$probe" ] && [ "$(sed -n 1p "$probe")" = "$st" ]; then
		[ "$(sed -n 2p "$probe")" = ok ]
		return
	fi
	# No initramfs: the kernel panics at mounting root and, with
	# panic=-1 and -no-reboot, QEMU exits at once.
	if timeout -k 2 15 qemu-system-x86_64 -accel kvm -cpu host -nodefaults \
		-no-user-config -display none -no-reboot -m 256 -kernel "$kimg" \
		-append "console=ttyS0 quiet panic=-1" -serial none </dev/null \
		>/dev/null 2>&1 9>&-; then
		printf '%s\nok\n' "$st" >"$probe"
		return 0
	fi
	printf '%s\nfailed\n' "$st" >"$probe"
	return 1
}
if [ "$accel" = auto ]; then
	if kvm_works; then accel=kvm; else accel=tcg; fi
fi
flock -u 9
exec 9>&-
case $accel in
kvm) qaccel=(-accel kvm -cpu "${cpu:-host}") ;;
tcg) qaccel=(-accel tcg -cpu "${cpu:-max}") ;;
esac

# The guest command, shell-quoted for bash -c, base64 on the kernel command
# line so it may contain anything.
cmd=
for e in "${envs[@]}"; do
	[[ $e == [A-Za-z_]*=* ]] || die "-e $e: expected NAME=VALUE"
	cmd+="export ${e%%=*}=$(printf '%q' "${e#*=}"); "
done
cmd+=$(printf '%q ' "$@")
b64=$(printf '%s' "$cmd" | base64 -w0)
# tsc=reliable: TSC reads are cheap under TCG; the HPET fallback is slow.
append="console=ttyS0 quiet loglevel=4 panic=-1 tsc=reliable ward.out=ttyS1 ward.cmd=$b64"
[ ${#append} -lt 2000 ] || die "command too long for the kernel command line"

con=$tmp/console.log out=$tmp/output.log
: >"$out"
timeout -k 5 "$timeout" qemu-system-x86_64 "${qaccel[@]}" -nodefaults -no-user-config \
	-display none -no-reboot -m 1024 -smp 2 \
	-kernel "$kimg" -initrd "$tmp/initramfs.cpio" -append "$append" \
	-serial "file:$con" -serial "file:$out" </dev/null >"$tmp/qemu.err" 2>&1 &
qpid=$!

# Stream the framed part of the output while the guest runs.  In the
# background, so that a signal to this script is handled at once.
rcfile=$tmp/rc upfile=$tmp/uptime
tail -s 0.2 -c +1 -f --pid="$qpid" "$out" | tr -d '\r' |
	awk -v rcfile="$rcfile" -v upfile="$upfile" '
	/^==WARD-VM-UPTIME [0-9.]+==$/ { u = $2; sub(/==$/, "", u); print u > upfile; next }
	/^==WARD-VM-BEGIN==$/ { on = 1; next }
	on && /==WARD-VM-END rc=[0-9]+==$/ {
		rc = $0; sub(/.*==WARD-VM-END rc=/, "", rc); sub(/==$/, "", rc)
		line = $0; sub(/==WARD-VM-END rc=[0-9]+==$/, "", line)
		if (line != "") print line
		print rc > rcfile; on = 0; fflush(); next
	}
	on { print; fflush() }' &
spid=$!
wait "$spid" || true
spid=
qrc=0
wait "$qpid" || qrc=$?
qpid=
t_end=$EPOCHREALTIME

[ -z "$consolelog" ] || cp "$con" "$consolelog"

# Kernel trouble is worth seeing even when the tests pass.
if grep -qE 'BUG:|Oops|WARNING:|Kernel panic' "$con" 2>/dev/null; then
	echo "$prog: the guest kernel reported problems:" >&2
	grep -E -A 3 'BUG:|Oops|WARNING:|Kernel panic' "$con" | head -n 40 >&2
fi

size=$(stat -c %s "$img")
boot=$(cat "$upfile" 2>/dev/null || echo '?')
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
note "accel=$accel kernel=${kimg##*/} initramfs=$((size / 1024))KiB" \
	"($built in $(secs "$t_start" "$t_built")s) boot-to-test=${boot}s" \
	"run=$(secs "$t_built" "$t_end")s total=$(secs "$t_start" "$t_end")s"

if [ -s "$rcfile" ]; then
	exit "$(cat "$rcfile")"
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "$prog: timed out after ${timeout}s" >&2
	rc=124
else
	echo "$prog: the guest did not report a result (qemu exit status $qrc)" >&2
	rc=125
fi
if [ -s "$tmp/qemu.err" ]; then
	echo "--- qemu:" >&2
	tail -n 20 "$tmp/qemu.err" >&2
fi
echo "--- guest console (last 40 lines):" >&2
tail -n 40 "$con" 2>/dev/null | tr -d '\r' >&2 || true
if [ -s "$out" ]; then
	echo "--- guest output (last 20 lines):" >&2
	tail -n 20 "$out" | tr -d '\r' >&2
fi
exit "$rc"
}
