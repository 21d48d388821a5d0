/* Merging a LinuxResources update into the resources a container runs
 * with (see update.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "cgroup_cmds.h"

#define TAKE(dst, src, field)                  \
	do {                                   \
		if ((src)->field.set)          \
			(dst)->field = (src)->field; \
	} while (0)

/* *dst becomes a zeroed object if it is NULL. */
static int ensure(void **dst, size_t size, struct ward_error *err)
{
	if (*dst)
		return 0;
	*dst = calloc(1, size);
	return *dst ? 0 : ward_error_set(err, ENOMEM, "update");
}

static void steal_str(char **dst, char **src)
{
	if (!*src || !**src)
		return;
	free(*dst);
	*dst = *src;
	*src = NULL;
}

static int merge_memory(struct spec_resources *d, const struct spec_resources *u,
			struct ward_error *err)
{
	if (!u->memory)
		return 0;
	if (ensure((void **)&d->memory, sizeof(*d->memory), err) < 0)
		return -1;
	struct spec_memory *dm = d->memory;
	const struct spec_memory *um = u->memory;
	TAKE(dm, um, limit);
	TAKE(dm, um, reservation);
	TAKE(dm, um, swap);
	TAKE(dm, um, kernel);
	TAKE(dm, um, kernel_tcp);
	TAKE(dm, um, swappiness);
	TAKE(dm, um, disable_oom_killer);
	TAKE(dm, um, use_hierarchy);
	TAKE(dm, um, check_before_update);
	/* "Unlimited memory" with swap unsaid: unlimited memory+swap. */
	if (um->limit.set && um->limit.value == -1 && !um->swap.set)
		dm->swap = (opt_i64){ true, -1 };
	return 0;
}

static int merge_cpu(struct spec_resources *d, struct spec_resources *u, struct ward_error *err)
{
	if (!u->cpu)
		return 0;
	if (ensure((void **)&d->cpu, sizeof(*d->cpu), err) < 0)
		return -1;
	struct spec_cpu *dc = d->cpu, *uc = u->cpu;
	TAKE(dc, uc, shares);
	TAKE(dc, uc, quota);
	TAKE(dc, uc, burst);
	TAKE(dc, uc, period);
	TAKE(dc, uc, realtime_runtime);
	TAKE(dc, uc, realtime_period);
	TAKE(dc, uc, idle);
	steal_str(&dc->cpus, &uc->cpus);
	steal_str(&dc->mems, &uc->mems);
	return 0;
}

static void steal_throttle(struct spec_throttle_list *d, struct spec_throttle_list *u)
{
	if (u->len == 0)
		return;
	free(d->items);
	*d = *u;
	u->items = NULL;
	u->len = 0;
}

static int merge_blkio(struct spec_resources *d, struct spec_resources *u, struct ward_error *err)
{
	if (!u->block_io)
		return 0;
	if (ensure((void **)&d->block_io, sizeof(*d->block_io), err) < 0)
		return -1;
	struct spec_blkio *db = d->block_io, *ub = u->block_io;
	TAKE(db, ub, weight);
	TAKE(db, ub, leaf_weight);
	if (ub->n_weight_device) {
		free(db->weight_device);
		db->weight_device = ub->weight_device;
		db->n_weight_device = ub->n_weight_device;
		ub->weight_device = NULL;
		ub->n_weight_device = 0;
	}
	steal_throttle(&db->throttle_read_bps, &ub->throttle_read_bps);
	steal_throttle(&db->throttle_write_bps, &ub->throttle_write_bps);
	steal_throttle(&db->throttle_read_iops, &ub->throttle_read_iops);
	steal_throttle(&db->throttle_write_iops, &ub->throttle_write_iops);
	return 0;
}

static int merge_hugetlb(struct spec_resources *d, struct spec_resources *u,
			 struct ward_error *err)
{
	for (size_t i = 0; i < u->n_hugepage_limits; i++) {
		struct spec_hugepage_limit *ul = &u->hugepage_limits[i];
		size_t j;
		for (j = 0; j < d->n_hugepage_limits; j++)
			if (strcmp(d->hugepage_limits[j].page_size, ul->page_size) == 0)
				break;
		if (j == d->n_hugepage_limits) {
			struct spec_hugepage_limit *n =
				realloc(d->hugepage_limits, (j + 1) * sizeof(*n));
			if (!n)
				return ward_error_set(err, ENOMEM, "update");
			d->hugepage_limits = n;
			n[j].page_size = ul->page_size;
			ul->page_size = strdup(""); /* keep u freeable */
			d->n_hugepage_limits++;
		}
		d->hugepage_limits[j].limit = ul->limit;
	}
	return 0;
}

static int merge_network(struct spec_resources *d, struct spec_resources *u,
			 struct ward_error *err)
{
	if (!u->network)
		return 0;
	if (ensure((void **)&d->network, sizeof(*d->network), err) < 0)
		return -1;
	TAKE(d->network, u->network, class_id);
	if (u->network->n_priorities) {
		for (size_t i = 0; i < d->network->n_priorities; i++)
			free(d->network->priorities[i].name);
		free(d->network->priorities);
		d->network->priorities = u->network->priorities;
		d->network->n_priorities = u->network->n_priorities;
		u->network->priorities = NULL;
		u->network->n_priorities = 0;
	}
	return 0;
}

static int merge_rdma(struct spec_resources *d, struct spec_resources *u, struct ward_error *err)
{
	for (size_t i = 0; i < u->n_rdma; i++) {
		struct spec_rdma *ur = &u->rdma[i];
		size_t j;
		for (j = 0; j < d->n_rdma; j++)
			if (strcmp(d->rdma[j].device, ur->device) == 0)
				break;
		if (j == d->n_rdma) {
			struct spec_rdma *n = realloc(d->rdma, (j + 1) * sizeof(*n));
			if (!n)
				return ward_error_set(err, ENOMEM, "update");
			d->rdma = n;
			n[j] = (struct spec_rdma){ .device = ur->device };
			ur->device = strdup("");
			d->n_rdma++;
		}
		TAKE(&d->rdma[j], ur, hca_handles);
		TAKE(&d->rdma[j], ur, hca_objects);
	}
	return 0;
}

static int merge_unified(struct spec_resources *d, struct spec_resources *u,
			 struct ward_error *err)
{
	for (size_t i = 0; i < u->unified.len; i++) {
		struct spec_kv *kv = &u->unified.items[i];
		size_t j;
		for (j = 0; j < d->unified.len; j++)
			if (strcmp(d->unified.items[j].key, kv->key) == 0)
				break;
		if (j == d->unified.len) {
			struct spec_kv *n = realloc(d->unified.items, (j + 1) * sizeof(*n));
			if (!n)
				return ward_error_set(err, ENOMEM, "update");
			d->unified.items = n;
			n[j] = (struct spec_kv){ .key = kv->key, .value = NULL };
			kv->key = strdup("");
			d->unified.len++;
		}
		free(d->unified.items[j].value);
		d->unified.items[j].value = kv->value;
		kv->value = strdup("");
	}
	return 0;
}

int update_merge(struct spec *s, struct spec_resources *upd, struct spec_resources **merged,
		 unsigned *what, struct ward_error *err)
{
	*what = 0;
	if (ensure((void **)&s->linux, sizeof(*s->linux), err) < 0 ||
	    ensure((void **)&s->linux->resources, sizeof(*s->linux->resources), err) < 0)
		return -1;
	struct spec_resources *d = s->linux->resources;
	if (merge_memory(d, upd, err) < 0 || merge_cpu(d, upd, err) < 0 ||
	    merge_blkio(d, upd, err) < 0 || merge_hugetlb(d, upd, err) < 0 ||
	    merge_network(d, upd, err) < 0 || merge_rdma(d, upd, err) < 0 ||
	    merge_unified(d, upd, err) < 0)
		return -1;
	if (upd->pids && upd->pids->limit.set) {
		if (ensure((void **)&d->pids, sizeof(*d->pids), err) < 0)
			return -1;
		d->pids->limit = upd->pids->limit;
	}
	if (upd->n_devices) {
		for (size_t i = 0; i < d->n_devices; i++) {
			free(d->devices[i].type);
			free(d->devices[i].access);
		}
		free(d->devices);
		d->devices = upd->devices;
		d->n_devices = upd->n_devices;
		upd->devices = NULL;
		upd->n_devices = 0;
		*what |= UPDATE_DEVICES;
	}
	if (upd->memory && upd->memory->kernel.set)
		*what |= UPDATE_KERNEL;
	*merged = d;
	return 0;
}

int update_apply(const struct cgroup_loc *path, const struct spec_resources *r, unsigned what,
		 struct ward_error *err)
{
	struct spec_resources view = *r;
	struct spec_memory mem;

	if (!(what & UPDATE_DEVICES)) {
		view.devices = NULL;
		view.n_devices = 0;
	}
	if (r->memory && !(what & UPDATE_KERNEL)) {
		mem = *r->memory;
		mem.kernel.set = false;
		view.memory = &mem;
	}
	return cgroup_apply_resources(path, &view, false, err);
}
