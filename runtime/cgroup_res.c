/* linux.resources -> cgroup files: for each group of fields, find the
 * hierarchy holding the controller (v1, v2, or either on a hybrid host),
 * make sure a v2 controller reaches the cgroup, and hand the fields to the
 * version-specific writer. Fields in files common to both versions (cpuset,
 * pids, rdma) are written here. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_priv.h"
#include "cleanup.h"
#include "log.h"

static bool is_container_path(const struct cgroup_loc *cg)
{
	return cg && cg->path && cg->path[0] == '/' && cg->path[1] != '\0';
}

/* The directory of `path` in the hierarchy of `controller`; `what` names
 * the fields that need it, for the error when the host lacks it. */
static char *locate(const struct cgroup_loc *cg, const char *controller, const char *what, bool *v2,
		    struct ward_error *err)
{
	const struct cg_hier *h = cg_controller_hier(controller);

	if (!h) {
		ward_error_set(err, ENOTSUP, "%s: the %s cgroup controller is not available on "
					     "this host", what, controller);
		return NULL;
	}
	if (h->v2 && cg_v2_enable(cg_path_in(cg, h), strcmp(controller, "blkio") == 0 ? "io" : controller,
				  err) < 0) {
		ward_error_wrap(err, "%s", what);
		return NULL;
	}
	*v2 = h->v2;
	char *dir = cg_dir(h, cg);
	if (!dir)
		ward_error_set(err, ENOMEM, "cgroup path");
	return dir;
}

static bool memory_set(const struct spec_memory *m)
{
	return m && (m->limit.set || m->reservation.set || m->swap.set || m->kernel.set ||
		     m->kernel_tcp.set || m->swappiness.set || m->disable_oom_killer.set ||
		     m->use_hierarchy.set);
}

static bool cpu_set(const struct spec_cpu *c)
{
	return c && (c->shares.set || c->quota.set || c->burst.set || c->period.set ||
		     c->realtime_runtime.set || c->realtime_period.set || c->idle.set);
}

static bool blkio_set(const struct spec_blkio *b)
{
	return b && (b->weight.set || b->leaf_weight.set || b->n_weight_device ||
		     b->throttle_read_bps.len || b->throttle_write_bps.len ||
		     b->throttle_read_iops.len || b->throttle_write_iops.len);
}

static int set_cpuset(const struct cgroup_loc *cg, const struct spec_cpu *c, struct ward_error *err)
{
	bool v2;
	cleanup_free char *dir = locate(cg, "cpuset", "linux.resources.cpu.cpus/mems", &v2, err);

	if (!dir)
		return -1;
	if (c->cpus && *c->cpus && cg_write(dir, "cpuset.cpus", c->cpus, err) < 0)
		return ward_error_wrap(err, "linux.resources.cpu.cpus");
	if (c->mems && *c->mems && cg_write(dir, "cpuset.mems", c->mems, err) < 0)
		return ward_error_wrap(err, "linux.resources.cpu.mems");
	return 0;
}

static int set_memory(const struct cgroup_loc *cg, const struct spec_memory *m, bool initial,
		      struct ward_error *err)
{
	bool v2;
	cleanup_free char *dir = locate(cg, "memory", "linux.resources.memory", &v2, err);

	if (!dir)
		return -1;
	if ((v2 ? cg_v2_set_memory(dir, m, initial, err) : cg_v1_set_memory(dir, m, initial, err)) < 0)
		return ward_error_wrap(err, "linux.resources.memory");
	return 0;
}

static int set_cpu(const struct cgroup_loc *cg, const struct spec_cpu *c, struct ward_error *err)
{
	bool v2;
	cleanup_free char *dir = locate(cg, "cpu", "linux.resources.cpu", &v2, err);

	if (!dir)
		return -1;
	if ((v2 ? cg_v2_set_cpu(dir, c, err) : cg_v1_set_cpu(dir, c, err)) < 0)
		return ward_error_wrap(err, "linux.resources.cpu");
	return 0;
}

static int set_pids(const struct cgroup_loc *cg, const struct spec_pids *p, struct ward_error *err)
{
	bool v2;
	char val[32];
	cleanup_free char *dir = locate(cg, "pids", "linux.resources.pids", &v2, err);

	if (!dir)
		return -1;
	/* 0 and negative limits mean no limit. */
	if (p->limit.value > 0)
		snprintf(val, sizeof(val), "%" PRId64, p->limit.value);
	else
		snprintf(val, sizeof(val), "max");
	if (cg_write(dir, "pids.max", val, err) < 0)
		return ward_error_wrap(err, "linux.resources.pids");
	return 0;
}

static int set_blkio(const struct cgroup_loc *cg, const struct spec_blkio *b, struct ward_error *err)
{
	bool v2;
	cleanup_free char *dir = locate(cg, "blkio", "linux.resources.blockIO", &v2, err);

	if (!dir)
		return -1;
	if ((v2 ? cg_v2_set_io(dir, b, err) : cg_v1_set_blkio(dir, b, err)) < 0)
		return ward_error_wrap(err, "linux.resources.blockIO");
	return 0;
}

static int set_hugetlb(const struct cgroup_loc *cg, const struct spec_resources *r, struct ward_error *err)
{
	bool v2;
	cleanup_free char *dir = locate(cg, "hugetlb", "linux.resources.hugepageLimits", &v2, err);

	if (!dir)
		return -1;
	if ((v2 ? cg_v2_set_hugetlb(dir, r, err) : cg_v1_set_hugetlb(dir, r, err)) < 0)
		return ward_error_wrap(err, "linux.resources.hugepageLimits");
	return 0;
}

/* net_cls and net_prio only exist in v1. */
static int set_network(const struct cgroup_loc *cg, const struct spec_network *n, struct ward_error *err)
{
	bool v2;

	if (n->class_id.set) {
		cleanup_free char *dir = locate(cg, "net_cls", "linux.resources.network.classID",
						&v2, err);
		if (!dir)
			return -1;
		if (cg_v1_set_net_cls(dir, n->class_id.value, err) < 0)
			return ward_error_wrap(err, "linux.resources.network.classID");
	}
	if (n->n_priorities > 0) {
		cleanup_free char *dir = locate(cg, "net_prio",
						"linux.resources.network.priorities", &v2, err);
		if (!dir)
			return -1;
		if (cg_v1_set_net_prio(dir, n, err) < 0)
			return ward_error_wrap(err, "linux.resources.network.priorities");
	}
	return 0;
}

/* rdma.max has one format in both versions: "DEV hca_handle=N hca_object=M". */
static int set_rdma(const struct cgroup_loc *cg, const struct spec_resources *r, struct ward_error *err)
{
	bool v2;
	cleanup_free char *dir = locate(cg, "rdma", "linux.resources.rdma", &v2, err);

	if (!dir)
		return -1;
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct spec_rdma *d = &r->rdma[i];
		char val[256];
		int n = snprintf(val, sizeof(val), "%s", d->device);
		if (d->hca_handles.set)
			n += snprintf(val + n, sizeof(val) - (size_t)n, " hca_handle=%u",
				      (unsigned)d->hca_handles.value);
		if (d->hca_objects.set)
			snprintf(val + n, sizeof(val) - (size_t)n, " hca_object=%u",
				 (unsigned)d->hca_objects.value);
		if (!d->hca_handles.set && !d->hca_objects.set)
			continue;
		if (cg_write(dir, "rdma.max", val, err) < 0)
			return ward_error_wrap(err, "linux.resources.rdma[%s]", d->device);
	}
	return 0;
}

static int set_unified(const struct cgroup_loc *cg, const struct spec_map *u, struct ward_error *err)
{
	const struct cg_hier *h = cg_hier_v2();

	if (!h)
		return ward_error_set(err, ENOTSUP, "invalid configuration: cannot use unified on "
						    "cgroup v1 (linux.resources.unified needs cgroup "
						    "v2, and this host only has cgroup v1)");
	/* Each key's controller must live in the unified hierarchy (on a
	 * hybrid host most are v1) and reach the container's cgroup. */
	for (size_t i = 0; i < u->len; i++) {
		const char *key = u->items[i].key;
		const char *dot = strchr(key, '.');
		char ctrl[64];
		if (!dot || dot == key || (size_t)(dot - key) >= sizeof(ctrl))
			continue; /* rejected with a message by cg_v2_set_unified */
		memcpy(ctrl, key, (size_t)(dot - key));
		ctrl[dot - key] = '\0';
		if (strcmp(ctrl, "cgroup") == 0)
			continue;
		if (cg_hier_v1(ctrl))
			return ward_error_set(err, ENOTSUP, "invalid configuration: cannot use "
							    "unified on cgroup v1 (linux.resources."
							    "unified: %s: the %s controller is mounted "
							    "as cgroup v1 on this host)", key, ctrl);
		if (cg_controller_hier(ctrl) == h && cg_v2_enable(cg_path_in(cg, h), ctrl, err) < 0)
			return ward_error_wrap(err, "linux.resources.unified");
	}
	cleanup_free char *dir = cg_dir(h, cg);
	if (!dir)
		return ward_error_set(err, ENOMEM, "cgroup path");
	return cg_v2_set_unified(dir, u, err);
}

static int set_devices(const struct cgroup_loc *cg, const struct spec_resources *r, struct ward_error *err)
{
	struct cg_dev_state st;
	const struct cg_hier *h = cg_hier_v1("devices");
	int ret;

	if (cg_dev_build(r ? r->devices : NULL, r ? r->n_devices : 0, &st, err) < 0)
		return -1;
	if (h) {
		cleanup_free char *dir = cg_dir(h, cg);
		ret = dir ? cg_v1_set_devices(dir, &st, err) : ward_error_set(err, ENOMEM, "cgroup");
	} else if ((h = cg_hier_v2())) {
		cleanup_free char *dir = cg_dir(h, cg);
		ret = dir ? cg_v2_set_devices(dir, &st, err) : ward_error_set(err, ENOMEM, "cgroup");
		/* Without CAP_SYS_ADMIN/CAP_BPF (rootless) no program can be
		 * loaded; device nodes then only come from bind mounts, which
		 * the host's permissions govern. */
		if (ret < 0 && err && err->errnum == EPERM && geteuid() != 0 && !(r && r->n_devices)) {
			ward_warn("device cgroup rules not enforced: %s", err->msg);
			ret = 0;
		}
	} else {
		ret = r && r->n_devices ? ward_error_set(err, ENOTSUP, "linux.resources.devices: "
								       "no devices cgroup on this host")
					: 0;
	}
	cg_dev_state_free(&st);
	return ret;
}

static int apply(const struct cgroup_loc *cg, const struct spec_resources *r, bool initial,
		 struct ward_error *err)
{
	if (!is_container_path(cg))
		return ward_error_set(err, EINVAL, "refusing to set resources on cgroup path \"%s\"",
				      cg && cg->path ? cg->path : "");
	/* runc's order: cpuset first (a v1 cpuset must be valid before
	 * anything runs), devices before any process can open a node. */
	if (r && r->cpu && ((r->cpu->cpus && *r->cpu->cpus) || (r->cpu->mems && *r->cpu->mems)) &&
	    set_cpuset(cg, r->cpu, err) < 0)
		return -1;
	if ((initial || (r && r->n_devices > 0)) && set_devices(cg, r, err) < 0)
		return -1;
	if (!r)
		return 0;
	if (memory_set(r->memory) && set_memory(cg, r->memory, initial, err) < 0)
		return -1;
	if (cpu_set(r->cpu) && set_cpu(cg, r->cpu, err) < 0)
		return -1;
	if (r->pids && r->pids->limit.set && set_pids(cg, r->pids, err) < 0)
		return -1;
	if (blkio_set(r->block_io) && set_blkio(cg, r->block_io, err) < 0)
		return -1;
	if (r->n_hugepage_limits > 0 && set_hugetlb(cg, r, err) < 0)
		return -1;
	if (r->network && set_network(cg, r->network, err) < 0)
		return -1;
	if (r->n_rdma > 0 && set_rdma(cg, r, err) < 0)
		return -1;
	/* Last: the raw map overrides the typed fields (OCI: the runtime may
	 * either refuse conflicts or let unified win; runc lets it win). */
	if (r->unified.len > 0 && set_unified(cg, &r->unified, err) < 0)
		return -1;
	return 0;
}

int cgroup_apply_resources(const struct cgroup_loc *cg, const struct spec_resources *r, bool initial,
			   struct ward_error *err)
{
	if (apply(cg, r, initial, err) == 0)
		return 0;
	if (err && (err->errnum == EACCES || err->errnum == EPERM || err->errnum == EROFS) &&
	    geteuid() != 0)
		ward_error_wrap(err, "rootless: cgroup limits need a cgroup delegated to uid %u "
				     "(or no linux.resources)", (unsigned)geteuid());
	return -1;
}
