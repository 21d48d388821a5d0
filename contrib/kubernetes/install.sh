#!/bin/sh
# ward's node installer, run on a Kubernetes node (by the DaemonSet in
# installer.yaml, or by hand as root):
#
#   install.sh [install] [OPTIONS]    copy ward and its shim, register the
#                                     "ward" runtime handler with containerd,
#                                     install the node policy, restart
#                                     containerd, label the node
#   install.sh uninstall [OPTIONS]    undo all of it: remove the label, put
#                                     back every file it replaced, remove the
#                                     ones it created, restart containerd
#
# Options (and the environment variables that set them):
#   --from DIR               where ward and containerd-shim-ward-v2 are
#                            (WARD_FROM; default: beside this script)
#   --bin-dir DIR            where they go (WARD_BIN_DIR; /usr/local/bin)
#   --etc-dir DIR            policy.json, shim.toml and the record of what
#                            was installed (WARD_ETC_DIR; /etc/ward)
#   --policy FILE            the node policy to install (WARD_POLICY_SRC;
#                            default ../policy/restricted.json beside this
#                            script); checked with `ward policy show` first
#   --no-policy              no policy: ward stays runc-compatible
#   --containerd-config FILE containerd's main config (WARD_CONTAINERD_CONFIG;
#                            /etc/containerd/config.toml)
#   --imports-dir DIR        where the drop-in goes for containerd 2.x
#                            (WARD_IMPORTS_DIR; /etc/containerd/conf.d);
#                            for 1.x the handler goes into the main config
#   --config-version 2|3     containerd config version (WARD_CONFIG_VERSION;
#                            default: the main config's, else 2 for
#                            containerd 1.x and 3 for containerd 2.x)
#   --containerd CMD         how to run containerd for `--version`
#                            (WARD_CONTAINERD; containerd)
#   --handler NAME           the runtime handler (WARD_HANDLER; ward)
#   --node NAME              the node to label (NODE_NAME; no label if unset)
#   --kubectl CMD            (KUBECTL; kubectl)
#   --label KEY=VALUE        (WARD_NODE_LABEL; ward.run/installed=true)
#   --restart-cmd CMD        restarts containerd (WARD_RESTART_CMD; default:
#                            systemctl restart containerd under systemd)
#   --restart-pid PID        instead, send SIGTERM to PID (a supervised
#                            containerd) (WARD_RESTART_PID)
#   --no-restart             leave the restart to the caller
#   --protect yes|no         bind the installed ward read-only over itself
#                            (WARD_PROTECT; yes): it then runs from a file no
#                            container can write through /proc/<pid>/exe
#                            (CVE-2019-5736) without re-executing itself on
#                            every create, run and exec. Lifted to replace
#                            the binary and by uninstall; made again by the
#                            next install after a reboot (until then ward
#                            re-executes, as safe and ~2 ms slower).
#   --mount-cmd CMD          runs mount, umount and mountpoint where the
#                            binary's bind must be: the host's mount
#                            namespace (WARD_MOUNT_CMD; empty: here; the
#                            DaemonSet: nsenter -t 1 -m --, with the host's
#                            bin dir mounted at the same path)
#
# Idempotent: a second install changes nothing and does not restart
# containerd; containerd is restarted only when its configuration changed.
# Every file written is recorded in ETC-DIR/installed; a file that existed
# is first kept as FILE.ward-orig. uninstall puts those back byte for byte
# (a file changed by someone else since is left as it is, with a message).
set -eu
umask 022

self_dir=$(cd "$(dirname "$0")" && pwd)

action=install
from=${WARD_FROM:-$self_dir}
bin_dir=${WARD_BIN_DIR:-/usr/local/bin}
etc_dir=${WARD_ETC_DIR:-/etc/ward}
policy_src=${WARD_POLICY_SRC:-$self_dir/../policy/restricted.json}
ctrd_config=${WARD_CONTAINERD_CONFIG:-/etc/containerd/config.toml}
imports_dir=${WARD_IMPORTS_DIR:-/etc/containerd/conf.d}
config_version=${WARD_CONFIG_VERSION:-}
containerd_cmd=${WARD_CONTAINERD:-containerd}
handler=${WARD_HANDLER:-ward}
node=${NODE_NAME:-}
kubectl=${KUBECTL:-kubectl}
label=${WARD_NODE_LABEL:-ward.run/installed=true}
restart_cmd=${WARD_RESTART_CMD:-}
restart_pid=${WARD_RESTART_PID:-}
restart=yes
protect=${WARD_PROTECT:-yes}
mount_cmd=${WARD_MOUNT_CMD:-}

say() { echo "ward-install: $*"; }
die() {
	echo "ward-install: $*" >&2
	exit 1
}
need() { [ $# -ge 2 ] || die "$1 needs a value"; }

while [ $# -gt 0 ]; do
	case "$1" in
	install | uninstall) action=$1 && shift ;;
	--from) need "$@" && from=$2 && shift 2 ;;
	--bin-dir) need "$@" && bin_dir=$2 && shift 2 ;;
	--etc-dir) need "$@" && etc_dir=$2 && shift 2 ;;
	--policy) need "$@" && policy_src=$2 && shift 2 ;;
	--no-policy) policy_src= && shift ;;
	--containerd-config) need "$@" && ctrd_config=$2 && shift 2 ;;
	--imports-dir) need "$@" && imports_dir=$2 && shift 2 ;;
	--config-version) need "$@" && config_version=$2 && shift 2 ;;
	--containerd) need "$@" && containerd_cmd=$2 && shift 2 ;;
	--handler) need "$@" && handler=$2 && shift 2 ;;
	--node) need "$@" && node=$2 && shift 2 ;;
	--kubectl) need "$@" && kubectl=$2 && shift 2 ;;
	--label) need "$@" && label=$2 && shift 2 ;;
	--restart-cmd) need "$@" && restart_cmd=$2 && shift 2 ;;
	--restart-pid) need "$@" && restart_pid=$2 && shift 2 ;;
	--no-restart) restart=no && shift ;;
	--protect) need "$@" && protect=$2 && shift 2 ;;
	--mount-cmd) need "$@" && mount_cmd=$2 && shift 2 ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' && exit 0 ;;
	*) die "unknown argument $1 (--help lists them)" ;;
	esac
done

for p in "$bin_dir" "$etc_dir" "$ctrd_config" "$imports_dir"; do
	case "$p" in /*) ;; *) die "$p: paths must be absolute (containerd reads them as they are)" ;; esac
done
case "$handler" in *[!A-Za-z0-9_-]* | "") die "handler '$handler': letters, digits, - and _ only" ;; esac
case "$label" in *=*) ;; *) die "label '$label' is not KEY=VALUE" ;; esac
case "$protect" in yes | no) ;; *) die "--protect expects yes or no, got '$protect'" ;; esac

manifest=$etc_dir/installed
dropin=$imports_dir/$handler.toml
shim_opts=$etc_dir/shim.toml
policy=$etc_dir/policy.json
ctrd_changed=no

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sum() { sha256sum "$1" | cut -d' ' -f1; }

# ---- the record: lines "new SUM PATH", "saved SUM PATH", "dir - PATH" ----

# the kind PATH was recorded with, if any
recorded_kind() { [ ! -f "$manifest" ] || awk -v p="$1" '$1 != "dir" && substr($0, length($1 $2) + 3) == p { print $1 }' "$manifest"; }
recorded() { [ -n "$(recorded_kind "$1")" ]; }

# record KIND SUM PATH, replacing an earlier line for PATH (keeping its kind)
record() {
	kind=$1
	if [ -f "$manifest" ]; then
		old=$(awk -v p="$3" 'substr($0, length($1 $2) + 3) == p { print $1 }' "$manifest")
		[ -z "$old" ] || kind=$old
		awk -v p="$3" 'substr($0, length($1 $2) + 3) != p' "$manifest" >"$tmp/manifest"
	else
		: >"$tmp/manifest"
	fi
	echo "$kind $2 $3" >>"$tmp/manifest"
	cat "$tmp/manifest" >"$manifest"
}

# mkdirs DIR: create DIR and its missing parents, recording those created
mkdirs() {
	d=$1
	missing=
	while [ ! -d "$d" ]; do
		missing="$d
$missing"
		d=$(dirname "$d")
	done
	[ -n "$missing" ] || return 0
	mkdir -p "$1"
	# recorded once all exist: ETC-DIR, which holds the record, may be one
	printf '%s' "$missing" | while IFS= read -r d; do record dir - "$d"; done
}

# put SRC DEST MODE: install SRC as DEST unless it already is; a DEST that
# was not ours is first kept as DEST.ward-orig. Returns 1 when unchanged.
put() {
	if [ -f "$2" ] && cmp -s "$1" "$2" && [ "$(stat -c %a "$2")" = "$3" ]; then
		return 1
	fi
	mkdirs "$(dirname "$2")"
	kind=new
	if ! recorded "$2" && [ -e "$2" ]; then
		cp -p "$2" "$2.ward-orig"
		kind=saved
	fi
	# a temp file and a rename: a running binary is never written in place
	cp "$1" "$2.ward-new"
	chmod "$3" "$2.ward-new"
	mv -f "$2.ward-new" "$2"
	record "$kind" "$(sum "$2")" "$2"
	say "wrote $2"
}

# ---- the read-only bind of ward over itself ----

# in the mount namespace where the bind lives (--mount-cmd)
host() {
	# shellcheck disable=SC2086 # a command with its arguments
	$mount_cmd "$@"
}
bound() { host mountpoint -q "$1" 2>/dev/null; }
# the options of the topmost mount at PATH there
bind_opts() { host cat /proc/self/mountinfo | awk -v p="$1" '$5 == p { o = $6 } END { print o }'; }
unbind() {
	while bound "$1"; do
		host umount "$1" 2>/dev/null || host umount -l "$1" || return 1
	done
}
bind_readonly() {
	case ",$(bind_opts "$1")," in *,ro,*) bound "$1" && return 0 ;; esac
	unbind "$1" || true
	if host mount --bind "$1" "$1" && host mount -o remount,bind,ro,nosuid,nodev "$1"; then
		say "bound $1 read-only over itself"
	else
		unbind "$1" || true
		say "could not bind $1 read-only: ward re-executes itself instead (as safe, slower)"
	fi
}

# ---- containerd ----

detect_version() {
	[ -n "$config_version" ] && return 0
	if [ -f "$ctrd_config" ]; then
		config_version=$(sed -n 's/^version *= *\([0-9]*\).*/\1/p' "$ctrd_config" | head -n 1)
		[ -n "$config_version" ] ||
			die "$ctrd_config has no version line (a version 1 config): migrate it with 'containerd config migrate' or pass --config-version"
		return 0
	fi
	# shellcheck disable=SC2086 # a command with its arguments
	v=$($containerd_cmd --version 2>/dev/null | sed -n 's/.* v\{0,1\}\([0-9][0-9]*\)\.[0-9][0-9]*\..*/\1/p' | head -n 1) ||
		true
	case "$v" in
	1) config_version=2 ;;
	2) config_version=3 ;;
	*) die "cannot tell containerd's version from '$containerd_cmd --version': pass --config-version 2 or 3" ;;
	esac
}

# the runtime tables of the handler
runtime_tables() {
	case "$config_version" in
	2) plugin='plugins."io.containerd.grpc.v1.cri".containerd.runtimes' ;;
	3) plugin='plugins."io.containerd.cri.v1.runtime".containerd.runtimes' ;;
	*) die "config version $config_version: only 2 (containerd 1.x) and 3 (containerd 2.x)" ;;
	esac
	cat <<-EOF
		# The "$handler" runtime handler: ward through containerd-shim-ward-v2.
		# Written by ward's node installer; its uninstall removes it.
		[$plugin.$handler]
		  runtime_type = "io.containerd.ward.v2"
		  runtime_path = "$bin_dir/containerd-shim-ward-v2"
		  pod_annotations = ["run.ward.*"]
		  container_annotations = ["run.ward.*"]
		  # BinaryName and Policy for the shim (runtimeoptions.v1.Options)
		  [$plugin.$handler.options]
		    ConfigPath = "$shim_opts"
	EOF
	# containerd replaces its built-in runtime table with the one a config
	# gives: a config naming no runtime would lose the default "runc"
	if ! grep -qE "^[[:space:]]*\[.*containerd\.runtimes\." "$1" 2>/dev/null; then
		cat <<-EOF

			# containerd's default runtime, which naming "$handler" would remove
			[$plugin.runc]
			  runtime_type = "io.containerd.runc.v2"
		EOF
	fi
}

# containerd 2.x merges imported files into the main config: the handler is
# a drop-in in IMPORTS-DIR. containerd 1.x replaces a plugin's whole section
# with an imported one (the node's CRI settings would be lost): there the
# handler is appended to the main config itself, kept as FILE.ward-orig.
write_containerd() {
	# the tables follow the node's own config: the original of one we
	# replaced, none for one we created (whose runtimes are our own)
	case "$(recorded_kind "$ctrd_config")" in
	saved) runtime_tables "$ctrd_config.ward-orig" ;;
	new) runtime_tables /dev/null ;;
	*) runtime_tables "$ctrd_config" ;;
	esac >"$tmp/tables"
	if [ "$config_version" = 3 ]; then
		{ echo "version = 3" && echo && cat "$tmp/tables"; } >"$tmp/dropin"
		if put "$tmp/dropin" "$dropin" 644; then ctrd_changed=yes; fi
		write_import
		return 0
	fi
	mode=644
	case "$(recorded_kind "$ctrd_config")" in
	saved) base=$ctrd_config.ward-orig ;;
	new) base= ;;
	*)
		base=
		if [ -f "$ctrd_config" ]; then
			base=$ctrd_config
			! grep -qF "containerd.runtimes.$handler]" "$ctrd_config" ||
				die "$ctrd_config already has a runtime $handler: remove it, or pass --handler"
		fi
		;;
	esac
	if [ -n "$base" ]; then
		mode=$(stat -c %a "$base")
		{ cat "$base" && echo && cat "$tmp/tables"; } >"$tmp/config"
	else
		{ echo "version = 2" && echo && cat "$tmp/tables"; } >"$tmp/config"
	fi
	if put "$tmp/config" "$ctrd_config" "$mode"; then ctrd_changed=yes; fi
}

# the main config imports the drop-in: an `imports` line is added (or the
# drop-in added to the one there) before the first table
write_import() {
	if [ -f "$ctrd_config" ]; then
		if grep -qF -e "\"$dropin\"" -e "\"$imports_dir/*.toml\"" -e "'$dropin'" -e "'$imports_dir/*.toml'" "$ctrd_config"; then
			return 0
		fi
		awk -v imp="\"$dropin\"" '
			!done && /^imports *= *\[/ {
				if ($0 ~ /\[ *\]/) sub(/\[ *\]/, "[" imp "]"); else sub(/\[/, "[" imp ", ")
				done = 1
			}
			!done && /^ *\[/ { print "imports = [" imp "]"; print ""; done = 1 }
			{ print }
			END { if (!done) print "imports = [" imp "]" }
		' "$ctrd_config" >"$tmp/config"
		mode=$(stat -c %a "$ctrd_config")
	else
		printf 'version = %s\nimports = ["%s"]\n' "$config_version" "$dropin" >"$tmp/config"
		mode=644
	fi
	if put "$tmp/config" "$ctrd_config" "$mode"; then ctrd_changed=yes; fi
}

restart_containerd() {
	[ "$ctrd_changed" = yes ] || return 0
	if [ "$restart" = no ]; then
		say "containerd's configuration changed: restart containerd to apply it"
	elif [ -n "$restart_cmd" ]; then
		say "restarting containerd: $restart_cmd"
		sh -c "$restart_cmd" || die "'$restart_cmd' failed"
	elif [ -n "$restart_pid" ]; then
		say "sending SIGTERM to containerd ($restart_pid) for its supervisor to restart it"
		kill -TERM "$restart_pid" || die "cannot signal $restart_pid"
	elif command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		say "restarting containerd: systemctl restart containerd"
		systemctl restart containerd || die "systemctl restart containerd failed"
	else
		say "no systemd: restart containerd to apply its new configuration (or pass --restart-cmd)"
	fi
}

# ---- the node label ----

label_node() { # set | unset
	if [ -z "$node" ]; then
		[ "$1" = unset ] || say "NODE_NAME is not set: the node is not labelled (kubectl label node NODE $label)"
		return 0
	fi
	# shellcheck disable=SC2086 # a command with its arguments
	if ! command -v ${kubectl%% *} >/dev/null 2>&1; then
		say "no kubectl: label the node yourself (kubectl label node $node $label)"
		return 0
	fi
	if [ "$1" = set ]; then
		# shellcheck disable=SC2086
		$kubectl label node "$node" --overwrite "$label" >/dev/null || die "cannot label node $node"
		say "labelled node $node $label"
	else
		# shellcheck disable=SC2086
		$kubectl label node "$node" "${label%%=*}-" >/dev/null || die "cannot remove label ${label%%=*} from node $node"
		say "removed label ${label%%=*} from node $node"
	fi
}

# ---- install / uninstall ----

install() {
	if [ ! -x "$from/ward" ] || [ ! -x "$from/containerd-shim-ward-v2" ]; then
		die "no ward and containerd-shim-ward-v2 in $from (--from DIR)"
	fi
	if [ -n "$policy_src" ]; then
		[ -f "$policy_src" ] || die "policy $policy_src: no such file"
		# an invalid policy would refuse every container: never install one
		"$from/ward" policy show --policy "$policy_src" >/dev/null || die "policy $policy_src is invalid"
	fi
	detect_version
	mkdirs "$etc_dir"

	# a mount point is neither renamed over nor written: lifted first
	cmp -s "$from/ward" "$bin_dir/ward" 2>/dev/null || unbind "$bin_dir/ward" || true
	put "$from/ward" "$bin_dir/ward" 755 || true
	if [ "$protect" = yes ]; then
		bind_readonly "$bin_dir/ward"
	elif bound "$bin_dir/ward"; then
		unbind "$bin_dir/ward" && say "lifted the read-only bind of $bin_dir/ward"
	fi
	put "$from/containerd-shim-ward-v2" "$bin_dir/containerd-shim-ward-v2" 755 || true
	{
		echo "# containerd-shim-ward-v2 options for the \"$handler\" runtime handler"
		echo "BinaryName = \"$bin_dir/ward\""
		[ -z "$policy_src" ] || echo "Policy = \"$policy\""
	} >"$tmp/shim.toml"
	put "$tmp/shim.toml" "$shim_opts" 644 || true
	[ -z "$policy_src" ] || put "$policy_src" "$policy" 644 || true

	write_containerd
	restart_containerd
	label_node set
	say "installed (runtime handler $handler, containerd config version $config_version)"
}

uninstall() {
	if [ ! -f "$manifest" ]; then
		say "nothing installed here ($manifest is absent)"
		label_node unset
		return 0
	fi
	# no new pods first, then the files
	label_node unset
	if bound "$bin_dir/ward"; then
		unbind "$bin_dir/ward" && say "lifted the read-only bind of $bin_dir/ward"
	fi
	cp "$manifest" "$tmp/manifest.old"
	left=no
	while read -r kind s path; do
		[ "$kind" != dir ] || continue
		if [ -e "$path" ] && [ "$(sum "$path")" != "$s" ]; then
			say "$path changed since it was installed: left as it is"
			[ "$kind" = new ] || say "  (its original is $path.ward-orig)"
			left=yes
			continue
		fi
		if [ "$kind" = saved ] && [ ! -e "$path.ward-orig" ]; then
			say "$path.ward-orig is gone: $path left as it is"
			left=yes
			continue
		fi
		case "$path" in "$ctrd_config" | "$dropin") ctrd_changed=yes ;; esac
		if [ "$kind" = saved ]; then
			mv -f "$path.ward-orig" "$path"
			say "restored $path"
		else
			rm -f "$path"
			say "removed $path"
		fi
	done <"$tmp/manifest.old"
	rm -f "$manifest"
	# directories last, deepest first
	awk '$1 == "dir" { print substr($0, 7) }' "$tmp/manifest.old" | sort -r | while read -r d; do
		rmdir "$d" 2>/dev/null || say "$d is not empty: left"
	done
	restart_containerd
	[ "$left" = no ] || exit 1
	say "uninstalled"
}

"$action"
