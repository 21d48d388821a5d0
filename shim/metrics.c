/* Stats: the container's cgroup counters as containerd's cgroups Metrics
 * messages (io.containerd.cgroups.v1.Metrics on v1 and hybrid hosts,
 * io.containerd.cgroups.v2.Metrics on a unified host). Keyed files
 * (memory.stat, cpu.stat) are matched to fields by name through the
 * protobuf descriptors. */
#include "config.h"
#include "shim/shim.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static char *cg_file(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

/* a one-value file; "max" (no limit) reads as UNLIMITED: 0 in v1
 * Metrics (pids.max), all ones in v2 Metrics, as containerd's cgroups
 * Stat reads them */
static bool read_u64(const char *dir, const char *name, uint64_t *v, uint64_t unlimited)
{
	_cleanup_free_ char *p = dir ? cg_file(dir, name) : NULL;
	_cleanup_free_ char *s = p ? read_file_str(p, 256) : NULL;
	if (!s)
		return false;
	if (!strncmp(s, "max", 3)) {
		*v = unlimited;
		return true;
	}
	*v = strtoull(s, NULL, 10);
	return true;
}

/* set the uint64 field named KEY (after RENAME) of M */
static void set_field(ProtobufCMessage *m, const char *key, uint64_t val)
{
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(m->descriptor, key);
	if (f && f->type == PROTOBUF_C_TYPE_UINT64 && f->label != PROTOBUF_C_LABEL_REPEATED)
		*(uint64_t *)((char *)m + f->offset) = val;
}

static void fill_keyed(ProtobufCMessage *m, const char *dir, const char *file, const char *(*rename)(const char *))
{
	_cleanup_free_ char *p = dir ? cg_file(dir, file) : NULL;
	_cleanup_free_ char *s = p ? read_file_str(p, 1 << 16) : NULL;
	char *save = NULL;
	if (!s)
		return;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64];
		uint64_t val;
		if (sscanf(line, "%63s %" SCNu64, key, &val) != 2)
			continue;
		set_field(m, rename ? rename(key) : key, val);
	}
}

static const char *v1_mem_name(const char *k)
{
	static const char *map[][2] = {
		{ "pgpgin", "pg_pg_in" }, { "pgpgout", "pg_pg_out" }, { "pgfault", "pg_fault" },
		{ "pgmajfault", "pg_maj_fault" }, { "hierarchical_memsw_limit", "hierarchical_swap_limit" },
		{ "total_pgpgin", "total_pg_pg_in" }, { "total_pgpgout", "total_pg_pg_out" },
		{ "total_pgfault", "total_pg_fault" }, { "total_pgmajfault", "total_pg_maj_fault" },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i][0], k))
			return map[i][1];
	return k;
}

static const char *v1_throttle_name(const char *k)
{
	if (!strcmp(k, "nr_periods"))
		return "periods";
	if (!strcmp(k, "nr_throttled"))
		return "throttled_periods";
	return k; /* throttled_time */
}

static void v1_entry(Wshim__V1MemoryEntry *e, const char *dir, const char *prefix)
{
	char name[64];
	snprintf(name, sizeof name, "%s.usage_in_bytes", prefix);
	read_u64(dir, name, &e->usage, 0);
	snprintf(name, sizeof name, "%s.limit_in_bytes", prefix);
	read_u64(dir, name, &e->limit, 0);
	snprintf(name, sizeof name, "%s.max_usage_in_bytes", prefix);
	read_u64(dir, name, &e->max, 0);
	snprintf(name, sizeof name, "%s.failcnt", prefix);
	read_u64(dir, name, &e->failcnt, 0);
}

static int collect_v1(struct container *ct, Wshim__Any *out)
{
	Wshim__V1Metrics m = WSHIM__V1_METRICS__INIT;
	Wshim__V1Pids pids = WSHIM__V1_PIDS__INIT;
	Wshim__V1Cpu cpu = WSHIM__V1_CPU__INIT;
	Wshim__V1CpuUsage usage = WSHIM__V1_CPU_USAGE__INIT;
	Wshim__V1Throttle thr = WSHIM__V1_THROTTLE__INIT;
	Wshim__V1Memory mem = WSHIM__V1_MEMORY__INIT;
	Wshim__V1MemoryEntry mu = WSHIM__V1_MEMORY_ENTRY__INIT, ms = WSHIM__V1_MEMORY_ENTRY__INIT,
			     mk = WSHIM__V1_MEMORY_ENTRY__INIT, mt = WSHIM__V1_MEMORY_ENTRY__INIT;
	Wshim__V1MemoryOomControl oc = WSHIM__V1_MEMORY_OOM_CONTROL__INIT;
	uint64_t percpu[1024];
	size_t ncpu = 0;

	if (ct->cg_pids) {
		read_u64(ct->cg_pids, "pids.current", &pids.current, 0);
		read_u64(ct->cg_pids, "pids.max", &pids.limit, 0);
		m.pids = &pids;
	}
	if (ct->cg_cpuacct) {
		_cleanup_free_ char *pp = cg_file(ct->cg_cpuacct, "cpuacct.usage_percpu");
		_cleanup_free_ char *s = read_file_str(pp, 1 << 16);
		uint64_t user = 0, sys = 0;
		_cleanup_free_ char *sp = cg_file(ct->cg_cpuacct, "cpuacct.stat");
		_cleanup_free_ char *st = read_file_str(sp, 4096);
		long hz = sysconf(_SC_CLK_TCK);
		read_u64(ct->cg_cpuacct, "cpuacct.usage", &usage.total, 0);
		if (st && sscanf(st, "user %" SCNu64 " system %" SCNu64, &user, &sys) == 2 && hz > 0) {
			usage.user = user * (1000000000ull / (uint64_t)hz);
			usage.kernel = sys * (1000000000ull / (uint64_t)hz);
		}
		for (char *q = s, *end; q && ncpu < 1024; q = end) {
			uint64_t v = strtoull(q, &end, 10);
			if (end == q)
				break;
			percpu[ncpu++] = v;
		}
		usage.n_per_cpu = ncpu;
		usage.per_cpu = percpu;
		cpu.usage = &usage;
		m.cpu = &cpu;
	}
	if (ct->cg_cpu) {
		fill_keyed(&thr.base, ct->cg_cpu, "cpu.stat", v1_throttle_name);
		cpu.throttling = &thr;
		m.cpu = &cpu;
	}
	if (ct->cg_memory) {
		fill_keyed(&mem.base, ct->cg_memory, "memory.stat", v1_mem_name);
		v1_entry(&mu, ct->cg_memory, "memory");
		v1_entry(&ms, ct->cg_memory, "memory.memsw");
		v1_entry(&mk, ct->cg_memory, "memory.kmem");
		v1_entry(&mt, ct->cg_memory, "memory.kmem.tcp");
		mem.usage = &mu;
		mem.swap = &ms;
		mem.kernel = &mk;
		mem.kernel_tcp = &mt;
		m.memory = &mem;
		fill_keyed(&oc.base, ct->cg_memory, "memory.oom_control", NULL);
		m.memory_oom_control = &oc;
	}
	out->type_url = "io.containerd.cgroups.v1.Metrics";
	out->value.len = wshim__v1_metrics__get_packed_size(&m);
	out->value.data = malloc(out->value.len + 1);
	wshim__v1_metrics__pack(&m, out->value.data);
	return 0;
}

#define HUGE_SIZES_MAX 8

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* One entry per huge page size of the host, named as the cgroup files
 * name it ("2MB", "1GB"; sysfs says hugepages-2048kB), as containerd's
 * cgroup2 Stat lists them. Returns how many; NAMES are freed by the
 * caller. */
static size_t v2_hugetlb(const char *dir, Wshim__V2HugeTlb *e, Wshim__V2HugeTlb **ptrs, char **names)
{
	__attribute__((cleanup(closedirp))) DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *de;
	size_t n = 0;
	while (d && n < HUGE_SIZES_MAX && (de = readdir(d))) {
		unsigned long long kb;
		char file[96];
		if (sscanf(de->d_name, "hugepages-%llukB", &kb) != 1 || !kb)
			continue;
		if (!(kb % (1024 * 1024)))
			names[n] = xasprintf("%lluGB", kb / (1024 * 1024));
		else if (!(kb % 1024))
			names[n] = xasprintf("%lluMB", kb / 1024);
		else
			names[n] = xasprintf("%lluKB", kb);
		wshim__v2_huge_tlb__init(&e[n]);
		e[n].pagesize = names[n];
		snprintf(file, sizeof file, "hugetlb.%s.current", names[n]);
		read_u64(dir, file, &e[n].current, UINT64_MAX);
		snprintf(file, sizeof file, "hugetlb.%s.max", names[n]);
		read_u64(dir, file, &e[n].max, UINT64_MAX);
		ptrs[n] = &e[n];
		n++;
	}
	return n;
}

static int collect_v2(struct container *ct, Wshim__Any *out)
{
	Wshim__V2Metrics m = WSHIM__V2_METRICS__INIT;
	Wshim__V2Pids pids = WSHIM__V2_PIDS__INIT;
	Wshim__V2Cpu cpu = WSHIM__V2_CPU__INIT;
	Wshim__V2Memory mem = WSHIM__V2_MEMORY__INIT;
	Wshim__V2MemoryEvents me = WSHIM__V2_MEMORY_EVENTS__INIT;
	Wshim__V2HugeTlb huge[HUGE_SIZES_MAX], *hugep[HUGE_SIZES_MAX];
	char *huge_names[HUGE_SIZES_MAX];
	const char *d = ct->cg_unified;

	read_u64(d, "pids.current", &pids.current, UINT64_MAX);
	read_u64(d, "pids.max", &pids.limit, UINT64_MAX);
	fill_keyed(&cpu.base, d, "cpu.stat", NULL);
	fill_keyed(&mem.base, d, "memory.stat", NULL);
	read_u64(d, "memory.current", &mem.usage, UINT64_MAX);
	read_u64(d, "memory.max", &mem.usage_limit, UINT64_MAX);
	read_u64(d, "memory.swap.current", &mem.swap_usage, UINT64_MAX);
	read_u64(d, "memory.swap.max", &mem.swap_limit, UINT64_MAX);
	read_u64(d, "memory.peak", &mem.max_usage, UINT64_MAX);
	read_u64(d, "memory.swap.peak", &mem.swap_max_usage, UINT64_MAX);
	fill_keyed(&me.base, d, "memory.events", NULL);
	m.pids = &pids;
	m.cpu = &cpu;
	m.memory = &mem;
	m.memory_events = &me;
	m.n_hugetlb = v2_hugetlb(d, huge, hugep, huge_names);
	m.hugetlb = hugep;
	out->type_url = "io.containerd.cgroups.v2.Metrics";
	out->value.len = wshim__v2_metrics__get_packed_size(&m);
	out->value.data = malloc(out->value.len + 1);
	wshim__v2_metrics__pack(&m, out->value.data);
	for (size_t i = 0; i < m.n_hugetlb; i++)
		free(huge_names[i]);
	return 0;
}

int metrics_collect(struct container *ct, Wshim__Any *out, char **errmsg)
{
	if (ct->cg_memory || ct->cg_cpuacct || ct->cg_pids)
		return collect_v1(ct, out);
	if (ct->cg_unified)
		return collect_v2(ct, out);
	*errmsg = xasprintf("container %s has no cgroup", ct->id);
	return -1;
}

/* where the init process's cgroups are, from /proc/PID/cgroup */
void cg_discover(struct container *ct, pid_t pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/cgroup", pid);
	_cleanup_free_ char *s = read_file_str(path, 1 << 16);
	bool unified = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
	char *save = NULL;
	if (!s)
		return;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		char *ctrls, *cg;
		if (!c2)
			continue;
		*c2 = 0;
		ctrls = c1 + 1;
		cg = c2 + 1;
		if (!*ctrls) {
			if (unified && !ct->cg_unified)
				ct->cg_unified = xasprintf("/sys/fs/cgroup%s", cg);
			continue;
		}
		{
			_cleanup_free_ char *dir = xasprintf("/sys/fs/cgroup/%s%s", ctrls, cg);
			_cleanup_free_ char *copy = strdup(ctrls);
			char *s2 = NULL;
			for (char *c = strtok_r(copy, ",", &s2); c; c = strtok_r(NULL, ",", &s2)) {
				char **slot = !strcmp(c, "memory") ? &ct->cg_memory : !strcmp(c, "cpuacct") ? &ct->cg_cpuacct
					      : !strcmp(c, "cpu")   ? &ct->cg_cpu
					      : !strcmp(c, "pids")  ? &ct->cg_pids
								    : NULL;
				if (slot && !*slot)
					*slot = strdup(dir);
			}
		}
	}
}
