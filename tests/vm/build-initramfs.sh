#!/bin/bash
# Build a self-contained initramfs for the cgroup v2 test guest.
#
# The image holds busybox (with applet links), bash, bats-core, jq, the given
# binaries with every shared library they load, a few kernel modules, a test
# directory (copied to /tests) and tests/vm/init as /init.  Everything lives in
# the initramfs so the guest needs no block or virtio driver to boot.
set -euo pipefail

usage() {
	cat <<EOF
usage: ${0##*/} -o OUTDIR [options] [BINARY[:DEST]]...

  -o OUTDIR        write OUTDIR/initramfs.cpio (or .cpio.gz with -z gzip)
  -t DIR           test directory, copied to /tests in the guest
  -a SRC[:DEST]    extra file or directory (DEST defaults to SRC)
  -P PACKAGE       the executables of an installed Debian package (from
                   dpkg -L), at their host paths, taking precedence over
                   busybox applets; repeatable
  -m MODULE        kernel module to load at boot (with its dependencies);
                   repeatable; built-in modules are skipped
  -k KVER          kernel release whose modules to use (default: newest in
                   /lib/modules)
  -z none|gzip     compression (default: none; boots fastest)
  BINARY[:DEST]    executable to include with its libraries; DEST defaults to
                   /usr/local/bin/NAME
EOF
	exit 2
}

out= tests= kver= comp=none
extras=() modules=() bins=() pkgs=()
while getopts o:t:a:P:m:k:z:h opt; do
	case $opt in
	o) out=$OPTARG ;;
	t) tests=$OPTARG ;;
	a) extras+=("$OPTARG") ;;
	P) pkgs+=("$OPTARG") ;;
	m) modules+=("$OPTARG") ;;
	k) kver=$OPTARG ;;
	z) comp=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
bins=("$@")
[ -n "$out" ] || usage
case $comp in none|gzip) ;; *) usage ;; esac

here=$(cd "$(dirname "$0")" && pwd)
if [ -z "$kver" ]; then
	kver=$(ls /lib/modules | sort -V | tail -n 1)
fi
moddir=/lib/modules/$kver
[ -d "$moddir" ] || { echo "${0##*/}: no $moddir" >&2; exit 1; }

stage=$(mktemp -d /tmp/ward-vm-initramfs.XXXXXX)
trap 'rm -rf "$stage"' EXIT

die() { echo "${0##*/}: $*" >&2; exit 1; }

# Reproduce the host's merged-/usr symlinks so library paths printed by ldd
# (/lib/..., /lib64/...) resolve inside the image exactly as on the host.
mkdir -p "$stage"/usr/bin "$stage"/usr/sbin "$stage"/usr/lib "$stage"/usr/local/bin
for d in bin sbin lib lib32 lib64 libx32; do
	if [ -L "/$d" ]; then
		t=$(readlink "/$d")
		ln -s "$t" "$stage/$d"
		case $t in /*) mkdir -p "$stage$t" ;; *) mkdir -p "$stage/$t" ;; esac
	elif [ -d "/$d" ]; then
		mkdir -p "$stage/$d"
	fi
done
chmod 0755 "$stage"
mkdir -p "$stage"/{dev,proc,sys,tmp,run,root,etc,tests,mnt,var/tmp}
chmod 1777 "$stage/tmp" "$stage/var/tmp"
chmod 0700 "$stage/root"

# copy_file SRC DEST: copy with dereferenced content, keep the mode.
copy_file() {
	mkdir -p "$stage$(dirname "$2")"
	[ -e "$stage$2" ] || cp -L --preserve=mode "$1" "$stage$2"
}

is_elf() {
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]
}

# copy_libs BIN: copy every shared object BIN loads, dynamic loader included.
copy_libs() {
	local line lib
	is_elf "$1" || return 0
	# ldd exits non-zero for static executables; that is fine.
	line=$(LC_ALL=C ldd "$1" 2>&1) || return 0
	if grep -q 'not found' <<<"$line"; then
		die "$1: missing libraries: $(grep 'not found' <<<"$line" | tr -s ' \t' ' ')"
	fi
	while read -r lib; do
		copy_file "$lib" "$lib"
	done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$line")
}

# install_bin SRC DEST
install_bin() {
	[ -x "$1" ] || die "$1: not an executable"
	copy_file "$1" "$2"
	copy_libs "$1"
}

# busybox; its applet links come last, where no real binary took the path.
busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
is_elf "$busybox" && ! LC_ALL=C ldd "$busybox" >/dev/null 2>&1 ||
	die "$busybox is not static (apt-get install busybox-static)"
copy_file "$busybox" /usr/bin/busybox

install_bin "$(command -v bash)" /usr/bin/bash
if jq=$(command -v jq); then
	install_bin "$jq" /usr/bin/jq
fi

# bats-core as packaged by Debian: the driver, its libexec helpers and libs.
bats=$(command -v bats) || die "bats not found (apt-get install bats)"
copy_file "$bats" /usr/bin/bats
for d in /usr/lib/bats-core /usr/libexec/bats-core /usr/lib/bats; do
	if [ -d "$d" ]; then
		mkdir -p "$stage$d"
		cp -a "$d/." "$stage$d/"
	fi
done

for b in "${bins[@]}"; do
	src=${b%%:*}
	dest=/usr/local/bin/$(basename "$src")
	[ "$b" = "$src" ] || dest=${b#*:}
	install_bin "$src" "$dest"
done

for p in "${pkgs[@]}"; do
	files=$(dpkg -L "$p" 2>/dev/null) || die "package $p is not installed"
	while read -r f; do
		[ -f "$f" ] && [ -x "$f" ] && install_bin "$f" "$f"
	done < <(grep -E '^/(usr/)?s?bin/[^/]+$' <<<"$files")
done

for e in "${extras[@]}"; do
	src=${e%%:*}
	dest=$src
	[ "$e" = "$src" ] || dest=${e#*:}
	[ -e "$src" ] || die "$src: no such file or directory"
	mkdir -p "$stage$(dirname "$dest")"
	if [ -d "$src" ]; then
		mkdir -p "$stage$dest"
		cp -a "$src/." "$stage$dest/"
	else
		install_bin "$src" "$dest"
	fi
done

if [ -n "$tests" ]; then
	[ -d "$tests" ] || die "$tests: not a directory"
	# Dereferenced: links to files elsewhere in the tree would dangle.
	cp -RL --preserve=mode "$tests/." "$stage/tests/"
fi

# Applet links after the real binaries so bash, jq, ... are never shadowed.
while read -r applet; do
	[ -e "$stage/$applet" ] || [ -L "$stage/$applet" ] ||
		ln -s /usr/bin/busybox "$stage/$applet"
done < <("$busybox" --list-full)

# Kernel modules: resolve dependencies from modules.dep (dependencies first)
# and list them in load order for /init.
declare -A loaded=()
modlist=()
add_module() {
	local name=${1//-/_} rel dep line
	[ -z "${loaded[$name]:-}" ] || return 0
	loaded[$name]=1
	line=$(awk -v m="$name" -F: '{
		n = $1; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n);
		gsub(/-/, "_", n); if (n == m) { print; exit } }' "$moddir/modules.dep")
	if [ -z "$line" ]; then
		if awk -F/ -v m="$name" '{ n = $NF; sub(/\.ko$/, "", n); gsub(/-/, "_", n);
				if (n == m) f = 1 } END { exit !f }' "$moddir/modules.builtin"; then
			return 0
		fi
		die "module $1 not found for $kver"
	fi
	rel=${line%%:*}
	for dep in ${line#*:}; do
		dep=${dep##*/}
		add_module "${dep%%.ko*}"
	done
	case $rel in
	*.ko) copy_file "$moddir/$rel" "/lib/modules/$kver/$rel" ;;
	*.ko.xz) mkdir -p "$stage/lib/modules/$kver/$(dirname "$rel")"
		xz -dc "$moddir/$rel" >"$stage/lib/modules/$kver/${rel%.xz}" ;;
	*.ko.zst) mkdir -p "$stage/lib/modules/$kver/$(dirname "$rel")"
		zstd -qdc "$moddir/$rel" >"$stage/lib/modules/$kver/${rel%.zst}" ;;
	*.ko.gz) mkdir -p "$stage/lib/modules/$kver/$(dirname "$rel")"
		gzip -dc "$moddir/$rel" >"$stage/lib/modules/$kver/${rel%.gz}" ;;
	*) die "$rel: unknown module format" ;;
	esac
	modlist+=("/lib/modules/$kver/${rel%.ko*}.ko")
}
for m in "${modules[@]}"; do
	add_module "$m"
done
: >"$stage/etc/ward-vm-modules"
[ ${#modlist[@]} -eq 0 ] || printf '%s\n' "${modlist[@]}" >"$stage/etc/ward-vm-modules"

cat >"$stage/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$stage/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
echo ward-vm >"$stage/etc/hostname"
: >"$stage/etc/resolv.conf"
printf '127.0.0.1 localhost ward-vm\n::1 localhost\n' >"$stage/etc/hosts"
install -m 0755 "$here/init" "$stage/init"

mkdir -p "$out"
case $comp in
none) img=$out/initramfs.cpio ;;
gzip) img=$out/initramfs.cpio.gz ;;
esac
# Fixed owner and timestamps keep the image identical for identical inputs.
find "$stage" -exec touch -h -d @0 {} +
(
	cd "$stage"
	find . | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0 --reproducible |
		if [ "$comp" = gzip ]; then gzip -n -1; else cat; fi
) >"$img.tmp"
mv -f "$img.tmp" "$img"
echo "$img"
