/* cgroup v1 resource files: memory, cpu, blkio, hugetlb, net_cls and
 * net_prio. Write orders and value conventions follow runc's cgroupfs
 * driver, so one config means the same limits under either runtime. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup_priv.h"
#include "cleanup.h"
#include "log.h"

static int write_i64(const char *dir, const char *file, int64_t v, struct ward_error *err)
{
	char val[32];

	snprintf(val, sizeof(val), "%" PRId64, v);
	return cg_write(dir, file, val, err);
}

static int write_u64(const char *dir, const char *file, uint64_t v, struct ward_error *err)
{
	char val[32];

	snprintf(val, sizeof(val), "%" PRIu64, v);
	return cg_write(dir, file, val, err);
}

/* ---- memory ---- */

#define MEMSW "memory.memsw.limit_in_bytes"

static int set_swap(const char *dir, int64_t swap, struct ward_error *err)
{
	if (swap == 0)
		return 0;
	if (!cg_file_exists(dir, MEMSW))
		return ward_error_set(err, ENOTSUP, "memory.swap is set but the kernel does not "
						    "account swap (no %s; boot with swapaccount=1)",
				      MEMSW);
	return write_i64(dir, MEMSW, swap, err);
}

static int set_limit(const char *dir, int64_t limit, struct ward_error *err)
{
	return limit == 0 ? 0 : write_i64(dir, "memory.limit_in_bytes", limit, err);
}

/* memsw must stay >= limit at every step, so the order of the two writes
 * depends on whether the limits grow or shrink. */
static int set_limit_and_swap(const char *dir, int64_t limit, int64_t swap,
			      struct ward_error *err)
{
	/* Unlimited memory with swap unset: unlimited swap too. */
	if (limit == -1 && swap == 0 && cg_file_exists(dir, MEMSW))
		swap = -1;
	if (limit != 0 && swap != 0) {
		uint64_t cur;
		if (cg_read_u64(dir, "memory.limit_in_bytes", &cur, err) < 0)
			return -1;
		if (swap == -1 || cur < (uint64_t)swap) {
			if (set_swap(dir, swap, err) < 0)
				return -1;
			return set_limit(dir, limit, err);
		}
	}
	if (set_limit(dir, limit, err) < 0)
		return -1;
	return set_swap(dir, swap, err);
}

int cg_v1_set_memory(const char *dir, const struct spec_memory *m, bool initial,
		     struct ward_error *err)
{
	int64_t limit = m->limit.set ? m->limit.value : 0;

	if (!initial && m->check_before_update.set && m->check_before_update.value && limit > 0) {
		uint64_t usage;
		if (cg_read_u64(dir, "memory.usage_in_bytes", &usage, err) < 0)
			return -1;
		if (usage >= (uint64_t)limit)
			return ward_error_set(err, EBUSY, "rejecting memory limit %" PRId64
							  " below usage %" PRIu64, limit, usage);
	}
	if (set_limit_and_swap(dir, limit, m->swap.set ? m->swap.value : 0, err) < 0)
		return -1;
	if (m->reservation.set && m->reservation.value != 0 &&
	    write_i64(dir, "memory.soft_limit_in_bytes", m->reservation.value, err) < 0)
		return -1;
	/* Kernels since 5.16 accept memory.kmem.limit_in_bytes and do nothing
	 * with it; the TCP buffer limit still works. */
	if (m->kernel.set)
		ward_warn("linux.resources.memory.kernel is deprecated and ignored");
	if (m->kernel_tcp.set && m->kernel_tcp.value != 0 &&
	    write_i64(dir, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp.value, err) < 0)
		return -1;
	if (m->disable_oom_killer.set &&
	    cg_write(dir, "memory.oom_control", m->disable_oom_killer.value ? "1" : "0", err) < 0)
		return -1;
	/* (uint64)-1 is how Go configs say "unset". */
	if (m->swappiness.set && m->swappiness.value != UINT64_MAX) {
		if (m->swappiness.value > 100)
			return ward_error_set(err, EINVAL, "invalid memory swappiness value: %" PRIu64
							   " (valid range is 0-100)",
					      m->swappiness.value);
		if (write_u64(dir, "memory.swappiness", m->swappiness.value, err) < 0)
			return -1;
	}
	if (m->use_hierarchy.set &&
	    cg_write(dir, "memory.use_hierarchy", m->use_hierarchy.value ? "1" : "0", err) < 0)
		return -1;
	return 0;
}

/* ---- cpu ---- */

static int set_shares(const char *dir, uint64_t shares, struct ward_error *err)
{
	uint64_t got;

	if (write_u64(dir, "cpu.shares", shares, err) < 0 ||
	    cg_read_u64(dir, "cpu.shares", &got, err) < 0)
		return -1;
	/* The kernel clamps silently; say what it did. */
	if (shares > got)
		return ward_error_set(err, ERANGE, "the maximum allowed cpu-shares is %" PRIu64, got);
	if (shares < got)
		return ward_error_set(err, ERANGE, "the minimum allowed cpu-shares is %" PRIu64, got);
	return 0;
}

int cg_v1_set_cpu(const char *dir, const struct spec_cpu *c, struct ward_error *err)
{
	int64_t quota = c->quota.set ? c->quota.value : 0;
	uint64_t period = c->period.set ? c->period.value : 0;
	bool period_pending = false;

	if (c->shares.set && c->shares.value != 0 && set_shares(dir, c->shares.value, err) < 0)
		return -1;
	if (period != 0) {
		/* A period shorter than the current one can be refused while
		 * the old quota is in place (quota/period above the parent's);
		 * it is retried after the quota. */
		if (write_u64(dir, "cpu.cfs_period_us", period, err) < 0) {
			if (!err || err->errnum != EINVAL || quota == 0)
				return -1;
			period_pending = true;
		}
	}
	if (quota != 0) {
		if (write_i64(dir, "cpu.cfs_quota_us", quota, err) < 0)
			return -1;
		if (period_pending && write_u64(dir, "cpu.cfs_period_us", period, err) < 0)
			return -1;
	}
	if (c->burst.set && write_u64(dir, "cpu.cfs_burst_us", c->burst.value, err) < 0)
		return -1;
	/* The runtime must fit in the period: period first. */
	if (c->realtime_period.set && c->realtime_period.value != 0 &&
	    write_u64(dir, "cpu.rt_period_us", c->realtime_period.value, err) < 0)
		return -1;
	if (c->realtime_runtime.set && c->realtime_runtime.value != 0 &&
	    write_i64(dir, "cpu.rt_runtime_us", c->realtime_runtime.value, err) < 0)
		return -1;
	if (c->idle.set) {
		if (!cg_file_exists(dir, "cpu.idle"))
			return ward_error_set(err, ENOTSUP, "linux.resources.cpu.idle is not "
							    "supported by this kernel (no cpu.idle)");
		if (write_i64(dir, "cpu.idle", c->idle.value, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- blkio ---- */

static int throttle(const char *dir, const char *file, const struct spec_throttle_list *l,
		    struct ward_error *err)
{
	for (size_t i = 0; i < l->len; i++) {
		char val[96];
		snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %" PRIu64, l->items[i].major,
			 l->items[i].minor, l->items[i].rate);
		if (cg_write(dir, file, val, err) < 0)
			return -1;
	}
	return 0;
}

int cg_v1_set_blkio(const char *dir, const struct spec_blkio *b, struct ward_error *err)
{
	/* CFQ's blkio.weight is gone with the legacy block layer; BFQ's files
	 * take the same values. */
	bool cfq = cg_file_exists(dir, "blkio.weight");
	const char *wfile = cfq ? "blkio.weight" : "blkio.bfq.weight";
	const char *wdfile = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";
	char val[96];

	if (b->weight.set && b->weight.value != 0 && write_u64(dir, wfile, b->weight.value, err) < 0)
		return -1;
	if (b->leaf_weight.set && b->leaf_weight.value != 0) {
		if (!cg_file_exists(dir, "blkio.leaf_weight"))
			return ward_error_set(err, ENOTSUP, "linux.resources.blockIO.leafWeight is "
							    "not supported by this kernel (no "
							    "blkio.leaf_weight)");
		if (write_u64(dir, "blkio.leaf_weight", b->leaf_weight.value, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct spec_weight_device *d = &b->weight_device[i];
		if (d->weight.set && d->weight.value != 0) {
			snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
				 (unsigned)d->weight.value);
			if (cg_write(dir, wdfile, val, err) < 0)
				return -1;
		}
		if (d->leaf_weight.set && d->leaf_weight.value != 0) {
			snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
				 (unsigned)d->leaf_weight.value);
			if (cg_write(dir, "blkio.leaf_weight_device", val, err) < 0)
				return -1;
		}
	}
	if (throttle(dir, "blkio.throttle.read_bps_device", &b->throttle_read_bps, err) < 0 ||
	    throttle(dir, "blkio.throttle.write_bps_device", &b->throttle_write_bps, err) < 0 ||
	    throttle(dir, "blkio.throttle.read_iops_device", &b->throttle_read_iops, err) < 0 ||
	    throttle(dir, "blkio.throttle.write_iops_device", &b->throttle_write_iops, err) < 0)
		return -1;
	return 0;
}

/* ---- hugetlb ---- */

int cg_v1_set_hugetlb(const char *dir, const struct spec_resources *r, struct ward_error *err)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const struct spec_hugepage_limit *l = &r->hugepage_limits[i];
		char file[96], rsvd[96];
		snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", l->page_size);
		snprintf(rsvd, sizeof(rsvd), "hugetlb.%s.rsvd.limit_in_bytes", l->page_size);
		if (strchr(l->page_size, '/') || !cg_file_exists(dir, file))
			return ward_error_set(err, EINVAL, "hugepage size %s is not supported by "
							   "the kernel (no %s)", l->page_size, file);
		if (write_u64(dir, file, l->limit, err) < 0)
			return -1;
		if (cg_file_exists(dir, rsvd) && write_u64(dir, rsvd, l->limit, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- network ---- */

int cg_v1_set_net_cls(const char *dir, uint32_t classid, struct ward_error *err)
{
	return write_u64(dir, "net_cls.classid", classid, err);
}

int cg_v1_set_net_prio(const char *dir, const struct spec_network *n, struct ward_error *err)
{
	for (size_t i = 0; i < n->n_priorities; i++) {
		char val[128];
		snprintf(val, sizeof(val), "%s %u", n->priorities[i].name,
			 (unsigned)n->priorities[i].priority);
		if (cg_write(dir, "net_prio.ifpriomap", val, err) < 0)
			return -1;
	}
	return 0;
}
