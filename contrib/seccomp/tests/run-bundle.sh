#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# run-bundle.sh [PROFILE]
#
# Run a seccomp profile (default: ../default.json) for real: build a
# busybox-static bundle in a temporary directory, put the profile into
# config.json as linux.seccomp, and check that
#   - ordinary shell work runs (sh, ls, cat, echo, sleep, wget --help ...);
#   - `unshare -U` and `unshare -m` fail with EPERM;
#   - every probe of probe.c gives the expected result.
# Every probe also runs once without seccomp (the control run); a probe that
# fails the same way without the filter proves nothing and is reported as
# inconclusive. The container gets every capability in both runs, so that
# what stops a call is the filter and not a missing capability.
#
# Environment: RUNTIME (default runc; any runc-compatible CLI, e.g. ward),
# BUSYBOX (default /bin/busybox, must be static), CC (default cc).
# Needs root. The runtime state lives under the temporary directory and
# everything is removed on exit.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
profile=${1:-$here/../default.json}
runtime=${RUNTIME:-runc}
busybox=${BUSYBOX:-/bin/busybox}

tmp=$(mktemp -d /tmp/ward-seccomp-test.XXXXXX)
id=ward-seccomp-test-$$
bundle=$tmp/bundle

cleanup() {
	"$runtime" --root "$tmp/state" delete -f "$id" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/dev" \
	"$bundle/rootfs/tmp" "$tmp/state"
cp "$busybox" "$bundle/rootfs/bin/busybox"
for applet in sh ls cat echo sleep wget unshare true id ps date mkdir rm; do
	ln -s busybox "$bundle/rootfs/bin/$applet"
done
${CC:-cc} -static -O2 -o "$bundle/rootfs/bin/probe" "$here/probe.c"
(cd "$bundle" && "$runtime" spec)
cp "$bundle/config.json" "$tmp/spec.json"

# Every capability of Linux 6.x (index = capability number) that this
# process holds in its bounding set, in every set that runc honours.
allcaps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_DAC_READ_SEARCH","CAP_FOWNER",
"CAP_FSETID","CAP_KILL","CAP_SETGID","CAP_SETUID","CAP_SETPCAP",
"CAP_LINUX_IMMUTABLE","CAP_NET_BIND_SERVICE","CAP_NET_BROADCAST",
"CAP_NET_ADMIN","CAP_NET_RAW","CAP_IPC_LOCK","CAP_IPC_OWNER","CAP_SYS_MODULE",
"CAP_SYS_RAWIO","CAP_SYS_CHROOT","CAP_SYS_PTRACE","CAP_SYS_PACCT",
"CAP_SYS_ADMIN","CAP_SYS_BOOT","CAP_SYS_NICE","CAP_SYS_RESOURCE","CAP_SYS_TIME",
"CAP_SYS_TTY_CONFIG","CAP_MKNOD","CAP_LEASE","CAP_AUDIT_WRITE",
"CAP_AUDIT_CONTROL","CAP_SETFCAP","CAP_MAC_OVERRIDE","CAP_MAC_ADMIN",
"CAP_SYSLOG","CAP_WAKE_ALARM","CAP_BLOCK_SUSPEND","CAP_AUDIT_READ",
"CAP_PERFMON","CAP_BPF","CAP_CHECKPOINT_RESTORE"]'
bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
held=
i=0
while [ $i -le 40 ]; do
	if [ $(((0x$bnd >> i) & 1)) -eq 1 ]; then
		held="$held${held:+,}$i"
	fi
	i=$((i + 1))
done
allcaps=$(printf '%s' "$allcaps" | jq -c --argjson h "[$held]" '. as $c | [$h[] | $c[.]]')

# run_ct seccomp|control ARGS... : run one container, output on stdout/stderr.
run_ct() {
	mode=$1
	shift
	args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	jq --slurpfile p "$profile" --argjson caps "$allcaps" --argjson args "$args" \
		--arg mode "$mode" '
		.process.terminal = false
		| .process.args = $args
		| .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}
		| .hostname = "ward-probe"
		| .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs",
			options: ["nosuid", "nodev", "mode=1777"]}]
		| if $mode == "seccomp" then .linux.seccomp = $p[0] else del(.linux.seccomp) end
	' "$tmp/spec.json" >"$bundle/config.json"
	"$runtime" --root "$tmp/state" run --bundle "$bundle" "$id" </dev/null
}

failed=0
pass() { printf 'ok    %s\n' "$1"; }
fail() { printf 'FAIL  %s\n' "$1"; failed=$((failed + 1)); }

# 1. Ordinary work must not be disturbed by the profile.
check_runs() {
	desc=$1
	shift
	if out=$(run_ct seccomp "$@" 2>&1); then
		pass "$desc"
	else
		fail "$desc: $(printf '%s' "$out" | tail -n 3)"
	fi
}
check_runs "sh -c true" sh -c true
check_runs "ls" ls -l /bin
check_runs "cat" cat /proc/self/status
check_runs "echo" sh -c 'echo hello | cat'
check_runs "sleep" sleep 0.2
check_runs "wget --help" wget --help
check_runs "id, ps, date" sh -c 'id && ps && date'
check_runs "files in /tmp" sh -c 'mkdir -p /tmp/a/b && echo x >/tmp/a/b/f && cat /tmp/a/b/f && rm -r /tmp/a'
check_runs "background job and wait" sh -c 'sleep 0.1 & wait'

# 2. Namespace creation through busybox unshare must fail with EPERM.
check_eperm() {
	desc=$1
	shift
	if out=$(run_ct seccomp "$@" 2>&1); then
		fail "$desc succeeded"
	elif printf '%s' "$out" | grep -q 'Operation not permitted'; then
		pass "$desc: EPERM"
	else
		fail "$desc: unexpected failure: $out"
	fi
}
check_eperm "unshare -U true" unshare -U true
check_eperm "unshare -m true" unshare -m true
check_eperm "unshare -n true" unshare -n true

# 3. Probes: expected result under the profile, control without seccomp.
expect() {
	case $1 in
	clone_plain | thread | spawn | socket_unix | socket_inet | socket_inet6 | socket_netlink | \
	socket_packet | socketpair_unix | personality_query | personality_linux | \
	chroot | fchmodat2 | ioctl_tiocgwinsz)
		echo ok ;;
	# ENOSYS so that libc falls back to clone(2).
	clone3) echo ENOSYS ;;
	# Newer than the profile: the runtime must answer ENOSYS, not EPERM.
	mseal) echo ENOSYS ;;
	# Other ABIs are not in "architectures": libseccomp's bad-arch action.
	abi_i386) echo killed:SIGSYS ;;
	# x32 shares AUDIT_ARCH_X86_64 but sets bit 30 of the number:
	# libseccomp treats it as the unlisted x32 ABI.
	abi_x32) echo killed:SIGSYS ;;
	*) echo EPERM ;;
	esac
}

run_ct seccomp probe >"$tmp/with" 2>"$tmp/with.err" || true
run_ct control probe >"$tmp/without" 2>"$tmp/without.err" || true
if [ ! -s "$tmp/with" ]; then
	fail "probe produced no output: $(cat "$tmp/with.err")"
fi

inconclusive=0
while read -r name got; do
	want=$(expect "$name")
	control=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/without")
	line=$(printf '%-20s want %-14s got %-14s control %s' "$name" "$want" "$got" "$control")
	if [ "$got" != "$want" ]; then
		fail "$line"
	elif [ "$want" != ok ] && [ "$control" = "$got" ]; then
		printf 'warn  %s (inconclusive: same without the filter)\n' "$line"
		inconclusive=$((inconclusive + 1))
	else
		pass "$line"
	fi
done <"$tmp/with"

echo "runtime $runtime, profile $profile: $failed failed, $inconclusive inconclusive"
[ "$failed" -eq 0 ]
