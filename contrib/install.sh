#!/bin/bash
# Node installer: ward and its shim (containerd-shim-ward-v2) into PREFIX/bin, and the
# configuration that registers the "ward" runtime with containerd and CRI-O
# when they are present. Idempotent: a second run changes nothing.
#
#   contrib/install.sh [--build DIR] [--prefix DIR] [--destdir DIR]
#                      [--containerd yes|no|auto] [--crio yes|no|auto]
#
#   --build DIR       where ward was built (default: _build/release, else
#                     _build/tests, in the source tree)
#   --prefix DIR      install prefix (default /usr/local; the containerd and
#                     CRI-O files name PREFIX/bin/ward)
#   --destdir DIR     stage everything under DIR (packaging, tests)
#   --containerd, --crio   register with that CRI implementation: auto (the
#                     default) does so when its /etc directory exists
#   --binary-only     only the binaries (same as --containerd no --crio no)
#   --protect yes|no|auto   bind PREFIX/bin/ward read-only over itself: ward
#                     then runs from a file no container can write through
#                     /proc/<pid>/exe (CVE-2019-5736) and skips re-executing
#                     itself from a private read-only mount on every command.
#                     auto (the default): yes unless --destdir is given.
#                     The bind is lifted, the binary replaced and the bind
#                     made again when the build differs. It does not survive
#                     a reboot (ward then re-executes as before, safe but
#                     ~2 ms slower): run the installer again at boot, or add
#                     "PREFIX/bin/ward PREFIX/bin/ward none bind,ro 0 0"
#                     to /etc/fstab.
#
# containerd: the runtime tables of contrib/containerd/config.toml are
# appended to /etc/containerd/config.toml (created if missing; the original
# kept once as config.toml.ward-orig). Not an imported file: containerd 1.x
# replaces a plugin's whole section with an imported one, which would drop
# the node's own CRI settings. Restart containerd / CRI-O afterwards to pick
# the runtime up.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=""
prefix=/usr/local
destdir=""
with_containerd=auto
with_crio=auto
protect=auto

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--prefix) prefix=$2; shift 2 ;;
	--destdir) destdir=$2; shift 2 ;;
	--containerd) with_containerd=$2; shift 2 ;;
	--crio) with_crio=$2; shift 2 ;;
	--binary-only) with_containerd=no; with_crio=no; shift ;;
	--protect) protect=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "install.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

if [ -z "$build" ]; then
	for d in "$src/_build/release" "$src/_build/tests"; do
		[ -x "$d/ward" ] && { build=$d; break; }
	done
fi
[ -n "$build" ] && [ -x "$build/ward" ] || {
	echo "install.sh: no ward binary found; build first or pass --build DIR" >&2
	exit 1
}

say() { echo "install.sh: $*"; }

# put SRC DEST MODE: install a file unless DEST already has that content.
put() {
	local s=$1 d=$2 mode=$3
	if [ -f "$d" ] && cmp -s "$s" "$d" && [ "$(stat -c %a "$d")" = "$mode" ]; then
		return 0
	fi
	mkdir -p "$(dirname "$d")"
	# via a temp file and rename: a running ward is never overwritten in place
	install -m "$mode" "$s" "$d.new.$$"
	mv -f "$d.new.$$" "$d"
	say "installed ${d#"$destdir"}"
}

bindir=$destdir$prefix/bin
case "$protect" in
yes | no) ;;
auto) protect=yes && [ -z "$destdir" ] || protect=no ;;
*) echo "install.sh: --protect expects yes, no or auto, got '$protect'" >&2; exit 2 ;;
esac

# is_bound FILE: FILE is a mount point (the read-only bind of an earlier run).
is_bound() { [ -e "$1" ] && mountpoint -q "$1" 2>/dev/null; }
# unbind FILE: every bind stacked on FILE, so that the file under it can be
# replaced (a mount point cannot be renamed over, and the bind is read-only).
unbind() {
	while is_bound "$1"; do
		umount "$1" || umount -l "$1"
	done
}
# protect_bin FILE: bind FILE read-only over itself (see --protect).
protect_bin() {
	local f=$1
	if is_bound "$f" && [ "$(findmnt -n -o OPTIONS --target "$f" | tr , '\n' | grep -cx ro)" = 1 ]; then
		return 0
	fi
	unbind "$f"
	mount --bind "$f" "$f"
	mount -o remount,bind,ro,nosuid,nodev "$f"
	say "bound ${f#"$destdir"} read-only over itself (no re-exec per command)"
}

if ! cmp -s "$build/ward" "$bindir/ward" || [ "$(stat -c %a "$bindir/ward" 2>/dev/null)" != 755 ]; then
	unbind "$bindir/ward"
fi
put "$build/ward" "$bindir/ward" 755
if [ "$protect" = yes ]; then
	protect_bin "$bindir/ward"
elif is_bound "$bindir/ward"; then
	unbind "$bindir/ward"
	say "lifted the read-only bind of ${bindir#"$destdir"}/ward"
fi
[ -x "$build/containerd-shim-ward-v2" ] && put "$build/containerd-shim-ward-v2" "$bindir/containerd-shim-ward-v2" 755

want() { # want SETTING ETC-DIR
	case "$1" in
	yes) return 0 ;;
	no) return 1 ;;
	auto) [ -d "$destdir$2" ] ;;
	*) echo "install.sh: expected yes, no or auto, got '$1'" >&2; exit 2 ;;
	esac
}

# The config files name the installed binary.
render() {
	sed "s|/usr/local/bin/ward|$prefix/bin/ward|" "$1" >"$2"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if want "$with_containerd" /etc/containerd; then
	main=$destdir/etc/containerd/config.toml
	if [ -f "$main" ] && grep -qF 'containerd.runtimes.ward]' "$main"; then
		: # already registered
	elif [ -f "$main" ] && ! grep -qE '^version *= *2' "$main"; then
		say "$main is not a version 2 config: add the tables of contrib/containerd/config.toml by hand"
	else
		# the tables only: the fragment without its `version` line
		render "$src/contrib/containerd/config.toml" "$tmp/ward.toml"
		{
			if [ -f "$main" ]; then cat "$main"; else echo "version = 2"; fi
			echo
			grep -v '^version *=' "$tmp/ward.toml"
			# containerd replaces its built-in runtime table with the one a
			# config gives: one naming no runtime would lose "runc"
			if ! { [ -f "$main" ] && grep -qE '^[[:space:]]*\[.*containerd\.runtimes\.' "$main"; }; then
				printf '\n# containerd'"'"'s default runtime, which naming "ward" would remove\n'
				printf '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n'
				printf '  runtime_type = "io.containerd.runc.v2"\n'
			fi
		} >"$tmp/config.toml"
		mode=644
		if [ -f "$main" ]; then
			mode=$(stat -c %a "$main")
			[ -e "$main.ward-orig" ] || cp -p "$main" "$main.ward-orig"
		fi
		put "$tmp/config.toml" "$main" "$mode"
	fi
fi

if want "$with_crio" /etc/crio; then
	render "$src/contrib/crio/ward.conf" "$tmp/ward.conf"
	put "$tmp/ward.conf" "$destdir/etc/crio/crio.conf.d/10-ward.conf" 644
fi
