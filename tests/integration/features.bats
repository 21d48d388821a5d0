#!/usr/bin/env bats
# `features` (runtime-spec features.md): what the runtime implements, as
# JSON. The content is ward's own; the shape is the spec's.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "features prints one valid JSON document" {
	run "$WARD" features
	assert_success
	jq -e . <<<"$output" >/dev/null || fail "not JSON"
	[ "$(jq -r type <<<"$output")" = object ]
}

@test "features: OCI version range" {
	run "$WARD" features
	[ "$(jq -r .ociVersionMin <<<"$output")" = 1.0.0 ] || fail "$(jq -r .ociVersionMin <<<"$output")"
	if is_ward; then
		[ "$(jq -r .ociVersionMax <<<"$output")" = 1.3.0 ] || fail "$(jq -r .ociVersionMax <<<"$output")"
	else
		[[ "$(jq -r .ociVersionMax <<<"$output")" =~ ^1\.0\.2 ]]
	fi
}

@test "features: every OCI hook kind" {
	run "$WARD" features
	local h
	for h in prestart createRuntime createContainer startContainer poststart poststop; do
		jq -e --arg h "$h" '.hooks | index($h)' <<<"$output" >/dev/null || fail "hook $h missing"
	done
}

@test "features: mount options include the common ones" {
	run "$WARD" features
	local o
	for o in bind rbind ro rw nosuid nodev noexec private rprivate; do
		jq -e --arg o "$o" '.mountOptions | index($o)' <<<"$output" >/dev/null || fail "mount option $o missing"
	done
}

@test "features: linux namespaces and capabilities" {
	run "$WARD" features
	local n
	for n in pid network ipc uts mount user cgroup; do
		jq -e --arg n "$n" '.linux.namespaces | index($n)' <<<"$output" >/dev/null || fail "namespace $n missing"
	done
	jq -e '.linux.capabilities | index("CAP_SYS_ADMIN")' <<<"$output" >/dev/null || fail "capabilities missing"
	if is_ward; then
		# ward also supports time namespaces (runc 1.1.5 does not)
		jq -e '.linux.namespaces | index("time")' <<<"$output" >/dev/null || fail "time namespace missing"
	fi
}

@test "features: seccomp support is described" {
	run "$WARD" features
	[ "$(jq -r .linux.seccomp.enabled <<<"$output")" = true ]
	local a
	for a in SCMP_ACT_ALLOW SCMP_ACT_ERRNO SCMP_ACT_KILL; do
		jq -e --arg a "$a" '.linux.seccomp.actions | index($a)' <<<"$output" >/dev/null || fail "action $a missing"
	done
	jq -e '.linux.seccomp.archs | index("SCMP_ARCH_X86_64")' <<<"$output" >/dev/null || fail "x86_64 arch missing"
}

@test "features takes no arguments" {
	run "$WARD" features extra
	assert_failure 1
}

# Actions, operators, architectures and supported flags are promises: a
# profile using all of them together must load, and what is left out
# (SCMP_ACT_NOTIFY, flags and architectures this host cannot use) must be
# refused.
@test "features: seccomp lists what ward implements" {
	is_ward || skip "ward's own lists"
	run "$WARD" features
	assert_success
	local sc=$output
	# implemented with the agent hand-over (tests/security/seccomp_notify.bats)
	jq -e '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY")' <<<"$sc" >/dev/null ||
		fail "SCMP_ACT_NOTIFY not listed"
	[ "$(jq -c '.linux.seccomp.operators | sort' <<<"$sc")" = \
		'["SCMP_CMP_EQ","SCMP_CMP_GE","SCMP_CMP_GT","SCMP_CMP_LE","SCMP_CMP_LT","SCMP_CMP_MASKED_EQ","SCMP_CMP_NE"]' ] ||
		fail "operators: $(jq -c .linux.seccomp.operators <<<"$sc")"
	[ "$(jq -c '.linux.seccomp.knownFlags | sort' <<<"$sc")" = \
		'["SECCOMP_FILTER_FLAG_LOG","SECCOMP_FILTER_FLAG_SPEC_ALLOW","SECCOMP_FILTER_FLAG_TSYNC","SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]' ] ||
		fail "knownFlags: $(jq -c .linux.seccomp.knownFlags <<<"$sc")"
	jq -e '.linux.seccomp | (.supportedFlags - .knownFlags) == []' <<<"$sc" >/dev/null ||
		fail "a supported flag is not known"
	# meaningful only with a seccomp agent (SECCOMP_FILTER_FLAG_NEW_LISTENER)
	! jq -e '.linux.seccomp.supportedFlags | index("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")' <<<"$sc" >/dev/null ||
		fail "WAIT_KILLABLE_RECV supported without SCMP_ACT_NOTIFY"
	# every architecture of the default profile is one ward can filter
	"$WARD" spec --bundle "$TEST_DIR"
	jq -e --argjson f "$sc" '(.linux.seccomp.architectures - $f.linux.seccomp.archs) == []' \
		"$TEST_DIR/config.json" >/dev/null || fail "the default profile uses an unlisted architecture"
}

@test "features: a profile with every listed seccomp action, operator, arch and supported flag runs" {
	is_ward || skip "ward's own lists"
	local f
	f=$("$WARD" features)
	# One rule per action, each on a system call the container never makes;
	# one conditional rule per operator.
	update_config --argjson f "$f" '
		["acct", "swapoff", "reboot", "kexec_load", "vhangup", "quotactl", "setdomainname",
		 "lookup_dcookie", "delete_module", "init_module"] as $never
		| [$f.linux.seccomp.actions[] | select(. != "SCMP_ACT_ALLOW" and . != "SCMP_ACT_NOTIFY")] as $acts
		| .linux.seccomp = {
			defaultAction: "SCMP_ACT_ALLOW",
			architectures: $f.linux.seccomp.archs,
			flags: $f.linux.seccomp.supportedFlags,
			syscalls: ([range($acts | length) as $i
				| {names: [$never[$i] // error("more actions than test syscalls")], action: $acts[$i]}]
				+ [$f.linux.seccomp.operators[]
				| {names: ["syslog"], action: "SCMP_ACT_ERRNO", errnoRet: 1,
				   args: [{index: 0, value: 4096, valueTwo: 4096, op: .}]}])
		}'
	set_cmd 'grep "^Seccomp:" /proc/self/status'
	run ward run all
	assert_success
	assert_output "$(printf 'Seccomp:\t2')"
}

@test "features: seccomp actions, flags and architectures it leaves out are refused" {
	is_ward || skip "ward's own lists"
	local f flag n=0
	f=$("$WARD" features)
	set_cmd 'true'
	for flag in $(jq -r '.linux.seccomp | (.knownFlags - .supportedFlags)[]' <<<"$f"); do
		update_config --arg fl "$flag" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", flags: [$fl]}'
		run ward run "flag$n"
		assert_failure
		n=$((n + 1))
	done
	[ "$n" -ge 1 ] || fail "every known flag supported: WAIT_KILLABLE_RECV needs SCMP_ACT_NOTIFY"
	# config-linux.md's architectures that are not listed (another byte
	# order than the host's, or unknown to this libseccomp)
	local arch
	for arch in X86 X86_64 X32 ARM AARCH64 MIPS MIPS64 MIPS64N32 MIPSEL MIPSEL64 MIPSEL64N32 PPC PPC64 \
		PPC64LE S390 S390X PARISC PARISC64 RISCV64 LOONGARCH64 M68K SH SHEB; do
		arch=SCMP_ARCH_$arch
		! jq -e --arg a "$arch" '.linux.seccomp.archs | index($a)' <<<"$f" >/dev/null || continue
		update_config --arg a "$arch" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: [$a]}'
		run ward run "arch$n"
		assert_failure
		n=$((n + 1))
	done
}

@test "features: Landlock is reported as annotations" {
	requires_ward "the run.ward.landlock extension"
	local abi sup
	run "$WARD" features
	assert_success
	abi=$(jq -r '.annotations["run.ward.landlock.abi"]' <<<"$output")
	sup=$(jq -r '.annotations["run.ward.landlock.supported"]' <<<"$output")
	[[ "$abi" =~ ^[0-9]+$ ]] || fail "run.ward.landlock.abi is '$abi'"
	[[ "$sup" =~ ^(true|false)$ ]] || fail "run.ward.landlock.supported is '$sup'"
	[ "$abi" -gt 0 ] || [ "$sup" = false ] || fail "supported without Landlock in the kernel"
	# the ABI is the kernel's, as landlock.c probes it
	run env WARD_TEST_LANDLOCK_ABI=0 "$WARD" features
	assert_success
	[ "$(jq -r '.annotations["run.ward.landlock.abi"]' <<<"$output")" = 0 ] || fail "override ignored"
	[ "$(jq -r '.annotations["run.ward.landlock.supported"]' <<<"$output")" = false ]
	if [ "$sup" = true ]; then
		# create enforces exactly that ABI
		update_config --arg n "$abi" '.annotations["run.ward.landlock"] = "true"
			| .annotations["run.ward.landlock.min-abi"] = $n'
		set_cmd 'echo ok'
		run ward run ll
		assert_success
		assert_output ok
		update_config --arg n "$((abi + 1))" '.annotations["run.ward.landlock.min-abi"] = $n'
		run ward run ll2
		assert_failure
	fi
}

@test "features: LSMs per build, id-mapped mounts implemented" {
	requires_ward "the mountExtensions field"
	run "$WARD" features
	assert_success
	[ "$(jq -r .linux.apparmor.enabled <<<"$output")" = true ]
	[[ "$(jq -r .linux.selinux.enabled <<<"$output")" =~ ^(true|false)$ ]]
	[ "$(jq -r .linux.mountExtensions.idmap.enabled <<<"$output")" = true ]
	# true means applied (tests/integration/idmap.bats has the details)
	mkdir -p "$HOST_DIR/idm" "$BUNDLE/rootfs/mnt"
	chown 0:0 "$HOST_DIR/idm"
	update_config --arg src "$HOST_DIR/idm" '.mounts += [{destination: "/mnt", type: "bind", source: $src,
		options: ["rbind", "idmap"], uidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
		gidMappings: [{containerID: 0, hostID: 100000, size: 65536}]}]'
	set_cmd 'stat -c %u /mnt'
	run ward run idmap
	assert_success
	assert_output 100000
}
