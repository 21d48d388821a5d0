#!/bin/bash
# From a fresh Debian 12 machine to a hardened sandbox: install the build
# dependencies, build ward, install it to /usr/local/bin, make a bundle from
# busybox, and run it. Run as root from the source tree:
#
#   contrib/demo.sh
#
# The sandbox uses `ward spec`'s defaults (read-only root, three
# capabilities, no new privileges, masked /proc and /sys paths, ward's
# seccomp profile, new pid/net/ipc/uts/mount/cgroup namespaces) and adds a
# user namespace, so root inside is an unprivileged uid on the host.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/_build/release
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root" >&2; exit 1; }

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
"$src/contrib/install-deps.sh"

step "build ($build)"
if [ ! -x "$src/configure" ]; then
	(cd "$src" && autoreconf -fi >/dev/null)
fi
mkdir -p "$build"
[ -f "$build/config.status" ] || (cd "$build" && "$src/configure" -q --prefix=/usr/local)
make -C "$build" -j"$(nproc)" ward >"$build/make.log" 2>&1 || {
	tail -n 40 "$build/make.log"
	exit 1
}

step "install"
"$src/contrib/install.sh" --build "$build" --binary-only
ward --version

step "bundle"
bundle=$(mktemp -d /tmp/ward-demo.XXXXXX)
chmod 755 "$bundle"
cleanup() {
	rm -rf --one-file-system "$bundle"
	# the cgroup parent, once empty (ward removes the container's own)
	rmdir /sys/fs/cgroup/*/"$(dirname "${cgroup:-/x/y}")" /sys/fs/cgroup/"$(dirname "${cgroup:-/x/y}")" 2>/dev/null || true
}
trap cleanup EXIT
mkdir -p "$bundle/rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root}
cp "$(command -v busybox)" "$bundle/rootfs/bin/busybox"
chroot "$bundle/rootfs" /bin/busybox --install -s
echo 'root:x:0:0:root:/root:/bin/sh' >"$bundle/rootfs/etc/passwd"
echo 'root:x:0:' >"$bundle/rootfs/etc/group"
(cd "$bundle" && ward spec)
# what the sandbox reports about itself
cat >"$bundle/rootfs/bin/report" <<'EOF'
#!/bin/sh
echo "hostname:        $(hostname)"
echo "pid:             $$ (processes visible: $(ls -d /proc/[0-9]* | wc -l))"
echo "user:            $(id)"
echo "uid map:         $(awk '{ print $1, $2, $3 }' /proc/self/uid_map)"
echo "capabilities:    $(awk '/^CapEff:/ { print $2 }' /proc/self/status) (effective)"
echo "no_new_privs:    $(awk '/^NoNewPrivs:/ { print $2 }' /proc/self/status)"
echo "seccomp mode:    $(awk '/^Seccomp:/ { print $2 }' /proc/self/status) (2 = filter)"
echo "network:         $(ls /sys/class/net | tr '\n' ' ')"
touch /written 2>/dev/null && echo "root fs:         writable" || echo "root fs:         read-only"
mount -t tmpfs none /tmp 2>/dev/null && echo "mount:           allowed" || echo "mount:           denied"
[ "$(wc -c </proc/keys)" -gt 0 ] && echo "/proc/keys:      readable" || echo "/proc/keys:      masked"
EOF
chmod 755 "$bundle/rootfs/bin/report"
cgroup=${WARD_DEMO_CGROUP:-/ward-demo/demo-$$}
jq --arg cg "$cgroup" '.process.terminal = false
	| .process.args = ["/bin/report"]
	| .hostname = "sandbox"
	| .linux.cgroupsPath = $cg
	| .linux.namespaces += [{"type": "user"}]
	| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
	| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]' \
	"$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"
echo "$bundle"

step "ward run"
ward run --bundle "$bundle" "demo-$$"
echo
echo "ward is installed at /usr/local/bin/ward; run every test with:"
echo "  tests/install-deps.sh && tests/run.sh"
