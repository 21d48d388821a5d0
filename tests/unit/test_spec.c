/* spec/: parsing every field, emitting, round trips, defaults, lookups,
 * validation and the lone process/resources objects. */
#include <stdint.h>
#include <sys/resource.h>

#include "test_spec_common.h"

static void check_process(const struct spec_process *p)
{
	is_int(p->terminal, 1, "process.terminal");
	ok(p->console_size && p->console_size->height == 25 && p->console_size->width == 80,
	   "process.consoleSize");
	is_int(p->user.uid, 1000, "process.user.uid");
	is_int(p->user.gid, 1001, "process.user.gid");
	ok(p->user.umask.set && p->user.umask.value == 022, "process.user.umask");
	ok(p->user.n_additional_gids == 2 && p->user.additional_gids[0] == 5 &&
	   p->user.additional_gids[1] == UINT32_MAX, "process.user.additionalGids (incl. 2^32-1)");
	is_str(p->user.username, "alice", "process.user.username");
	is_int((int64_t)p->args.len, 3, "process.args length");
	is_str(p->args.items[2], "echo \"hi\"\tthere\n", "process.args escapes decoded");
	ok(p->args.items[3] == NULL, "process.args NULL-terminated");
	is_str(p->command_line, "sh -c echo", "process.commandLine");
	is_str(p->env.items[2], "GREETING=h\xc3\xa9llo \xe2\x98\x83", "process.env UTF-8");
	is_str(p->cwd, "/work", "process.cwd");
	ok(p->capabilities != NULL, "process.capabilities");
	is_str(p->capabilities->bounding.items[2], "CAP_CHECKPOINT_RESTORE", "capabilities.bounding");
	is_str(p->capabilities->effective.items[0], "CAP_CHOWN", "capabilities.effective");
	is_str(p->capabilities->inheritable.items[0], "CAP_KILL", "capabilities.inheritable");
	is_int((int64_t)p->capabilities->permitted.len, 2, "capabilities.permitted");
	is_str(p->capabilities->ambient.items[0], "CAP_KILL", "capabilities.ambient");
	is_int((int64_t)p->n_rlimits, 2, "process.rlimits count");
	ok(p->rlimits[0].resource == RLIMIT_NOFILE && p->rlimits[0].hard == 1024 &&
	   p->rlimits[0].soft == 512, "rlimits[0] RLIMIT_NOFILE resolved");
	ok(p->rlimits[1].resource == RLIMIT_CORE && p->rlimits[1].hard == UINT64_MAX &&
	   p->rlimits[1].soft == 0, "rlimits[1] hard = 2^64-1");
	is_int(p->no_new_privileges, 1, "process.noNewPrivileges");
	is_str(p->apparmor_profile, "ward-default", "process.apparmorProfile");
	ok(p->oom_score_adj.set && p->oom_score_adj.value == -500, "process.oomScoreAdj");
	is_str(p->selinux_label, "system_u:system_r:container_t:s0", "process.selinuxLabel");
	ok(p->scheduler && strcmp(p->scheduler->policy, "SCHED_DEADLINE") == 0 &&
	   p->scheduler->nice.set && p->scheduler->nice.value == -5 && p->scheduler->priority.set &&
	   p->scheduler->priority.value == 0 && p->scheduler->flags.len == 2 &&
	   p->scheduler->runtime.value == 10000000 && p->scheduler->deadline.value == 20000000 &&
	   p->scheduler->period.value == 30000000, "process.scheduler");
	ok(p->io_priority && strcmp(p->io_priority->klass, "IOPRIO_CLASS_BE") == 0 &&
	   p->io_priority->priority == 4, "process.ioPriority");
	ok(p->exec_cpu_affinity && strcmp(p->exec_cpu_affinity->initial, "0-3,7") == 0 &&
	   strcmp(p->exec_cpu_affinity->final, "4") == 0, "process.execCPUAffinity");
}

static void check_resources(const struct spec_resources *r)
{
	is_int((int64_t)r->n_devices, 4, "resources.devices count");
	ok(!r->devices[0].allow && r->devices[0].type == NULL && !r->devices[0].major.set &&
	   strcmp(r->devices[0].access, "rwm") == 0, "resources.devices[0] deny all");
	ok(r->devices[1].allow && strcmp(r->devices[1].type, "c") == 0 &&
	   r->devices[1].major.value == 1 && r->devices[1].minor.value == 3, "resources.devices[1]");
	ok(r->devices[2].minor.set && r->devices[2].minor.value == -1, "resources.devices[2] minor -1");
	ok(r->memory && r->memory->limit.value == 536870912 && r->memory->reservation.value == 268435456 &&
	   r->memory->swap.value == 1073741824 && r->memory->kernel.set && r->memory->kernel.value == -1 &&
	   r->memory->kernel_tcp.value == 67108864 && r->memory->swappiness.value == 60 &&
	   r->memory->disable_oom_killer.set && !r->memory->disable_oom_killer.value &&
	   r->memory->use_hierarchy.value && r->memory->check_before_update.value, "resources.memory");
	ok(r->cpu && r->cpu->shares.value == 1024 && r->cpu->quota.value == 100000 &&
	   r->cpu->burst.value == 5000 && r->cpu->period.value == 100000 &&
	   r->cpu->realtime_runtime.value == 950000 && r->cpu->realtime_period.value == 1000000 &&
	   strcmp(r->cpu->cpus, "0-3") == 0 && strcmp(r->cpu->mems, "0") == 0 &&
	   r->cpu->idle.set && r->cpu->idle.value == 1, "resources.cpu");
	ok(r->pids && r->pids->limit.set && r->pids->limit.value == 0, "resources.pids.limit 0 is kept");
	ok(r->block_io && r->block_io->weight.value == 500 && r->block_io->leaf_weight.value == 300 &&
	   r->block_io->n_weight_device == 2 && r->block_io->weight_device[0].leaf_weight.value == 65535 &&
	   !r->block_io->weight_device[1].weight.set, "resources.blockIO weights");
	ok(r->block_io->throttle_read_bps.len == 1 && r->block_io->throttle_read_bps.items[0].rate == 104857600 &&
	   r->block_io->throttle_write_bps.items[0].minor == 1 &&
	   r->block_io->throttle_read_iops.items[0].rate == 1000 &&
	   r->block_io->throttle_write_iops.items[0].rate == UINT64_MAX, "resources.blockIO throttles");
	ok(r->n_hugepage_limits == 2 && strcmp(r->hugepage_limits[1].page_size, "1GB") == 0 &&
	   r->hugepage_limits[0].limit == 209715200, "resources.hugepageLimits");
	ok(r->network && r->network->class_id.value == 1048577 && r->network->n_priorities == 2 &&
	   strcmp(r->network->priorities[1].name, "lo") == 0, "resources.network");
	ok(r->n_rdma == 2 && strcmp(r->rdma[0].device, "mlx5_1") == 0 && r->rdma[0].hca_handles.value == 3 &&
	   !r->rdma[1].hca_handles.set && r->rdma[1].hca_objects.value == 1000, "resources.rdma");
	ok(r->unified.len == 2 && strcmp(r->unified.items[1].key, "io.weight") == 0 &&
	   strcmp(r->unified.items[1].value, "default 100") == 0, "resources.unified");
}

static void check_linux(const struct spec_linux *l)
{
	ok(l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 100000 &&
	   l->uid_mappings[0].size == 65536, "linux.uidMappings");
	ok(l->n_gid_mappings == 2 && l->gid_mappings[1].host_id == 4294901760u, "linux.gidMappings");
	ok(l->sysctl.len == 5 && strcmp(l->sysctl.items[0].key, "net.ipv4.ip_forward") == 0,
	   "linux.sysctl");
	check_resources(l->resources);
	is_str(l->cgroups_path, "/ward/full", "linux.cgroupsPath");
	is_int((int64_t)l->n_namespaces, 8, "linux.namespaces count");
	ok(l->namespaces[1].type == SPEC_NS_NETWORK &&
	   strcmp(l->namespaces[1].path, "/var/run/netns/full") == 0 && l->namespaces[0].path == NULL,
	   "linux.namespaces path");
	ok(l->namespaces[7].type == SPEC_NS_TIME, "linux.namespaces time");
	ok(l->n_devices == 4 && l->devices[0].file_mode.value == 0666 && l->devices[0].gid.value == 5 &&
	   !l->devices[1].file_mode.set && strcmp(l->devices[3].type, "u") == 0, "linux.devices");
	ok(l->n_net_devices == 2 && strcmp(l->net_devices[0].host_name, "eth1") == 0 &&
	   strcmp(l->net_devices[0].name, "net1") == 0, "linux.netDevices");
	ok(l->seccomp != NULL, "linux.seccomp");
	ok(l->seccomp->default_action == SPEC_SCMP_ACT_ERRNO && l->seccomp->default_errno_ret.value == 1,
	   "seccomp.defaultAction/defaultErrnoRet");
	ok(l->seccomp->architectures.len == 3 && l->seccomp->flags.len == 3, "seccomp arches and flags");
	is_str(l->seccomp->listener_path, "/run/seccomp-agent.sock", "seccomp.listenerPath");
	is_str(l->seccomp->listener_metadata, "full", "seccomp.listenerMetadata");
	is_int((int64_t)l->seccomp->n_syscalls, 10, "seccomp.syscalls count");
	const struct spec_seccomp_syscall *sc = l->seccomp->syscalls;
	ok(sc[1].n_args == 2 && sc[1].args[1].value == UINT64_MAX && sc[1].args[1].value_two == 8 &&
	   sc[1].args[1].op == SPEC_SCMP_MASKED_EQ && sc[1].args[1].index == 1, "seccomp args");
	ok(sc[2].errno_ret.set && sc[2].errno_ret.value == 97 && sc[2].args[4].index == 5 &&
	   sc[2].args[4].op == SPEC_SCMP_GT && sc[2].args[0].op == SPEC_SCMP_NE, "seccomp ops");
	ok(sc[3].action == SPEC_SCMP_ACT_NOTIFY && sc[4].action == SPEC_SCMP_ACT_KILL &&
	   sc[5].action == SPEC_SCMP_ACT_KILL_PROCESS && sc[6].action == SPEC_SCMP_ACT_KILL_THREAD &&
	   sc[7].action == SPEC_SCMP_ACT_TRAP && sc[8].action == SPEC_SCMP_ACT_TRACE &&
	   sc[9].action == SPEC_SCMP_ACT_LOG && sc[0].action == SPEC_SCMP_ACT_ALLOW, "seccomp actions");
	is_str(l->rootfs_propagation, "rslave", "linux.rootfsPropagation");
	is_str(l->masked_paths.items[1], "/sys/firmware", "linux.maskedPaths");
	is_str(l->readonly_paths.items[0], "/proc/sys", "linux.readonlyPaths");
	is_str(l->mount_label, "system_u:object_r:container_file_t:s0", "linux.mountLabel");
	ok(l->intel_rdt && strcmp(l->intel_rdt->clos_id, "guaranteed") == 0 &&
	   l->intel_rdt->schemata.len == 2 && strcmp(l->intel_rdt->l3_cache_schema, "L3:0=ff") == 0 &&
	   strcmp(l->intel_rdt->mem_bw_schema, "MB:0=50") == 0 && l->intel_rdt->enable_monitoring.set &&
	   l->intel_rdt->enable_monitoring.value, "linux.intelRdt");
	ok(l->memory_policy && strcmp(l->memory_policy->mode, "MPOL_INTERLEAVE") == 0 &&
	   strcmp(l->memory_policy->nodes, "0-1") == 0 && l->memory_policy->flags.len == 1,
	   "linux.memoryPolicy");
	ok(l->personality && strcmp(l->personality->domain, "LINUX32") == 0 &&
	   l->personality->flags.items == NULL, "linux.personality");
	ok(l->time_monotonic.set && l->time_monotonic.secs == -3600 && l->time_monotonic.nanosecs == 5,
	   "linux.timeOffsets.monotonic");
	ok(l->time_boottime.set && l->time_boottime.secs == 86400 &&
	   l->time_boottime.nanosecs == 999999999, "linux.timeOffsets.boottime");
}

static void test_full(void)
{
	struct ward_error err = { 0 };
	size_t len, out_len;
	char *text = slurp(FULL_JSON, &len);
	struct spec *s = spec_parse_file(FULL_JSON, &err);

	if (!ok(s != NULL, "parse full.json")) {
		diag("%s", err.msg);
		free(text);
		return;
	}
	is_str(s->oci_version, "1.3.0", "ociVersion");
	check_process(s->process);
	ok(s->root && strcmp(s->root->path, "rootfs") == 0 && s->root->readonly, "root");
	is_str(s->hostname, "ward-full", "hostname");
	is_str(s->domainname, "example.org", "domainname");
	is_int((int64_t)s->n_mounts, 3, "mounts count");
	ok(s->mounts[1].n_uid_mappings == 1 && s->mounts[1].gid_mappings[0].host_id == 200000 &&
	   s->mounts[1].options.len == 3, "mounts[1] idmapped");
	ok(s->mounts[2].type == NULL && s->mounts[2].source == NULL && s->mounts[2].options.items == NULL,
	   "mounts[2] optional fields absent");
	ok(s->hooks && s->hooks->prestart.len == 1 && s->hooks->create_runtime.items[0].timeout.set &&
	   s->hooks->create_runtime.items[0].timeout.value == 5 &&
	   s->hooks->create_runtime.items[0].env.len == 2 && s->hooks->create_container.len == 1 &&
	   s->hooks->start_container.len == 1 && s->hooks->poststart.len == 2 &&
	   s->hooks->poststop.len == 1 && !s->hooks->poststart.items[1].timeout.set, "hooks");
	is_str(spec_annotation(s, "org.example.unicode"), "h\xc3\xa9llo \xe2\x98\x83", "annotations");
	ok(spec_annotation(s, "missing") == NULL, "spec_annotation absent");
	check_linux(s->linux);
	ok(spec_find_namespace(s, SPEC_NS_TIME) != NULL, "spec_find_namespace");
	ok(spec_validate(s, true, &err) == 0, "full.json validates for start");
	if (err.msg[0])
		diag("%s", err.msg);

	/* full.json is written in the emitter's own layout: every field must
	 * come back, spelled and ordered the same. */
	char *out = spec_emit(s, true, &out_len, &err);
	ok(out && out_len == len && strcmp(out, text) == 0, "emit(parse(full.json)) == full.json");
	if (out && strcmp(out, text) != 0) {
		size_t i = 0;
		while (out[i] && out[i] == text[i])
			i++;
		diag("first difference at byte %zu: ...%.60s", i, out + (i > 20 ? i - 20 : 0));
	}
	free(out);

	/* compact form round trip */
	char *c1 = spec_emit(s, false, NULL, &err);
	struct spec *s2 = c1 ? spec_parse(c1, strlen(c1), "compact", &err) : NULL;
	char *c2 = s2 ? spec_emit(s2, false, NULL, &err) : NULL;
	ok(c1 && c2 && strcmp(c1, c2) == 0, "compact parse -> emit -> parse -> emit identical");
	ok(c1 && strchr(c1, '\n') == NULL, "compact output has no newlines");
	free(c1);
	free(c2);
	spec_free(s2);
	spec_free(s);
	free(text);
}

/* ward's default profile (contrib/seccomp/default.json), as spec_default()
 * attaches it: spot checks of its shape; test_default_seccomp_source()
 * checks that it is the file itself. */
static void check_default_seccomp(const struct spec_seccomp *sc, const char *tag)
{
	/* escape routes the profile exists to close */
	static const char *const never[] = { "mount", "unshare", "setns", "ptrace", "bpf", "keyctl",
					     "io_uring_setup", "open_by_handle_at", "userfaultfd", NULL };
	const struct spec_seccomp_syscall *clone3 = NULL;
	const char *allowed = NULL;
	size_t n_socket = 0, n_notify = 0;

	if (!ok(sc != NULL, "%s: default seccomp profile attached", tag))
		return;
	ok(sc->default_action == SPEC_SCMP_ACT_ERRNO && sc->default_errno_ret.set &&
	   sc->default_errno_ret.value == 1, "%s: seccomp denies with EPERM by default", tag);
	ok(sc->architectures.len == 2 && strcmp(sc->architectures.items[0], "SCMP_ARCH_X86_64") == 0 &&
	   strcmp(sc->architectures.items[1], "SCMP_ARCH_AARCH64") == 0,
	   "%s: seccomp architectures x86_64 and aarch64 only", tag);
	ok(sc->flags.items == NULL && sc->listener_path == NULL, "%s: no seccomp flags, no listener", tag);
	ok(sc->n_syscalls > 0 && sc->syscalls[0].action == SPEC_SCMP_ACT_ALLOW &&
	   sc->syscalls[0].names.len > 200 && sc->syscalls[0].n_args == 0,
	   "%s: seccomp allowlist first", tag);
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct spec_seccomp_syscall *r = &sc->syscalls[i];

		n_notify += r->action == SPEC_SCMP_ACT_NOTIFY;
		for (size_t j = 0; j < r->names.len; j++) {
			const char *name = r->names.items[j];

			if (strcmp(name, "clone3") == 0)
				clone3 = r;
			if (strcmp(name, "socket") == 0)
				n_socket += r->n_args == 1 && r->args[0].op == SPEC_SCMP_EQ;
			for (size_t k = 0; never[k]; k++)
				if (r->action == SPEC_SCMP_ACT_ALLOW && strcmp(name, never[k]) == 0)
					allowed = name;
		}
	}
	is_int((int64_t)n_notify, 0, "%s: no seccomp rule notifies", tag);
	ok(allowed == NULL, "%s: seccomp denies mount, unshare, setns, ptrace, bpf... (%s)", tag,
	   allowed ? allowed : "none allowed");
	ok(clone3 && clone3->action == SPEC_SCMP_ACT_ERRNO && clone3->errno_ret.set &&
	   clone3->errno_ret.value == 38, "%s: clone3 answers ENOSYS", tag);
	is_int((int64_t)n_socket, 5, "%s: socket allowed for five families, by value", tag);
}

/* The embedded profile is contrib/seccomp/default.json, not a stale copy:
 * both, emitted as a config's linux.seccomp, read the same. */
static void test_default_seccomp_source(void)
{
	struct ward_error err = { 0 };
	size_t len;
	char *file = slurp(WARD_TEST_SRCDIR "/contrib/seccomp/default.json", &len);
	size_t wlen = len + 64;
	char *wrapped = malloc(wlen);
	struct spec *def = spec_default(false, 0, 0, &err);
	struct spec *src;
	char *a = NULL, *b = NULL;

	snprintf(wrapped, wlen, "{\"ociVersion\": \"1.3.0\", \"linux\": {\"seccomp\": %s}}", file);
	src = spec_parse(wrapped, strlen(wrapped), "default.json", &err);
	if (!ok(def && src, "default.json parses as linux.seccomp"))
		diag("%s", err.msg);
	if (def && src) {
		struct spec_linux only = { .seccomp = def->linux->seccomp };
		struct spec view = { .oci_version = def->oci_version, .linux = &only };

		a = spec_emit(&view, true, NULL, &err);
		b = spec_emit(src, true, NULL, &err);
		ok(a && b && strcmp(a, b) == 0, "embedded profile == contrib/seccomp/default.json");
	}
	free(a);
	free(b);
	spec_free(src);
	spec_free(def);
	free(wrapped);
	free(file);
}

static void test_default(bool rootless)
{
	struct ward_error err = { 0 };
	struct spec *s = spec_default(rootless, 1234, 5678, &err);
	const char *tag = rootless ? "rootless" : "default";

	if (!ok(s != NULL, "%s: spec_default", tag)) {
		diag("%s", err.msg);
		return;
	}
	ok(spec_validate(s, true, &err) == 0, "%s: validates for start", tag);
	if (err.msg[0])
		diag("%s", err.msg);
	is_str(s->oci_version, "1.3.0", "%s: ociVersion", tag);
	is_str(s->hostname, "ward", "%s: hostname", tag);
	ok(s->root->readonly && strcmp(s->root->path, "rootfs") == 0, "%s: readonly rootfs", tag);
	ok(s->process->no_new_privileges && s->process->terminal, "%s: noNewPrivileges", tag);
	ok(s->process->capabilities->bounding.len == 3 &&
	   strcmp(s->process->capabilities->bounding.items[1], "CAP_KILL") == 0 &&
	   s->process->capabilities->ambient.items == NULL &&
	   s->process->capabilities->inheritable.items == NULL, "%s: capabilities", tag);
	check_default_seccomp(s->linux->seccomp, tag);
	ok(spec_find_namespace(s, SPEC_NS_CGROUP) != NULL, "%s: cgroup namespace", tag);
	ok((spec_find_namespace(s, SPEC_NS_NETWORK) == NULL) == rootless, "%s: network namespace", tag);
	ok((spec_find_namespace(s, SPEC_NS_USER) != NULL) == rootless, "%s: user namespace", tag);
	ok(s->linux->masked_paths.len == 11 && s->linux->readonly_paths.len == 5, "%s: masked paths", tag);
	if (rootless) {
		ok(s->linux->n_uid_mappings == 1 && s->linux->uid_mappings[0].host_id == 1234 &&
		   s->linux->uid_mappings[0].container_id == 0 && s->linux->gid_mappings[0].host_id == 5678,
		   "rootless: mappings to the caller");
		ok(s->linux->resources == NULL, "rootless: no cgroup resources");
		ok(strcmp(s->mounts[5].type, "none") == 0 && strcmp(s->mounts[5].options.items[0], "rbind") == 0,
		   "rootless: /sys bind mount");
		ok(s->mounts[2].options.len == 5, "rootless: devpts without gid=5");
	} else {
		ok(s->linux->resources && s->linux->resources->n_devices == 1 &&
		   !s->linux->resources->devices[0].allow &&
		   strcmp(s->linux->resources->devices[0].access, "rwm") == 0, "default: deny all devices");
		ok(s->mounts[2].options.len == 6, "default: devpts with gid=5");
	}
	char *a = spec_emit(s, true, NULL, &err);
	struct spec *s2 = a ? spec_parse(a, strlen(a), "default", &err) : NULL;
	char *b = s2 ? spec_emit(s2, true, NULL, &err) : NULL;
	ok(a && b && strcmp(a, b) == 0, "%s: round trip identical", tag);
	ok(a && strstr(a, "\"ociVersion\": \"1.3.0\"") && strstr(a, "\"hostname\": \"ward\""),
	   "%s: emitted text", tag);
	free(a);
	free(b);
	spec_free(s2);
	spec_free(s);
}

static void test_names(void)
{
	is_int(spec_capability_last(), 40, "spec_capability_last");
	is_str(spec_capability_name(40), "CAP_CHECKPOINT_RESTORE", "capability 40");
	is_str(spec_capability_name(0), "CAP_CHOWN", "capability 0");
	ok(spec_capability_name(41) == NULL && spec_capability_name(-1) == NULL, "capability out of range");
	is_int(spec_capability_from_name("CAP_SYS_ADMIN"), 21, "CAP_SYS_ADMIN = 21");
	is_int(spec_capability_from_name("CAP_BPF"), 39, "CAP_BPF = 39");
	is_int(spec_capability_from_name("cap_sys_admin"), -1, "capability names are exact");
	is_int(spec_rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE, "RLIMIT_NOFILE");
	is_int(spec_rlimit_from_name("RLIMIT_RTTIME"), RLIMIT_RTTIME, "RLIMIT_RTTIME");
	is_int(spec_rlimit_from_name("RLIMIT_BOGUS"), -1, "unknown rlimit");
	is_str(spec_ns_type_name(SPEC_NS_NETWORK), "network", "ns name");
	is_int(spec_ns_type_from_name("time"), SPEC_NS_TIME, "ns from name");
	is_int(spec_ns_type_from_name("net"), -1, "unknown ns");
	is_str(spec_seccomp_action_name(SPEC_SCMP_ACT_KILL_PROCESS), "SCMP_ACT_KILL_PROCESS", "action name");
	is_str(spec_seccomp_op_name(SPEC_SCMP_MASKED_EQ), "SCMP_CMP_MASKED_EQ", "op name");
}

static void test_process(void)
{
	struct ward_error err = { 0 };
	char *j = dq("{'user': {'uid': 1, 'gid': 2}, 'args': ['ls', '-l'], 'cwd': '/', 'terminal': false,"
		     " 'env': ['A=b'], 'unknownFutureField': {'x': 1}}");
	struct spec_process *p = spec_parse_process(j, strlen(j), "process.json", &err);

	if (ok(p != NULL, "spec_parse_process")) {
		ok(p->user.uid == 1 && p->user.gid == 2 && p->args.len == 2 && !p->terminal,
		   "process values");
		char *a = spec_emit_process(p, false, NULL, &err);
		is_str(a, "{\"user\":{\"uid\":1,\"gid\":2},\"args\":[\"ls\",\"-l\"],\"env\":[\"A=b\"],\"cwd\":\"/\"}",
		       "spec_emit_process compact");
		struct spec_process *p2 = a ? spec_parse_process(a, strlen(a), "p", &err) : NULL;
		char *b = p2 ? spec_emit_process(p2, false, NULL, &err) : NULL;
		is_str(b, a, "process round trip");
		free(a);
		free(b);
		spec_process_free(p2);
	}
	spec_process_free(p);
	free(j);

	/* An exec'd process may omit user: 0:0, as with runc and crun. */
	j = dq("{'args': ['ls'], 'cwd': '/', 'ioPriority': {'class': 'IOPRIO_CLASS_BE'}}");
	p = spec_parse_process(j, strlen(j), "process.json", &err);
	ok(p != NULL && p->user.uid == 0 && p->user.gid == 0 && p->io_priority &&
		   p->io_priority->priority == 0,
	   "process without user (0:0) and ioPriority without priority (0)");
	spec_process_free(p);
	free(j);

	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "{'user': {'uid': 1, 'gid': 'x'}, 'args': ['ls'], 'cwd': '/'}",
		  "process.json: user.gid: expected integer, got string" },
		{ "{'user': {'uid': 1, 'gid': 2}, 'args': [], 'cwd': '/'}",
		  "process.json: args: at least one argument is required" },
		{ "{'user': {'uid': 1, 'gid': 2}, 'cwd': '/'}",
		  "process.json: args: at least one argument is required" },
		{ "{'user': {'uid': 1, 'gid': 2}, 'args': ['ls'], 'cwd': 'rel'}",
		  "process.json: cwd: must be an absolute path, got \"rel\"" },
		{ "{'user': {'uid': 1}, 'args': ['ls'], 'cwd': '/'}", "process.json: user.gid: missing required field" },
		{ "[1]", "process.json: expected object, got array" },
		{ "{'user': {'uid': 1, 'gid': 2}, 'args': ['ls'], 'cwd': '/', 'capabilities': {'bounding': ['CAP_NOPE']}}",
		  "process.json: capabilities.bounding[0]: unknown capability \"CAP_NOPE\"" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *b = dq(bad[i].json);
		struct spec_process *q;

		ward_error_clear(&err);
		q = spec_parse_process(b, strlen(b), "process.json", &err);
		ok(q == NULL, "bad process %zu rejected", i);
		is_str(err.msg, bad[i].msg, "bad process %zu message", i);
		spec_process_free(q);
		free(b);
	}
}

static void test_resources(void)
{
	struct ward_error err = { 0 };
	char *j = dq("{'memory': {'limit': 1048576, 'swap': -1}, 'pids': {'limit': -1},"
		     " 'cpu': {'quota': -1, 'cpus': '1'}}");
	struct spec_resources *r = spec_parse_resources(j, strlen(j), "resources.json", &err);

	if (ok(r != NULL, "spec_parse_resources")) {
		ok(r->memory->limit.value == 1048576 && r->memory->swap.value == -1 &&
		   !r->memory->reservation.set && r->pids->limit.value == -1 && r->cpu->quota.value == -1,
		   "resources values");
		char *a = spec_emit_resources(r, false, NULL, &err);
		is_str(a, "{\"memory\":{\"limit\":1048576,\"swap\":-1},\"cpu\":{\"quota\":-1,\"cpus\":\"1\"},"
			  "\"pids\":{\"limit\":-1}}", "spec_emit_resources compact");
		free(a);
	}
	spec_resources_free(r);
	free(j);

	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "{'memory': {'limit': '1G'}}", "resources.json: memory.limit: expected integer, got string" },
		{ "{'memory': {'limit': -2}}",
		  "resources.json: memory.limit: -2 is out of range (-1 to 9223372036854775807)" },
		{ "{'blockIO': {'weight': 70000}}", "resources.json: blockIO.weight: 70000 is out of range (0 to 65535)" },
		{ "{'cpu': {'shares': 1.5}}", "resources.json: cpu.shares: expected integer, got 1.5" },
		{ "{'unified': {'../cgroup.procs': '1'}}",
		  "resources.json: unified[\"../cgroup.procs\"]: invalid cgroup file name" },
		{ "{'pids': 5}", "resources.json: pids: expected object, got number" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *b = dq(bad[i].json);
		struct spec_resources *q;

		ward_error_clear(&err);
		q = spec_parse_resources(b, strlen(b), "resources.json", &err);
		ok(q == NULL, "bad resources %zu rejected", i);
		is_str(err.msg, bad[i].msg, "bad resources %zu message", i);
		spec_resources_free(q);
		free(b);
	}
}

/* Parse `json` (single quotes) and return the compact emission. */
static char *reemit(const char *json, struct ward_error *err)
{
	char *j = dq(json);
	struct spec *s = spec_parse(j, strlen(j), "t.json", err);
	char *out = s ? spec_emit(s, false, NULL, err) : NULL;

	spec_free(s);
	free(j);
	return out;
}

static void test_json_semantics(void)
{
	struct ward_error err = { 0 };
	char *out;

	out = reemit("{'ociVersion': '1.0.0', 'hostname': 'a', 'hostname': 'b'}", &err);
	is_str(out, "{\"ociVersion\":\"1.0.0\",\"hostname\":\"b\"}", "duplicate key: the last wins");
	free(out);

	out = reemit("{'ociVersion': '1.0.0', 'annotations': {'a': '1', 'b': '2', 'a': '3'}}", &err);
	is_str(out, "{\"ociVersion\":\"1.0.0\",\"annotations\":{\"b\":\"2\",\"a\":\"3\"}}",
	       "duplicate map key: the last wins, at its position");
	free(out);

	out = reemit("{'ociVersion': '1.0.0', 'annotations': {'\\ud83d\\ude00\\\\\\u00e9': "
		     "'\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xef\xbf\xbf\\\"'}}", &err);
	is_str(out, "{\"ociVersion\":\"1.0.0\",\"annotations\":{\"\xf0\x9f\x98\x80\\\\\xc3\xa9\":"
		    "\"\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xef\xbf\xbf\\\"\"}}",
	       "surrogate pairs, escaped backslashes and 4-byte UTF-8 up to U+10FFFF are kept");
	free(out);

	out = reemit("{'ociVersion': '1.0.0', 'hostname': 1, 'hostname': 'ok'}", &err);
	is_str(out, "{\"ociVersion\":\"1.0.0\",\"hostname\":\"ok\"}", "an overridden bad value is not read");
	free(out);

	out = reemit("{'ociVersion': '1.0.0', 'hostname': null, 'process': null, 'mounts': null,"
		     " 'linux': {'sysctl': null, 'namespaces': null}}", &err);
	is_str(out, "{\"ociVersion\":\"1.0.0\",\"linux\":{}}", "null means absent");
	free(out);

	out = reemit("{'ociVersion': '1.0.0', 'process': {'user': {'uid': 0, 'gid': 0}, 'cwd': '/',"
		     " 'args': [], 'env': []}}", &err);
	is_str(out, "{\"ociVersion\":\"1.0.0\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[],"
		    "\"env\":[],\"cwd\":\"/\"}}", "empty arrays round-trip as []");
	free(out);

	out = reemit("{'ociVersion': '1.0.0', 'futureField': {'deep': [1, 2, {'x': null}]},"
		     " 'linux': {'futureLinux': true}}", &err);
	is_str(out, "{\"ociVersion\":\"1.0.0\",\"linux\":{}}", "unknown fields are ignored");
	free(out);

	out = reemit("{'ociVersion': '1.0.0', 'linux': {'namespaces': [{'type': 'pid', 'path': ''}],"
		     " 'netDevices': {'eth0': {}}}}", &err);
	is_str(out, "{\"ociVersion\":\"1.0.0\",\"linux\":{\"namespaces\":[{\"type\":\"pid\"}],"
		    "\"netDevices\":{\"eth0\":{}}}}", "empty namespace path means create");
	free(out);

	out = reemit("{'ociVersion': '1.0.0', 'linux': {'resources': {'memory': {'limit': -0}}}}", &err);
	is_str(out, "{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{\"memory\":{\"limit\":0}}}}",
	       "-0 reads as 0");
	free(out);

	/* a big object with repeated keys stays cheap and correct */
	size_t n = 20000, cap = n * 16 + 64, len = 0;
	char *big = malloc(cap);
	len += (size_t)snprintf(big + len, cap - len, "{\"ociVersion\":\"1.0.0\",\"annotations\":{");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(big + len, cap - len, "%s\"k%zu\":\"%zu\"", i ? "," : "", i % 100, i);
	len += (size_t)snprintf(big + len, cap - len, "}}");
	struct spec *s = spec_parse(big, len, "big.json", &err);
	ok(s && s->annotations.len == 100 && strcmp(spec_annotation(s, "k7"), "19907") == 0,
	   "20000 annotations, 100 distinct keys: last values kept");
	spec_free(s);
	free(big);
}

static void test_validate(void)
{
	static const struct {
		const char *json;
		bool for_start;
		const char *msg;
	} cases[] = {
		{ "{'ociVersion': '1.2.0'}", true, "root.path: missing required field" },
		{ "{'ociVersion': '1.2.0', 'root': {'path': 'r'}}", true, "process: missing required field" },
		{ "{'ociVersion': '1.2.0', 'root': {'path': 'r'}, 'process': {'user': {'uid': 0, 'gid': 0}, 'cwd': '/'}}",
		  true, "process.args: at least one argument is required" },
		{ "{'ociVersion': '1.2.0', 'root': {'path': 'r'}, 'process': {'user': {'uid': 0, 'gid': 0}, 'cwd': '/', 'args': ['']}}",
		  true, "process.args[0]: must not be empty" },
		{ "{'ociVersion': '2.0.0'}", false, "ociVersion: unsupported version \"2.0.0\" (expected 1.x)" },
		{ "{'ociVersion': '1.0.0', 'linux': {'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]}}",
		  false, "linux.uidMappings: id mappings need a user namespace (add {\"type\": \"user\"} to linux.namespaces)" },
		{ "{'ociVersion': '1.0.0', 'linux': {'namespaces': [{'type': 'user'}]}}", false,
		  "linux.uidMappings: a new user namespace needs both uidMappings and gidMappings" },
		{ "{'ociVersion': '1.0.0', 'linux': {'namespaces': [{'type': 'user'}], 'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]}}",
		  false, "linux.gidMappings: a new user namespace needs both uidMappings and gidMappings" },
		{ "{'ociVersion': '1.0.0', 'linux': {'namespaces': [{'type': 'user', 'path': '/proc/1/ns/user'}], 'gidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]}}",
		  false, "linux.gidMappings: cannot set id mappings when joining an existing user namespace" },
		{ "{'ociVersion': '1.0.0', 'linux': {'sysctl': {'vm.overcommit_memory': '1'}}}", false,
		  "linux.sysctl[\"vm.overcommit_memory\"]: not a namespaced sysctl; setting it would change the host" },
		{ "{'ociVersion': '1.0.0', 'linux': {'sysctl': {'net.ipv4.ip_forward': '1'}}}", false,
		  "linux.sysctl[\"net.ipv4.ip_forward\"]: only allowed when the container has its own network namespace" },
		{ "{'ociVersion': '1.0.0', 'linux': {'sysctl': {'kernel/shmmax': '1'}}}", false,
		  "linux.sysctl[\"kernel/shmmax\"]: only allowed when the container has its own ipc namespace" },
		{ "{'ociVersion': '1.0.0', 'linux': {'timeOffsets': {'boottime': {'secs': 1}}}}", false,
		  "linux.timeOffsets: needs a time namespace" },
		{ "{'ociVersion': '1.0.0', 'linux': {'namespaces': [{'type': 'time', 'path': '/proc/1/ns/time'}], 'timeOffsets': {'boottime': {'secs': 1}}}}",
		  false, "linux.timeOffsets: cannot set offsets when joining an existing time namespace" },
		{ "{'ociVersion': '1.0.0', 'linux': {'netDevices': {'eth0': {}}}}", false,
		  "linux.netDevices: moving devices needs a network namespace (the host's would be a no-op)" },
		{ "{'ociVersion': '1.0.0', 'hostname': '0123456789012345678901234567890123456789012345678901234567890123X'}",
		  false, "hostname: longer than 64 bytes" },
		{ "{'ociVersion': '1.0.0', 'hostname': 'x'}", false,
		  "hostname: setting a hostname needs a uts namespace" },
		{ "{'ociVersion': '1.0.0', 'domainname': 'x', 'linux': {}}", false,
		  "domainname: setting a domainname needs a uts namespace" },
	};
	struct ward_error err = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *j = dq(cases[i].json);
		struct spec *s = spec_parse(j, strlen(j), "v.json", &err);

		if (!ok(s != NULL, "validate case %zu parses", i)) {
			diag("%s", err.msg);
			free(j);
			continue;
		}
		ward_error_clear(&err);
		ok(spec_validate(s, cases[i].for_start, &err) < 0, "validate case %zu rejected", i);
		is_str(err.msg, cases[i].msg, "validate case %zu message", i);
		spec_free(s);
		free(j);
	}

	char *j = dq("{'ociVersion': '1.0.0', 'hostname': 'h', 'linux': {'namespaces': [{'type': 'uts'},"
		     " {'type': 'user', 'path': '/proc/1/ns/user'}, {'type': 'network'}],"
		     " 'sysctl': {'net.core.somaxconn': '1024', 'kernel.hostname': 'x'}}}");
	struct spec *s = spec_parse(j, strlen(j), "v.json", &err);
	ok(s && spec_validate(s, false, &err) == 0, "joined userns without mappings, namespaced sysctls: valid");
	spec_free(s);
	free(j);
}

static void test_emit_errors(void)
{
	struct ward_error err = { 0 };
	struct spec *s = spec_default(false, 0, 0, &err);

	free(s->hostname);
	s->hostname = strdup("bad \xff utf-8");
	char *out = spec_emit(s, false, NULL, &err);
	ok(out == NULL, "invalid UTF-8 is not emitted");
	is_str(err.msg, "cannot write JSON: a string is not valid UTF-8", "emit error message");
	free(out);
	spec_free(s);
}

static void test_files(void)
{
	struct ward_error err = { 0 };
	struct spec *s = spec_parse_file("/nonexistent/ward/config.json", &err);

	ok(s == NULL && strstr(err.msg, "open /nonexistent/ward/config.json: No such file") == err.msg,
	   "missing file: %s", err.msg);
	s = spec_parse_file("/", &err);
	is_str(err.msg, "/: not a regular file", "directory rejected");
	ok(s == NULL, "directory gives NULL");
}

int main(void)
{
	test_full();
	test_default(false);
	test_default(true);
	test_default_seccomp_source();
	test_names();
	test_process();
	test_resources();
	test_json_semantics();
	test_validate();
	test_emit_errors();
	test_files();
	return tap_done();
}
