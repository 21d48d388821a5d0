#!/usr/bin/env bats
# linux.sysctl: namespaced sysctls only, written in the container.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "a network sysctl is set in the container's network namespace" {
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	set_cmd 'cat /proc/sys/net/ipv4/ip_forward'
	local host
	host=$(cat /proc/sys/net/ipv4/ip_forward)
	run ward run ct
	assert_success
	assert_output 1
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ] || fail "the host value changed"
}

@test "an IPC sysctl is set in the container's IPC namespace" {
	update_config '.linux.sysctl = {"kernel.msgmax": "4096"}'
	set_cmd 'cat /proc/sys/kernel/msgmax'
	local host
	host=$(cat /proc/sys/kernel/msgmax)
	run ward run ct
	assert_success
	assert_output 4096
	[ "$(cat /proc/sys/kernel/msgmax)" = "$host" ] || fail "the host value changed"
}

@test "several sysctls at once" {
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "net.ipv4.ping_group_range": "0 0", "kernel.shmmni": "1000"}'
	set_cmd 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/shmmni'
	run ward run ct
	assert_success
	assert_output "$(printf '1\n0\t0\n1000')"
}

@test "a host-wide sysctl is refused" {
	update_config '.linux.sysctl = {"vm.swappiness": "10"}'
	local host
	host=$(cat /proc/sys/vm/swappiness)
	run ward run ct
	assert_failure 1
	assert_output_contains "vm.swappiness"
	[ "$(cat /proc/sys/vm/swappiness)" = "$host" ] || fail "the host value changed"
}

@test "a network sysctl without a network namespace is refused" {
	update_config '.linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run ward run ct
	assert_failure 1
	assert_output_contains "net.ipv4.ip_forward"
}

@test "sysctl keys may use slashes" {
	update_config '.linux.sysctl = {"net/ipv4/ip_forward": "1"}'
	set_cmd 'cat /proc/sys/net/ipv4/ip_forward'
	run ward run ct
	assert_success
	assert_output 1
}
