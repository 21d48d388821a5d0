/* cgroup v2 resource files: controller enabling down the tree, memory, cpu,
 * io, hugetlb and the free-form linux.resources.unified map. The same code
 * drives the unified hierarchy of a hybrid host for the controllers that
 * live there. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_priv.h"
#include "cleanup.h"
#include "log.h"

/* Controllers ward enables for its cgroups on a pure v2 host. */
static const char *const v2_controllers[] = { "cpuset", "cpu", "io", "memory", "hugetlb",
					      "pids", "rdma", "misc", NULL };

/* `word` is one of the space-separated words of `list`. */
static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[len] == ' ' || p[len] == '\n' || p[len] == '\0'))
			return true;
	return false;
}

static int enable_in(const char *dir, const char *controller, struct ward_error *err)
{
	char buf[512], cmd[64];

	if (cg_read(dir, "cgroup.subtree_control", buf, sizeof(buf), err) < 0)
		return -1;
	if (has_word(buf, controller))
		return 0;
	snprintf(cmd, sizeof(cmd), "+%s", controller);
	if (cg_write(dir, "cgroup.subtree_control", cmd, err) == 0)
		return 0;
	/* cgroup v2 "no internal processes": a cgroup with members of its own
	 * cannot hand domain controllers to its children. */
	if (err && err->errnum == EBUSY)
		ward_error_wrap(err, "cannot enable the %s controller for children of %s, which "
				     "has processes of its own (choose a cgroupsPath below a "
				     "cgroup without processes)", controller, dir);
	return -1;
}

int cg_v2_enable(const char *path, const char *controller, struct ward_error *err)
{
	const struct cg_hier *h = cg_hier_v2();
	cleanup_free char *copy = strdup(path);

	if (!h)
		return ward_error_set(err, ENOENT, "no cgroup2 hierarchy");
	if (!copy)
		return ward_error_set(err, ENOMEM, "cgroup path");
	/* Each ancestor from the root down, the parent last: the controller
	 * must reach a level before that level can pass it on. */
	if (strcmp(path, "/") == 0)
		return 0;
	if (enable_in(h->mnt, controller, err) < 0)
		return -1;
	for (char *q = copy + 1; (q = strchr(q, '/')); q++) {
		*q = '\0';
		cleanup_free char *dir = cg_dir_path(h, copy);
		*q = '/';
		if (!dir)
			return ward_error_set(err, ENOMEM, "cgroup path");
		if (enable_in(dir, controller, err) < 0)
			return -1;
	}
	return 0;
}

void cg_v2_enable_all(const char *path)
{
	const struct cg_hier *h = cg_hier_v2();
	char avail[512];
	struct ward_error e = { 0 };

	if (!h || cg_read(h->mnt, "cgroup.controllers", avail, sizeof(avail), NULL) < 0)
		return;
	for (size_t i = 0; v2_controllers[i]; i++) {
		if (!has_word(avail, v2_controllers[i]))
			continue;
		if (cg_v2_enable(path, v2_controllers[i], &e) < 0)
			ward_debug("cgroup %s: %s", path, e.msg);
	}
}

/* ---- conversions ---- */

/* shares [2, 262144] map linearly onto weight [1, 10000] (runc's formula,
 * so a config gives the same weight under either runtime). */
uint64_t cg_cpu_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* blkio weight [10, 1000] onto io.weight [1, 10000]. */
uint64_t cg_blkio_weight_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + (weight - 10) * 9999 / 990;
}

int cg_v2_swap_value(int64_t swap, int64_t limit, int64_t *out, struct ward_error *err)
{
	/* As on v1: unlimited memory with swap unset means unlimited swap. */
	if (limit == -1 && swap == 0) {
		*out = -1;
		return 0;
	}
	if (swap == -1 || swap == 0) {
		*out = swap;
		return 0;
	}
	if (limit == 0 || limit == -1)
		return ward_error_set(err, EINVAL, "memory.swap needs a memory.limit: on cgroup v2 "
						   "swap is limited as memory.swap - memory.limit");
	if (limit < 0)
		return ward_error_set(err, EINVAL, "invalid memory.limit %" PRId64, limit);
	if (swap < limit)
		return ward_error_set(err, EINVAL, "memory.swap (%" PRId64 ") must be at least "
						   "memory.limit (%" PRId64 "): it limits memory+swap",
				      swap, limit);
	*out = swap - limit;
	return 0;
}

/* -1 -> "max", else the number. */
static void num_or_max(char *buf, size_t size, int64_t v)
{
	if (v < 0)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRId64, v);
}

/* ---- memory ---- */

int cg_v2_set_memory(const char *dir, const struct spec_memory *m, bool initial,
		     struct ward_error *err)
{
	int64_t limit = m->limit.set ? m->limit.value : 0;
	int64_t swap = m->swap.set ? m->swap.value : 0;
	int64_t swap_v2;
	char val[32];

	if (!initial && m->check_before_update.set && m->check_before_update.value && limit > 0) {
		uint64_t usage;
		if (cg_read_u64(dir, "memory.current", &usage, err) < 0)
			return -1;
		if (usage >= (uint64_t)limit)
			return ward_error_set(err, EBUSY, "rejecting memory limit %" PRId64
							  " below usage %" PRIu64, limit, usage);
	}
	if (cg_v2_swap_value(swap, limit, &swap_v2, err) < 0)
		return -1;
	if (swap_v2 != 0 || swap > 0) {
		/* swap == limit: no swap at all ("0"). */
		num_or_max(val, sizeof(val), swap_v2);
		if (cg_write(dir, "memory.swap.max", val, err) < 0) {
			/* A kernel without swap accounting: "unlimited" or
			 * "none" are what it does anyway. */
			if (!(err && err->errnum == ENOENT && (swap_v2 == -1 || swap_v2 == 0)))
				return -1;
		}
	}
	if (limit != 0) {
		num_or_max(val, sizeof(val), limit);
		if (cg_write(dir, "memory.max", val, err) < 0)
			return -1;
	}
	if (m->reservation.set && m->reservation.value != 0) {
		num_or_max(val, sizeof(val), m->reservation.value);
		if (cg_write(dir, "memory.low", val, err) < 0)
			return -1;
	}
	/* v1-only knobs: cgroup v2 has no equivalent (memory is always
	 * hierarchical, kernel memory is part of memory.max). */
	if (m->kernel.set)
		ward_warn("linux.resources.memory.kernel is deprecated and ignored");
	if (m->kernel_tcp.set)
		ward_warn("linux.resources.memory.kernelTCP is not supported on cgroup v2, ignored");
	if (m->swappiness.set && m->swappiness.value != UINT64_MAX)
		ward_warn("linux.resources.memory.swappiness is not supported on cgroup v2, ignored");
	if (m->disable_oom_killer.set && m->disable_oom_killer.value)
		ward_warn("linux.resources.memory.disableOOMKiller is not supported on cgroup v2, "
			  "ignored");
	return 0;
}

/* ---- cpu ---- */

int cg_v2_set_cpu(const char *dir, const struct spec_cpu *c, struct ward_error *err)
{
	char val[64];
	int64_t quota = c->quota.set ? c->quota.value : 0;
	uint64_t period = c->period.set ? c->period.value : 0;

	if ((c->realtime_runtime.set && c->realtime_runtime.value != 0) ||
	    (c->realtime_period.set && c->realtime_period.value != 0))
		return ward_error_set(err, ENOTSUP, "linux.resources.cpu.realtimeRuntime and "
						    "realtimePeriod are not supported on cgroup v2");
	if (c->shares.set && c->shares.value != 0) {
		snprintf(val, sizeof(val), "%" PRIu64, cg_cpu_shares_to_weight(c->shares.value));
		if (cg_write(dir, "cpu.weight", val, err) < 0)
			return -1;
	}
	if (quota != 0 || period != 0) {
		/* "$QUOTA $PERIOD"; a quota <= 0 is "max" (no limit), and a
		 * missing period keeps the kernel's. */
		int n = quota > 0 ? snprintf(val, sizeof(val), "%" PRId64, quota)
				  : snprintf(val, sizeof(val), "max");
		if (period != 0)
			snprintf(val + n, sizeof(val) - (size_t)n, " %" PRIu64, period);
		if (cg_write(dir, "cpu.max", val, err) < 0)
			return -1;
	}
	if (c->burst.set) {
		snprintf(val, sizeof(val), "%" PRIu64, c->burst.value);
		if (cg_write(dir, "cpu.max.burst", val, err) < 0)
			return -1;
	}
	if (c->idle.set) {
		snprintf(val, sizeof(val), "%" PRId64, c->idle.value);
		if (cg_write(dir, "cpu.idle", val, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- io ---- */

static int throttle(const char *dir, const struct spec_throttle_list *l, const char *key,
		    struct ward_error *err)
{
	for (size_t i = 0; i < l->len; i++) {
		const struct spec_throttle_device *t = &l->items[i];
		char val[96];
		/* v1 takes 0 as "no limit"; v2 spells that "max". */
		if (t->rate == 0)
			snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %s=max", t->major,
				 t->minor, key);
		else
			snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t->major,
				 t->minor, key, t->rate);
		if (cg_write(dir, "io.max", val, err) < 0)
			return -1;
	}
	return 0;
}

int cg_v2_set_io(const char *dir, const struct spec_blkio *b, struct ward_error *err)
{
	/* BFQ takes blkio weights unconverted, per device too. */
	bool bfq = cg_file_exists(dir, "io.bfq.weight");
	const char *wfile = bfq ? "io.bfq.weight" : "io.weight";
	char val[96];

	if (b->weight.set && b->weight.value != 0) {
		uint64_t w = bfq ? b->weight.value : cg_blkio_weight_to_io_weight(b->weight.value);
		snprintf(val, sizeof(val), "%" PRIu64, w);
		if (cg_write(dir, wfile, val, err) < 0)
			return -1;
	}
	if (b->leaf_weight.set)
		ward_warn("linux.resources.blockIO.leafWeight is not supported on cgroup v2, ignored");
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct spec_weight_device *d = &b->weight_device[i];
		if (d->leaf_weight.set)
			ward_warn("linux.resources.blockIO.weightDevice[%zu].leafWeight is not "
				  "supported on cgroup v2, ignored", i);
		if (!d->weight.set || d->weight.value == 0)
			continue;
		uint64_t w = bfq ? d->weight.value : cg_blkio_weight_to_io_weight(d->weight.value);
		snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor, w);
		if (cg_write(dir, wfile, val, err) < 0)
			return -1;
	}
	if (throttle(dir, &b->throttle_read_bps, "rbps", err) < 0 ||
	    throttle(dir, &b->throttle_write_bps, "wbps", err) < 0 ||
	    throttle(dir, &b->throttle_read_iops, "riops", err) < 0 ||
	    throttle(dir, &b->throttle_write_iops, "wiops", err) < 0)
		return -1;
	return 0;
}

/* ---- hugetlb ---- */

int cg_v2_set_hugetlb(const char *dir, const struct spec_resources *r, struct ward_error *err)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const struct spec_hugepage_limit *l = &r->hugepage_limits[i];
		char file[96], rsvd[96], val[32];
		snprintf(file, sizeof(file), "hugetlb.%s.max", l->page_size);
		snprintf(rsvd, sizeof(rsvd), "hugetlb.%s.rsvd.max", l->page_size);
		if (strchr(l->page_size, '/') || !cg_file_exists(dir, file))
			return ward_error_set(err, EINVAL, "hugepage size %s is not supported by "
							   "the kernel (no %s)", l->page_size, file);
		snprintf(val, sizeof(val), "%" PRIu64, l->limit);
		if (cg_write(dir, file, val, err) < 0)
			return -1;
		/* Reservations are charged separately where the kernel counts
		 * them: limit both, or a reserved mapping escapes the limit. */
		if (cg_file_exists(dir, rsvd) && cg_write(dir, rsvd, val, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- unified ---- */

/* cgroup.* files a config may set; the rest (procs, threads, type,
 * subtree_control, freeze, kill...) belong to the runtime. */
static bool core_key_allowed(const char *key)
{
	return strcmp(key, "cgroup.max.depth") == 0 || strcmp(key, "cgroup.max.descendants") == 0;
}

int cg_v2_set_unified(const char *dir, const struct spec_map *u, struct ward_error *err)
{
	char ctrls[512];

	if (u->len == 0)
		return 0;
	if (cg_read(dir, "cgroup.controllers", ctrls, sizeof(ctrls), err) < 0)
		return -1;
	for (size_t i = 0; i < u->len; i++) {
		const char *key = u->items[i].key;
		const char *dot = strchr(key, '.');
		char ctrl[64];
		if (!*key || strchr(key, '/') || strstr(key, "..") || !dot || dot == key ||
		    !dot[1] || (size_t)(dot - key) >= sizeof(ctrl))
			return ward_error_set(err, EINVAL, "linux.resources.unified: invalid key "
							   "\"%s\": expected <controller>.<file>", key);
		memcpy(ctrl, key, (size_t)(dot - key));
		ctrl[dot - key] = '\0';
		if (strcmp(ctrl, "cgroup") == 0) {
			if (!core_key_allowed(key))
				return ward_error_set(err, EPERM, "linux.resources.unified: %s is "
								  "managed by the runtime", key);
		} else if (!has_word(ctrls, ctrl)) {
			return ward_error_set(err, ENOTSUP, "linux.resources.unified: %s: the %s "
							    "controller is not enabled in the "
							    "container's cgroup", key, ctrl);
		}
		if (!cg_file_exists(dir, key))
			return ward_error_set(err, ENOENT, "linux.resources.unified: %s: no such "
							   "cgroup file", key);
		if (cg_write(dir, key, u->items[i].value, err) < 0)
			return ward_error_wrap(err, "linux.resources.unified");
	}
	return 0;
}
