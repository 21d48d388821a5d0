#!/bin/bash
# Debian 12 packages needed to build ward and run a container with it
# (contrib/demo.sh). Idempotent: does nothing when all are installed.
# Extra package names given as arguments are installed too.
set -euo pipefail

packages=(
	build-essential autoconf automake libtool pkg-config
	libyajl-dev libseccomp-dev libcap-dev libselinux1-dev
	protobuf-c-compiler libprotobuf-c-dev
	busybox-static jq util-linux
	"$@"
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root to install: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
