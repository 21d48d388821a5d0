#!/bin/bash
# Everything the build and the tests need on a fresh Debian 12, installed
# quietly; a second run finds nothing missing and does nothing.
#   build:        see contrib/install-deps.sh
#   tests:        bats jq busybox-static (rootfs), runc (reference peer),
#                 containerd (containerd.bats), procps, time (bench)
#   cgroup v2 VM: qemu-system-x86 linux-image-amd64 cpio (tests/vm)
#   shim:         protobuf-c-compiler libprotobuf-c-dev, python3-grpcio (CRI
#                 client of shim_cri.bats), clang (fuzz target), util-linux (script)
#   checkpoint:   criu (run in the VM guest with tar, iproute2, iptables)
#   installer:    containernetworking-plugins (loopback and static CNI for the
#                 pods of installer.bats), python3-yaml (installer.yaml)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../contrib/install-deps.sh" \
	bats runc containerd procps time \
	qemu-system-x86 linux-image-amd64 cpio gzip xz-utils zstd kmod \
	protobuf-c-compiler libprotobuf-c-dev python3-grpcio clang criu tar iproute2 iptables \
	containernetworking-plugins python3-yaml
