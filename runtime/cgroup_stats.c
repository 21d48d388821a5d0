/* Statistics for `events`, in the JSON shape of runc's types.Stats (Go's
 * encoding: fields in declaration order, omitempty fields left out when
 * zero, maps sorted by key), read from whichever hierarchy holds each
 * controller. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_priv.h"
#include "cleanup.h"
#include "jsonw.h"

struct kv {
	char *key;
	uint64_t value;
};

struct kvs {
	struct kv *v;
	size_t n;
};

static void kvs_free(struct kvs *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].key);
	free(k->v);
	k->v = NULL;
	k->n = 0;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* "key value" lines, sorted by key. */
static void read_kvs(const char *dir, const char *file, struct kvs *out)
{
	cleanup_free char *text = dir ? cg_read_all(dir, file, NULL) : NULL;

	out->v = NULL;
	out->n = 0;
	for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char key[128];
		unsigned long long v;
		if (sscanf(line, "%127s %llu", key, &v) != 2)
			continue;
		struct kv *nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (!nv)
			break;
		out->v = nv;
		out->v[out->n].key = strdup(key);
		out->v[out->n].value = v;
		if (out->v[out->n].key)
			out->n++;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), kv_cmp);
}

static uint64_t kvs_get(const struct kvs *k, const char *key)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->v[i].key, key) == 0)
			return k->v[i].value;
	return 0;
}

static uint64_t u64(const char *dir, const char *file)
{
	uint64_t v = 0;

	if (dir)
		cg_read_u64(dir, file, &v, NULL);
	return v;
}

static void kv_uint_nz(struct jsonw *w, const char *key, uint64_t v)
{
	if (v)
		jsonw_kv_uint(w, key, v);
}

/* The container's directory for a controller, or NULL. */
static char *ctrl_dir(const struct cgroup_loc *cg, const char *controller, bool *v2)
{
	const struct cg_hier *h = cg_controller_hier(controller);

	if (!h)
		return NULL;
	*v2 = h->v2;
	cleanup_free char *dir = cg_dir(h, cg);
	if (!dir || access(dir, F_OK) < 0)
		return NULL;
	return steal_ptr(dir);
}

/* ---- cpu ---- */

/* Whitespace-separated numbers. */
static void num_array(struct jsonw *w, const char *key, const char *text, uint64_t scale)
{
	if (!text || !text[strspn(text, " \n")])
		return;
	jsonw_key(w, key);
	jsonw_arr_open(w);
	for (const char *p = text; *p;) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p)
			break;
		jsonw_uint(w, v * scale);
		p = end + strspn(end, " \n");
	}
	jsonw_arr_close(w);
}

/* cpuacct.usage_all: "cpu user system" per cpu, after a header line. */
static void percpu_split(struct jsonw *w, const char *dir)
{
	cleanup_free char *text = cg_read_all(dir, "cpuacct.usage_all", NULL);
	char *nl = text ? strchr(text, '\n') : NULL;
	/* Each column is shorter than the whole file. */
	size_t cap = text ? strlen(text) + 1 : 0;
	cleanup_free char *user = cap ? calloc(1, cap) : NULL;
	cleanup_free char *sys = cap ? calloc(1, cap) : NULL;
	size_t ul = 0, sl = 0;

	if (!nl || !user || !sys)
		return;
	for (char *save = NULL, *l = strtok_r(nl + 1, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		unsigned long long cpu, u, s;
		if (sscanf(l, "%llu %llu %llu", &cpu, &u, &s) != 3)
			continue;
		ul += (size_t)snprintf(user + ul, cap - ul, "%llu ", u);
		sl += (size_t)snprintf(sys + sl, cap - sl, "%llu ", s);
	}
	num_array(w, "percpu_kernel", sys, 1);
	num_array(w, "percpu_user", user, 1);
}

static void cpu_stats(struct jsonw *w, const struct cgroup_loc *cg)
{
	bool v2 = false, tv2 = false;
	cleanup_free char *acct = ctrl_dir(cg, "cpuacct", &v2);
	cleanup_free char *cpu = ctrl_dir(cg, "cpu", &tv2);
	const struct cg_hier *h2 = cg_hier_v2();
	cleanup_free char *core = h2 ? cg_dir(h2, cg) : NULL;
	struct kvs st;

	jsonw_key(w, "cpu");
	jsonw_obj_open(w);
	jsonw_key(w, "usage");
	jsonw_obj_open(w);
	if (acct && !v2) {
		long hz = sysconf(_SC_CLK_TCK);
		uint64_t tick = hz > 0 ? 1000000000ULL / (uint64_t)hz : 10000000ULL;
		cleanup_free char *percpu = cg_read_all(acct, "cpuacct.usage_percpu", NULL);
		kv_uint_nz(w, "total", u64(acct, "cpuacct.usage"));
		num_array(w, "percpu", percpu, 1);
		percpu_split(w, acct);
		/* cpuacct.stat counts USER_HZ ticks. */
		read_kvs(acct, "cpuacct.stat", &st);
		jsonw_kv_uint(w, "kernel", kvs_get(&st, "system") * tick);
		jsonw_kv_uint(w, "user", kvs_get(&st, "user") * tick);
		kvs_free(&st);
	} else {
		/* cgroup2's cpu.stat has the usage even without the cpu
		 * controller. */
		read_kvs(core, "cpu.stat", &st);
		kv_uint_nz(w, "total", kvs_get(&st, "usage_usec") * 1000);
		jsonw_kv_uint(w, "kernel", kvs_get(&st, "system_usec") * 1000);
		jsonw_kv_uint(w, "user", kvs_get(&st, "user_usec") * 1000);
		kvs_free(&st);
	}
	jsonw_obj_close(w);
	jsonw_key(w, "throttling");
	jsonw_obj_open(w);
	read_kvs(cpu, "cpu.stat", &st);
	kv_uint_nz(w, "periods", kvs_get(&st, "nr_periods"));
	kv_uint_nz(w, "throttledPeriods", kvs_get(&st, "nr_throttled"));
	kv_uint_nz(w, "throttledTime", tv2 ? kvs_get(&st, "throttled_usec") * 1000
					   : kvs_get(&st, "throttled_time"));
	kvs_free(&st);
	jsonw_obj_close(w);
	jsonw_obj_close(w);
}

/* ---- cpuset ---- */

/* "0-3,8" -> [0,1,2,3,8] */
static void cpu_list(struct jsonw *w, const char *key, const char *text)
{
	if (!text || !text[strspn(text, " \n")])
		return;
	jsonw_key(w, key);
	jsonw_arr_open(w);
	for (const char *p = text; *p && *p != '\n';) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;
		if (end == p)
			break;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (unsigned long i = a; i <= b && i < 65536; i++)
			jsonw_uint(w, i);
		p = *end == ',' ? end + 1 : end;
	}
	jsonw_arr_close(w);
}

static void cpuset_stats(struct jsonw *w, const struct cgroup_loc *cg)
{
	static const char *const flags[] = { "mem_hardwall", "mem_exclusive", "memory_migrate",
					     "memory_spread_page", "memory_spread_slab",
					     "memory_pressure", "sched_load_balance" };
	bool v2 = false;
	cleanup_free char *dir = ctrl_dir(cg, "cpuset", &v2);
	cleanup_free char *cpus = NULL, *mems = NULL;
	char file[64], buf[32];

	if (dir) {
		cpus = cg_read_all(dir, v2 ? "cpuset.cpus.effective" : "cpuset.cpus", NULL);
		mems = cg_read_all(dir, v2 ? "cpuset.mems.effective" : "cpuset.mems", NULL);
	}
	jsonw_key(w, "cpuset");
	jsonw_obj_open(w);
	cpu_list(w, "cpus", cpus);
	jsonw_kv_uint(w, "cpu_exclusive", dir && !v2 ? u64(dir, "cpuset.cpu_exclusive") : 0);
	cpu_list(w, "mems", mems);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		snprintf(file, sizeof(file), "cpuset.%s", flags[i]);
		jsonw_kv_uint(w, flags[i], dir && !v2 ? u64(dir, file) : 0);
	}
	long long relax = 0;
	if (dir && !v2 && cg_read(dir, "cpuset.sched_relax_domain_level", buf, sizeof(buf), NULL) > 0)
		relax = strtoll(buf, NULL, 10);
	jsonw_kv_int(w, "sched_relax_domain_level", relax);
	jsonw_obj_close(w);
}

/* ---- memory ---- */

/* {limit, usage, max, failcnt} */
static void mem_entry(struct jsonw *w, const char *key, uint64_t limit, uint64_t usage,
		      uint64_t max, uint64_t failcnt)
{
	jsonw_key(w, key);
	jsonw_obj_open(w);
	jsonw_kv_uint(w, "limit", limit);
	kv_uint_nz(w, "usage", usage);
	kv_uint_nz(w, "max", max);
	jsonw_kv_uint(w, "failcnt", failcnt);
	jsonw_obj_close(w);
}

static void mem_entry_v1(struct jsonw *w, const char *key, const char *dir, const char *prefix)
{
	char f[4][96];
	static const char *const sfx[] = { "limit_in_bytes", "usage_in_bytes",
					   "max_usage_in_bytes", "failcnt" };

	for (int i = 0; i < 4; i++)
		snprintf(f[i], sizeof(f[i]), "%s%s", prefix, sfx[i]);
	mem_entry(w, key, u64(dir, f[0]), u64(dir, f[1]), u64(dir, f[2]), u64(dir, f[3]));
}

static void raw_map(struct jsonw *w, const struct kvs *st)
{
	if (st->n == 0)
		return;
	jsonw_key(w, "raw");
	jsonw_obj_open(w);
	for (size_t i = 0; i < st->n; i++)
		jsonw_kv_uint(w, st->v[i].key, st->v[i].value);
	jsonw_obj_close(w);
}

static void memory_stats(struct jsonw *w, const struct cgroup_loc *cg)
{
	bool v2 = false;
	cleanup_free char *dir = ctrl_dir(cg, "memory", &v2);
	struct kvs st;

	read_kvs(dir, "memory.stat", &st);
	jsonw_key(w, "memory");
	jsonw_obj_open(w);
	kv_uint_nz(w, "cache", kvs_get(&st, v2 ? "file" : "cache"));
	if (dir && !v2) {
		mem_entry_v1(w, "usage", dir, "memory.");
		/* v1 reports memory+swap, as memsw counts it. */
		mem_entry_v1(w, "swap", dir, "memory.memsw.");
		mem_entry_v1(w, "kernel", dir, "memory.kmem.");
		mem_entry_v1(w, "kernelTCP", dir, "memory.kmem.tcp.");
	} else if (dir) {
		uint64_t limit = u64(dir, "memory.max"), usage = u64(dir, "memory.current");
		uint64_t slimit = u64(dir, "memory.swap.max"), susage = u64(dir, "memory.swap.current");
		uint64_t ooms = 0;
		cg_read_keyed(dir, "memory.events", "max", &ooms);
		mem_entry(w, "usage", limit, usage, u64(dir, "memory.peak"), ooms);
		/* Combined, for the same meaning as v1's memsw figures. */
		if (slimit != UINT64_MAX && limit != UINT64_MAX)
			slimit += limit;
		else
			slimit = UINT64_MAX;
		mem_entry(w, "swap", slimit, susage + usage, 0, 0);
		mem_entry(w, "kernel", 0, 0, 0, 0);
		mem_entry(w, "kernelTCP", 0, 0, 0, 0);
	} else {
		mem_entry(w, "usage", 0, 0, 0, 0);
		mem_entry(w, "swap", 0, 0, 0, 0);
		mem_entry(w, "kernel", 0, 0, 0, 0);
		mem_entry(w, "kernelTCP", 0, 0, 0, 0);
	}
	raw_map(w, &st);
	kvs_free(&st);
	jsonw_obj_close(w);
}

/* ---- pids ---- */

static void pids_stats(struct jsonw *w, const struct cgroup_loc *cg)
{
	bool v2 = false;
	cleanup_free char *dir = ctrl_dir(cg, "pids", &v2);
	uint64_t limit = u64(dir, "pids.max");

	jsonw_key(w, "pids");
	jsonw_obj_open(w);
	kv_uint_nz(w, "current", u64(dir, "pids.current"));
	/* "max" (no limit) is reported as 0. */
	kv_uint_nz(w, "limit", limit == UINT64_MAX ? 0 : limit);
	jsonw_obj_close(w);
}

/* ---- blkio ---- */

static void blkio_entry(struct jsonw *w, unsigned long maj, unsigned long min, const char *op,
			uint64_t value)
{
	jsonw_obj_open(w);
	kv_uint_nz(w, "major", maj);
	kv_uint_nz(w, "minor", min);
	if (op && *op)
		jsonw_kv_str(w, "op", op);
	kv_uint_nz(w, "value", value);
	jsonw_obj_close(w);
}

/* v1 "MAJ:MIN Op value" lines ("Total N" lines skipped). */
static void blkio_v1_list(struct jsonw *w, const char *key, const char *dir, const char *file)
{
	cleanup_free char *text = cg_read_all(dir, file, NULL);
	bool open = false;

	for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		unsigned long maj, min;
		unsigned long long v;
		char op[32];
		if (sscanf(l, "%lu:%lu %31s %llu", &maj, &min, op, &v) != 4)
			continue;
		if (!open) {
			jsonw_key(w, key);
			jsonw_arr_open(w);
			open = true;
		}
		blkio_entry(w, maj, min, op, v);
	}
	if (open)
		jsonw_arr_close(w);
}

/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". */
static void io_v2_list(struct jsonw *w, const char *key, const char *dir, bool bytes)
{
	cleanup_free char *text = cg_read_all(dir, "io.stat", NULL);
	bool open = false;
	const char *rk = bytes ? "rbytes=" : "rios=", *wk = bytes ? "wbytes=" : "wios=";

	for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		unsigned long maj, min;
		if (sscanf(l, "%lu:%lu", &maj, &min) != 2)
			continue;
		const char *keys[2] = { rk, wk }, *ops[2] = { "Read", "Write" };
		for (int i = 0; i < 2; i++) {
			const char *p = strstr(l, keys[i]);
			if (!p)
				continue;
			if (!open) {
				jsonw_key(w, key);
				jsonw_arr_open(w);
				open = true;
			}
			blkio_entry(w, maj, min, ops[i], strtoull(p + strlen(keys[i]), NULL, 10));
		}
	}
	if (open)
		jsonw_arr_close(w);
}

static void blkio_stats(struct jsonw *w, const struct cgroup_loc *cg)
{
	bool v2 = false;
	cleanup_free char *dir = ctrl_dir(cg, "blkio", &v2);

	jsonw_key(w, "blkio");
	jsonw_obj_open(w);
	if (dir && v2) {
		io_v2_list(w, "ioServiceBytesRecursive", dir, true);
		io_v2_list(w, "ioServicedRecursive", dir, false);
	} else if (dir) {
		/* The first family of files the kernel has, as runc picks. */
		const char *pre = cg_file_exists(dir, "blkio.io_service_bytes_recursive") ? "blkio."
				  : cg_file_exists(dir, "blkio.bfq.io_service_bytes_recursive")
					  ? "blkio.bfq."
					  : "blkio.throttle.";
		char f1[96], f2[96];
		snprintf(f1, sizeof(f1), "%sio_service_bytes_recursive", pre);
		snprintf(f2, sizeof(f2), "%sio_serviced_recursive", pre);
		blkio_v1_list(w, "ioServiceBytesRecursive", dir, f1);
		blkio_v1_list(w, "ioServicedRecursive", dir, f2);
	}
	jsonw_obj_close(w);
}

/* ---- hugetlb ---- */

/* /sys/kernel/mm/hugepages/hugepages-2048kB -> "2MB" (runc's names). */
static bool page_size_name(const char *dirent, char *out, size_t size)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB", "PB" };
	unsigned long long kb;
	int u = 1;

	if (sscanf(dirent, "hugepages-%llukB", &kb) != 1)
		return false;
	while (kb >= 1024 && kb % 1024 == 0 && u < 5) {
		kb /= 1024;
		u++;
	}
	snprintf(out, size, "%llu%s", kb, units[u]);
	return true;
}

static void hugetlb_stats(struct jsonw *w, const struct cgroup_loc *cg)
{
	bool v2 = false;
	cleanup_free char *dir = ctrl_dir(cg, "hugetlb", &v2);
	cleanup_dir DIR *d = dir ? opendir("/sys/kernel/mm/hugepages") : NULL;
	struct dirent *de;
	char name[32], f[128];

	jsonw_key(w, "hugetlb");
	jsonw_obj_open(w);
	while (d && (de = readdir(d))) {
		if (!page_size_name(de->d_name, name, sizeof(name)))
			continue;
		snprintf(f, sizeof(f), v2 ? "hugetlb.%s.current" : "hugetlb.%s.usage_in_bytes", name);
		if (!cg_file_exists(dir, f))
			continue;
		uint64_t usage = u64(dir, f), max = 0, failcnt = 0;
		if (v2) {
			snprintf(f, sizeof(f), "hugetlb.%s.events", name);
			cg_read_keyed(dir, f, "max", &failcnt);
		} else {
			snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", name);
			max = u64(dir, f);
			snprintf(f, sizeof(f), "hugetlb.%s.failcnt", name);
			failcnt = u64(dir, f);
		}
		jsonw_key(w, name);
		jsonw_obj_open(w);
		kv_uint_nz(w, "usage", usage);
		kv_uint_nz(w, "max", max);
		jsonw_kv_uint(w, "failcnt", failcnt);
		jsonw_obj_close(w);
	}
	jsonw_obj_close(w);
}

int cgroup_stats_json(const struct cgroup_loc *cg, struct jsonw *w, struct ward_error *err)
{
	if (!cg || !cgroup_exists(cg))
		return ward_error_set(err, ENOENT, "cgroup %s does not exist", cg ? cg->path : "");
	jsonw_obj_open(w);
	cpu_stats(w, cg);
	cpuset_stats(w, cg);
	memory_stats(w, cg);
	pids_stats(w, cg);
	blkio_stats(w, cg);
	hugetlb_stats(w, cg);
	/* Intel RDT is not driven by ward; runc prints an empty object. */
	jsonw_key(w, "intel_rdt");
	jsonw_obj_open(w);
	jsonw_obj_close(w);
	jsonw_key(w, "network_interfaces");
	jsonw_null(w);
	jsonw_obj_close(w);
	return 0;
}
