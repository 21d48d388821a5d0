#!/usr/bin/env bats
# The network namespace: a new one has `lo` up (runc's loopback strategy),
# so a server and a client inside talk over 127.0.0.1 with no network
# plugin; a namespace joined by path is left as its owner made it.

load helpers

setup() {
	setup_bundle
	update_config '.root.readonly = false'
}
teardown() { teardown_bundle; }

# A server and a client inside the container, over 127.0.0.1 only.
# The message is in a file before the client connects: the server's stdin
# is /dev/null, so it shuts its side down at once, and a client whose
# stdin (a pipe from echo) was still empty then quit without sending.
LOOPBACK_TALK='cat /sys/class/net/lo/flags
echo served-over-lo >/tmp/msg
timeout 5 nc -l -p 8080 >/tmp/got &
for i in 1 2 3 4 5 6 7 8 9 10; do nc 127.0.0.1 8080 </tmp/msg && break; sleep 0.2; done
wait; cat /tmp/got'

@test "a new network namespace has lo up: server and client talk over 127.0.0.1" {
	update_config '.process.args = ["sh", "-c", $c]' --arg c "$LOOPBACK_TALK"
	run ward run ct
	assert_success
	# IFF_UP | IFF_LOOPBACK (| IFF_RUNNING on some kernels)
	[[ "${lines[0]}" =~ ^0x[0-9a-f]*9$ ]] || fail "lo flags: ${lines[0]}"
	assert_line served-over-lo
}

@test "lo is up in a new network namespace owned by a new user namespace" {
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .process.args = ["sh", "-c", $c]' --arg c "$LOOPBACK_TALK"
	chown -R 200000:200000 "$BUNDLE/rootfs"
	run ward run ct
	assert_success
	assert_line served-over-lo
}

@test "a network namespace joined by path is left as it is (lo stays down)" {
	unshare -n sleep 300 &
	local holder=$!
	echo "$holder" >>"$TEST_DIR/bg.pids"
	sleep 0.2
	update_config --arg p "/proc/$holder/ns/net" \
		'.linux.namespaces |= map(if .type == "network" then .path = $p else . end)
		| .process.args = ["cat", "/sys/class/net/lo/flags"]'
	run ward run ct
	assert_success
	assert_output 0x8
}
