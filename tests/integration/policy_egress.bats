#!/usr/bin/env bats
# Egress under a policy: the cgroup programs (runtime/egress*.c) refuse
# connections and datagrams to destinations off the allowlist, let listed
# ones and loopback through, and stay attached whatever root inside tries.
#
# The peers live in the pod's network namespace (made by the test, joined
# through linux.namespaces like a CRI sandbox's): this kernel has neither
# veth nor dummy links, so 10.199.1.1 (listed) and 10.199.2.1 (not listed)
# are extra addresses on its lo. The programs judge the destination address
# only, so they are as foreign to the filter as any remote host.

load helpers
load policy_helpers

OK_ADDR=10.199.1.1
OFF_ADDR=10.199.2.1

setup() {
	requires_ward
	policy_setup
	[ -n "$(cgroup2_mount)" ] || skip "no cgroup2 hierarchy (unified) is mounted"
	install_egress_probe
	NS=$(make_netns)
	NS_PID=${NS#/proc/}
	NS_PID=${NS_PID%%/*}
	nsenter -t "$NS_PID" -n sh -c "ip addr add $OK_ADDR/32 dev lo && ip addr add $OFF_ADDR/32 dev lo && ip addr add fd99::1/128 dev lo"
	update_config --arg p "$NS" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
}

teardown() { policy_teardown; }

cgroup2_mount() {
	awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts
}

# tests/tools/egress_probe.c at /egress_probe in the rootfs; PROBE runs
# it on the host
install_egress_probe() {
	PROBE=$(policy_tool egress_probe "$SRC_DIR/tests/tools/egress_probe.c") || return 1
	cp "$PROBE" "$BUNDLE/rootfs/egress_probe"
}

# listen tcp|udp ADDR PORT: a one-shot peer in the pod's network namespace
# (run from the host, outside the container's cgroup); output in
# $TEST_DIR/listen.PROTO.PORT.
listen() {
	local out=$TEST_DIR/listen.$1.$3
	timeout 20 nsenter -t "$NS_PID" -n "$PROBE" listen "$1" "$2" "$3" >"$out" 2>&1 </dev/null 3>&- &
	echo $! >>"$TEST_DIR/netns.pids"
	for _ in $(seq 50); do grep -q ready "$out" 2>/dev/null && return 0; sleep 0.1; done
	fail "listener $1 $2:$3 did not start: $(cat "$out")"
}

# egress_policy MODE [EXTRA]: profile "p" with egress MODE allowing TCP
# 8080 and UDP 5353 on OK_ADDR, a resolver, and podAllow 10.199.0.0/16.
egress_policy() {
	jq -n --arg log "$AUDIT_LOG" --arg m "$1" --arg a "$OK_ADDR" '{version: 1, defaultProfile: "p", auditLog: $log,
		profiles: {p: {level: 1, egress: {mode: $m,
			allow: [{cidr: $a, ports: "8080", protocol: "tcp"}, {cidr: $a, ports: "5353", protocol: "udp"}],
			dns: ["10.96.0.10"], podAllow: [{cidr: "10.199.0.0/16", ports: "8000-9000", protocol: "tcp"}]}}}}' >"$POLICY"
}

@test "policy egress: listed destinations and loopback work, others fail with EPERM" {
	egress_policy enforce
	listen tcp 0.0.0.0 8080
	listen udp 0.0.0.0 5353
	set_cmd "/egress_probe tcp $OFF_ADDR 8080; /egress_probe udp $OFF_ADDR 5353;
		/egress_probe tcp fd99::1 8080; /egress_probe udp 10.96.0.10 53;
		/egress_probe tcp ::ffff:$OFF_ADDR 8080;
		/egress_probe tcp $OK_ADDR 8080; /egress_probe udp $OK_ADDR 5353;
		httpd -p 127.0.0.1:8081 -h /etc && wget -q -O - http://127.0.0.1:8081/hostname
		/egress_probe tcp ::ffff:127.0.0.1 8081"
	run pward run ct
	assert_success
	# a UDP send to the resolver passes the filter (nothing is routed there)
	assert_output $'EPERM\nEPERM\nEPERM\nNetwork is unreachable\nEPERM\nok\nok\nward-test\nok'
	wait_for_file 50 0.1 "$TEST_DIR/listen.udp.5353"
	for _ in $(seq 30); do grep -q got "$TEST_DIR/listen.udp.5353" && break; sleep 0.1; done
	grep -q "got udp hello" "$TEST_DIR/listen.udp.5353"
	grep -q "got tcp" "$TEST_DIR/listen.tcp.8080"
	assert_audit default egress "limited to loopback, $OK_ADDR/32 tcp/8080, $OK_ADDR/32 udp/5353, 10.96.0.10/32 any/53"
}

@test "policy egress: root in the container cannot take the programs off" {
	egress_policy enforce
	set_cmd "/egress_probe detach; /egress_probe tcp $OFF_ADDR 8080"
	run pward run ct
	assert_failure
	assert_output_contains $'\nkept\nEPERM'
	refute_output_contains ": done"
	refute_output_contains "mounted cgroup2"
	# root of its own user and cgroup namespaces with CAP_SYS_ADMIN,
	# CAP_NET_ADMIN and CAP_BPF there: bpf(2) still refuses (it checks the
	# initial user namespace)
	update_config --argjson c '["CAP_SYS_ADMIN","CAP_NET_ADMIN","CAP_BPF"]' '
		.linux.namespaces = (.linux.namespaces | map(select(.type != "user" and .type != "cgroup"))) + [{type: "user"}, {type: "cgroup"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 200000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]
		| .process.capabilities = {bounding: $c, effective: $c, permitted: $c}'
	run pward run ct
	assert_failure
	assert_output_contains $'\nkept\nEPERM'
	assert_output_contains "CapEff:	0000008000201000"
	refute_output_contains ": done"
}

@test "policy egress: while it runs, the unified cgroup carries the four programs" {
	egress_policy enforce
	set_cmd 'sleep 100'
	run ward_detached --policy "$POLICY" run -d ct
	assert_success
	local cg dir
	cg=$(ward state ct | jq -r .pid)
	dir=$(cgroup2_mount)$(awk -F: '$1 == "0" { print $3 }' "/proc/$cg/cgroup")
	[ -d "$dir" ] || fail "no unified cgroup $dir"
	[[ "$dir" == *ward-test* ]] || fail "init is not in the container's unified cgroup: $dir"
	if command -v bpftool >/dev/null; then
		run bpftool cgroup show "$dir"
		assert_output_contains connect4
		assert_output_contains sendmsg6
	fi
	run pward exec ct /egress_probe tcp "$OFF_ADDR" 8080
	assert_failure
	assert_output EPERM
	pward delete -f ct
	[ ! -d "$dir" ] || fail "$dir left behind"
}

@test "policy egress: a pod adds destinations within podAllow only" {
	egress_policy enforce
	listen tcp 0.0.0.0 8443
	update_config --arg a "[{\"cidr\": \"$OFF_ADDR\", \"ports\": \"8443\", \"protocol\": \"tcp\"}]" \
		'.annotations["run.ward.egress"] = $a'
	set_cmd "/egress_probe tcp $OFF_ADDR 8443; /egress_probe tcp $OFF_ADDR 8444"
	run pward run ct
	assert_failure
	assert_output $'ok\nEPERM'
	update_config '.annotations["run.ward.egress"] = "[{\"cidr\": \"10.0.0.0/8\", \"ports\": \"8443\", \"protocol\": \"tcp\"}]"'
	run pward run ct
	assert_failure
	assert_output_contains 'policy p: annotations[\"run.ward.egress\"][0]: 10.0.0.0/8 ports 8443 tcp is not within the profile'\''s egress.podAllow'
	# a pod cannot hand itself the filter's own annotation either
	update_config 'del(.annotations["run.ward.egress"]) | .annotations["run.ward.egress-filter"] = "[{\"cidr\": \"0.0.0.0/0\"}]"'
	set_cmd "/egress_probe tcp $OFF_ADDR 8443"
	run pward run ct
	assert_failure
	output=${output//\\\"/\"}
	assert_output_contains 'annotations["run.ward.egress-filter"]: reserved for the node policy'
}

@test "policy egress: audit mode logs at create and blocks nothing" {
	egress_policy audit
	listen tcp 0.0.0.0 8080
	set_cmd "/egress_probe tcp $OFF_ADDR 8080"
	run pward run ct
	assert_success
	assert_output ok
	assert_audit audit egress "audit mode, connections are not filtered"
	run pward policy check "$BUNDLE"
	assert_success
	assert_output_contains "enforce would allow only loopback, $OK_ADDR/32 tcp/8080"
}

@test "policy egress: the shipped restricted policy lets only loopback through" {
	use_policy "$POLICY_RESTRICTED"
	update_config '.process.capabilities = {"bounding": ["CAP_NET_BIND_SERVICE"],
		"effective": ["CAP_NET_BIND_SERVICE"], "permitted": ["CAP_NET_BIND_SERVICE"]}'
	# peers that would answer without the filter
	listen tcp 0.0.0.0 8080
	listen udp 0.0.0.0 5353
	set_cmd "/egress_probe tcp $OFF_ADDR 8080; /egress_probe udp $OFF_ADDR 5353;
		/egress_probe tcp fd99::1 8080; /egress_probe udp 10.96.0.10 53;
		httpd -p 127.0.0.1:8081 -h /etc && wget -q -O - http://127.0.0.1:8081/hostname
		/egress_probe tcp 127.0.0.1 8081; /egress_probe udp ::1 5353"
	run pward run ct
	assert_success
	assert_output $'EPERM\nEPERM\nEPERM\nEPERM\nward-test\nok\nok'
	sleep 0.3
	! grep -q got "$TEST_DIR/listen.udp.5353" "$TEST_DIR/listen.tcp.8080" || fail "a peer was reached"
	assert_audit default egress "outbound connections limited to loopback"
}
