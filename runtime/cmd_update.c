/* ward update [flags] ID: change the resource limits of a live container.
 * The new values (an OCI LinuxResources document with --resources, or
 * runc's per-field flags) are merged into the resources saved at create,
 * the merged set is written to the cgroup (some limits depend on each
 * other: memory and swap, cpu quota and period), and the merged config is
 * saved so that later commands see it. On failure the previous values are
 * written back, as runc does. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "log.h"
#include "state.h"
#include "cgroup_cmds.h"

/* ---- the per-field flags ---- */

struct update_flags {
	const char *resources;
	const char *blkio_weight, *cpu_period, *cpu_quota, *cpu_burst, *cpu_share, *cpu_rt_period,
		*cpu_rt_runtime, *cpuset_cpus, *cpuset_mems, *cpu_idle, *kernel_memory,
		*kernel_memory_tcp, *memory, *memory_reservation, *memory_swap, *pids_limit,
		*l3_cache_schema, *mem_bw_schema;
};

static int parse_u64(const char *opt, const char *s, uint64_t *out, struct ward_error *err)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+')
		return ward_error_set(err, EINVAL, "invalid value for %s: strconv.ParseUint: "
						   "parsing \"%s\": %s", opt, s,
				      errno == ERANGE ? "value out of range" : "invalid syntax");
	*out = v;
	return 0;
}

static int parse_i64(const char *opt, const char *s, int64_t *out, struct ward_error *err)
{
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || s[0] == '+')
		return ward_error_set(err, EINVAL, "invalid value for %s: strconv.ParseInt: "
						   "parsing \"%s\": %s", opt, s,
				      errno == ERANGE ? "value out of range" : "invalid syntax");
	*out = v;
	return 0;
}

int update_ram_in_bytes(const char *s, int64_t *out)
{
	static const char units[] = "kmgtp";
	const char *p = s;
	char *end;

	/* docker/go-units RAMInBytes: "<number>[ ][kmgtp][i][b]", binary
	 * multiples, case-insensitive, the number possibly fractional. */
	if (!(*p >= '0' && *p <= '9'))
		return -1;
	while ((*p >= '0' && *p <= '9') || *p == '.')
		p++;
	if (p[-1] == '.')
		return -1;
	double v = strtod(s, &end);
	if (end != p)
		return -1;
	if (*p == ' ')
		p++;
	double mult = 1;
	const char *u = *p ? strchr(units, *p | 0x20) : NULL;
	if (u) {
		for (const char *q = units; q <= u; q++)
			mult *= 1024;
		p++;
	}
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return -1;
	v *= mult;
	if (v >= 9223372036854775807.0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int parse_mem(const char *opt, const char *s, opt_i64 *dst, struct ward_error *err)
{
	int64_t v;

	if (strcmp(s, "-1") == 0)
		v = -1;
	else if (update_ram_in_bytes(s, &v) < 0)
		return ward_error_set(err, EINVAL, "invalid value for %s: invalid size: '%s'", opt, s);
	dst->set = true;
	dst->value = v;
	return 0;
}

/* The flags as a LinuxResources document. */
static struct spec_resources *from_flags(const struct update_flags *f, struct ward_error *err)
{
	struct spec_resources *r = calloc(1, sizeof(*r));
	uint64_t u = 0;
	int64_t i = 0;

	if (!r || !(r->memory = calloc(1, sizeof(*r->memory))) ||
	    !(r->cpu = calloc(1, sizeof(*r->cpu))) || !(r->pids = calloc(1, sizeof(*r->pids))) ||
	    !(r->block_io = calloc(1, sizeof(*r->block_io)))) {
		spec_resources_free(r);
		ward_error_set(err, ENOMEM, "update");
		return NULL;
	}
	struct {
		const char *opt, *val;
		opt_u64 *dst;
	} u64s[] = {
		{ "cpu-period", f->cpu_period, &r->cpu->period },
		{ "cpu-burst", f->cpu_burst, &r->cpu->burst },
		{ "cpu-rt-period", f->cpu_rt_period, &r->cpu->realtime_period },
		{ "cpu-share", f->cpu_share, &r->cpu->shares },
	};
	struct {
		const char *opt, *val;
		opt_i64 *dst;
	} i64s[] = {
		{ "cpu-quota", f->cpu_quota, &r->cpu->quota },
		{ "cpu-rt-runtime", f->cpu_rt_runtime, &r->cpu->realtime_runtime },
		{ "cpu-idle", f->cpu_idle, &r->cpu->idle },
		{ "pids-limit", f->pids_limit, &r->pids->limit },
	};
	int ret = 0;
	for (size_t k = 0; ret == 0 && k < sizeof(u64s) / sizeof(u64s[0]); k++) {
		if (!u64s[k].val || !*u64s[k].val)
			continue;
		ret = parse_u64(u64s[k].opt, u64s[k].val, &u, err);
		if (ret == 0)
			*u64s[k].dst = (opt_u64){ true, u };
	}
	for (size_t k = 0; ret == 0 && k < sizeof(i64s) / sizeof(i64s[0]); k++) {
		if (!i64s[k].val || !*i64s[k].val)
			continue;
		ret = parse_i64(i64s[k].opt, i64s[k].val, &i, err);
		if (ret == 0)
			*i64s[k].dst = (opt_i64){ true, i };
	}
	if (ret == 0 && f->blkio_weight && *f->blkio_weight) {
		ret = parse_u64("blkio-weight", f->blkio_weight, &u, err);
		if (ret == 0 && u > UINT16_MAX)
			ret = ward_error_set(err, ERANGE, "invalid value for blkio-weight: %s", f->blkio_weight);
		/* runc: 0 means "not given" */
		if (ret == 0 && u != 0)
			r->block_io->weight = (opt_u16){ true, (uint16_t)u };
	}
	if (ret == 0 && f->memory && *f->memory)
		ret = parse_mem("memory", f->memory, &r->memory->limit, err);
	if (ret == 0 && f->memory_swap && *f->memory_swap)
		ret = parse_mem("memory-swap", f->memory_swap, &r->memory->swap, err);
	if (ret == 0 && f->memory_reservation && *f->memory_reservation)
		ret = parse_mem("memory-reservation", f->memory_reservation, &r->memory->reservation,
				err);
	if (ret == 0 && f->kernel_memory_tcp && *f->kernel_memory_tcp)
		ret = parse_mem("kernel-memory-tcp", f->kernel_memory_tcp, &r->memory->kernel_tcp, err);
	if (ret == 0 && f->kernel_memory && *f->kernel_memory)
		ward_warn("Setting --kernel-memory is ignored and will be removed");
	if (ret == 0 && f->cpuset_cpus && *f->cpuset_cpus && !(r->cpu->cpus = strdup(f->cpuset_cpus)))
		ret = ward_error_set(err, ENOMEM, "update");
	if (ret == 0 && f->cpuset_mems && *f->cpuset_mems && !(r->cpu->mems = strdup(f->cpuset_mems)))
		ret = ward_error_set(err, ENOMEM, "update");
	if (ret < 0) {
		spec_resources_free(r);
		return NULL;
	}
	return r;
}

static struct spec_resources *from_file(const char *path, struct ward_error *err)
{
	cleanup_free char *data = NULL;
	size_t len = 0, cap = 0;
	cleanup_close int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO)
						      : open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		ward_error_errno(err, "open %s", path);
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			char *nd = realloc(data, cap);
			if (!nd || cap > (16u << 20)) {
				ward_error_set(err, nd ? EFBIG : ENOMEM, "read %s", path);
				if (nd)
					data = nd;
				return NULL;
			}
			data = nd;
		}
		ssize_t n = read(fd, data + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ward_error_errno(err, "read %s", path);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return spec_parse_resources(data, len, strcmp(path, "-") == 0 ? "stdin" : path, err);
}

/* ---- the command ---- */

static int save_and_apply(int dirfd, const struct cgroup_loc *cgroup, struct spec *s,
			  struct spec_resources *upd, struct ward_error *err)
{
	struct ward_error rerr = { 0 };
	cleanup_spec struct spec *old = state_read_config(dirfd, &rerr);
	struct spec_resources *merged;
	unsigned what;

	if (!old)
		ward_warn("update: %s (no rollback on failure)", rerr.msg);
	if (update_merge(s, upd, &merged, &what, err) < 0)
		return -1;
	if (update_apply(cgroup, merged, what, err) < 0) {
		const struct spec_resources *prev = old && old->linux ? old->linux->resources : NULL;
		if (prev && update_apply(cgroup, prev, what & UPDATE_DEVICES, &rerr) < 0)
			ward_warn("Setting back cgroup configs failed due to error: %s, your state "
				  "and actual configs might be inconsistent.", rerr.msg);
		return -1;
	}
	return state_write_config(dirfd, s, err);
}

static int do_update(struct ward_globals *g, const char *id, const struct update_flags *f,
		     struct ward_error *err)
{
	struct ward_state st;
	int ret = -1;

	if ((f->l3_cache_schema && *f->l3_cache_schema) || (f->mem_bw_schema && *f->mem_bw_schema))
		return ward_error_set(err, ENOTSUP, "Intel RDT/%s: %s is not enabled",
				      f->l3_cache_schema && *f->l3_cache_schema ? "CAT" : "MBA",
				      f->l3_cache_schema && *f->l3_cache_schema
					      ? "l3 cache schema"
					      : "memory bandwidth schema");
	cleanup_close int dirfd = state_dir_open(g->root, id, err);
	if (dirfd < 0)
		return -1;
	cleanup_close int lock = state_lock(dirfd, err);
	if (lock < 0 || state_read(dirfd, &st, err) < 0)
		return -1;
	struct spec_resources *upd = NULL;
	cleanup_spec struct spec *s = NULL;
	if (state_status(dirfd, &st) == STATUS_STOPPED) {
		ward_error_set(err, ESRCH, "container not running");
	} else if (!st.cgroup) {
		ward_error_set(err, ENOENT, "container %s has no cgroup", id);
	} else if ((upd = f->resources ? from_file(f->resources, err) : from_flags(f, err)) &&
		   (s = state_read_config(dirfd, err))) {
		ret = save_and_apply(dirfd, st.cgroup, s, upd, err);
	}
	spec_resources_free(upd);
	state_clear(&st);
	return ret;
}

int cmd_update(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] = "[command options] <container-id>";
	static const char desc[] =
		"update container resource constraints\n"
		"The values are merged into the container's current resources. With --resources\n"
		"(a file, or - for stdin) holding an OCI LinuxResources object, the other options\n"
		"are ignored. Memory sizes take suffixes (k, m, g, t, p; binary) and -1 for\n"
		"unlimited.";
	struct update_flags f = { 0 };
	bool help;
	const struct cli_opt opts[] = {
		{ "resources", 'r', CLI_STRING, &f.resources, "path to the file containing the resources to update or '-' to read from the standard input", "value" },
		{ "blkio-weight", 0, CLI_STRING, &f.blkio_weight, "Specifies per cgroup weight, range is from 10 to 1000 (default: 0)", "value" },
		{ "cpu-period", 0, CLI_STRING, &f.cpu_period, "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default", "value" },
		{ "cpu-quota", 0, CLI_STRING, &f.cpu_quota, "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period", "value" },
		{ "cpu-burst", 0, CLI_STRING, &f.cpu_burst, "CPU CFS hardcap burst limit (in usecs)", "value" },
		{ "cpu-share", 0, CLI_STRING, &f.cpu_share, "CPU shares (relative weight vs. other containers)", "value" },
		{ "cpu-rt-period", 0, CLI_STRING, &f.cpu_rt_period, "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default", "value" },
		{ "cpu-rt-runtime", 0, CLI_STRING, &f.cpu_rt_runtime, "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period", "value" },
		{ "cpuset-cpus", 0, CLI_STRING, &f.cpuset_cpus, "CPU(s) to use", "value" },
		{ "cpuset-mems", 0, CLI_STRING, &f.cpuset_mems, "Memory node(s) to use", "value" },
		{ "cpu-idle", 0, CLI_STRING, &f.cpu_idle, "set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE", "value" },
		{ "kernel-memory", 0, CLI_STRING, &f.kernel_memory, "(obsolete; ignored)", "value" },
		{ "kernel-memory-tcp", 0, CLI_STRING, &f.kernel_memory_tcp, "Kernel memory limit for TCP buffers (cgroup v1)", "value" },
		{ "memory", 0, CLI_STRING, &f.memory, "Memory limit (in bytes)", "value" },
		{ "memory-reservation", 0, CLI_STRING, &f.memory_reservation, "Memory reservation or soft_limit (in bytes)", "value" },
		{ "memory-swap", 0, CLI_STRING, &f.memory_swap, "Total memory usage (memory + swap); set '-1' to enable unlimited swap", "value" },
		{ "pids-limit", 0, CLI_STRING, &f.pids_limit, "Maximum number of pids allowed in the container; 0 or -1 for no limit", "value" },
		{ "l3-cache-schema", 0, CLI_STRING, &f.l3_cache_schema, "The string of Intel RDT/CAT L3 cache schema", "value" },
		{ "mem-bw-schema", 0, CLI_STRING, &f.mem_bw_schema, "The string of Intel RDT/MBA memory bandwidth schema", "value" },
		{ 0 },
	};
	struct ward_error err = { 0 };
	int nargs;

	if (cli_parse("update", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args("update", nargs, 1, &err) < 0)
		return cli_fail(&err);
	if (do_update(g, argv[0], &f, &err) < 0)
		return cli_fail(&err);
	return 0;
}
