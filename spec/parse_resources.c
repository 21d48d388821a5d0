/* linux.resources (config-linux.md, "Control groups"), also read on its
 * own for `ward update --resources`. */
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"

/* Byte and count limits: -1 means unlimited, anything lower is a mistake. */
#define LIMIT_MIN (-1)

static int parse_device_rule(const struct json_ctx *c, const struct json_path *p,
			     const struct json_value *v, struct spec_device_cgroup *d)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0 || p_bool(c, p, v, "allow", REQ, &d->allow) < 0 ||
	    p_str(c, p, v, "type", OPT, &d->type) < 0 ||
	    p_oi64(c, p, v, "major", INT64_MIN, INT64_MAX, &d->major) < 0 ||
	    p_oi64(c, p, v, "minor", INT64_MIN, INT64_MAX, &d->minor) < 0 ||
	    p_str(c, p, v, "access", OPT, &d->access) < 0)
		return -1;
	if (d->type && strcmp(d->type, "a") != 0 && strcmp(d->type, "b") != 0 &&
	    strcmp(d->type, "c") != 0)
		return json_fail(c, JP_FIELD(p, "type"),
				 "unknown device type \"%s\" (expected a, b or c)", d->type);
	/* runc takes the access as a set: order and repeats do not matter
	 * ("wr", "rrw") and other letters are dropped ("rwa" is "rw"); what
	 * names none of r, w and m grants nothing and is refused. */
	if (d->access && !strpbrk(d->access, "rwm"))
		return json_fail(c, JP_FIELD(p, "access"),
				 "invalid access \"%s\" (a combination of r, w and m)", d->access);
	return 0;
}

static int parse_memory(const struct json_ctx *c, const struct json_path *p,
			const struct json_value *v, struct spec_memory *m)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0 ||
	    p_oi64(c, p, v, "limit", LIMIT_MIN, INT64_MAX, &m->limit) < 0 ||
	    p_oi64(c, p, v, "reservation", LIMIT_MIN, INT64_MAX, &m->reservation) < 0 ||
	    p_oi64(c, p, v, "swap", LIMIT_MIN, INT64_MAX, &m->swap) < 0 ||
	    p_oi64(c, p, v, "kernel", LIMIT_MIN, INT64_MAX, &m->kernel) < 0 ||
	    p_oi64(c, p, v, "kernelTCP", LIMIT_MIN, INT64_MAX, &m->kernel_tcp) < 0 ||
	    /* memory.swappiness takes 0..100 */
	    p_ou64(c, p, v, "swappiness", 100, &m->swappiness) < 0 ||
	    p_obool(c, p, v, "disableOOMKiller", &m->disable_oom_killer) < 0 ||
	    p_obool(c, p, v, "useHierarchy", &m->use_hierarchy) < 0 ||
	    p_obool(c, p, v, "checkBeforeUpdate", &m->check_before_update) < 0)
		return -1;
	return 0;
}

static int parse_cpu(const struct json_ctx *c, const struct json_path *p,
		     const struct json_value *v, struct spec_cpu *cpu)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0 ||
	    p_ou64(c, p, v, "shares", UINT64_MAX, &cpu->shares) < 0 ||
	    p_oi64(c, p, v, "quota", LIMIT_MIN, INT64_MAX, &cpu->quota) < 0 ||
	    p_ou64(c, p, v, "burst", UINT64_MAX, &cpu->burst) < 0 ||
	    p_ou64(c, p, v, "period", UINT64_MAX, &cpu->period) < 0 ||
	    p_oi64(c, p, v, "realtimeRuntime", LIMIT_MIN, INT64_MAX, &cpu->realtime_runtime) < 0 ||
	    p_ou64(c, p, v, "realtimePeriod", UINT64_MAX, &cpu->realtime_period) < 0 ||
	    p_str(c, p, v, "cpus", OPT, &cpu->cpus) < 0 ||
	    p_str(c, p, v, "mems", OPT, &cpu->mems) < 0 ||
	    /* cpu.idle: 0 (default) or 1 (SCHED_IDLE) */
	    p_oi64(c, p, v, "idle", 0, 1, &cpu->idle) < 0)
		return -1;
	return 0;
}

static int parse_pids(const struct json_ctx *c, const struct json_path *p,
		      const struct json_value *v, struct spec_pids *pids)
{
	/* v1.3.0: limit became optional; -1 is "max", 0 a real limit */
	if (json_expect(c, p, v, JSON_OBJECT) < 0 ||
	    p_oi64(c, p, v, "limit", LIMIT_MIN, INT64_MAX, &pids->limit) < 0)
		return -1;
	return 0;
}

static int parse_throttle(const struct json_ctx *c, const struct json_path *p,
			  const struct json_value *obj, const char *key, struct spec_throttle_list *l)
{
	const struct json_path *lp = JP_FIELD(p, key);
	const struct json_value *a;

	if (p_array(c, p, obj, key, &a) < 0)
		return -1;
	if (a == NULL)
		return 0;
	l->items = p_calloc(c, lp, a->len, sizeof(*l->items));
	if (l->items == NULL)
		return -1;
	l->len = a->len;
	for (size_t i = 0; i < a->len; i++) {
		const struct json_path *ip = JP_INDEX_OF(lp, i);
		const struct json_value *v = &a->u.items[i];
		struct spec_throttle_device *t = &l->items[i];

		if (json_expect(c, ip, v, JSON_OBJECT) < 0 ||
		    p_i64(c, ip, v, "major", REQ, &t->major) < 0 ||
		    p_i64(c, ip, v, "minor", REQ, &t->minor) < 0 ||
		    p_uint(c, ip, v, "rate", REQ, UINT64_MAX, &t->rate, NULL) < 0)
			return -1;
	}
	return 0;
}

static int parse_blkio(const struct json_ctx *c, const struct json_path *p,
		       const struct json_value *v, struct spec_blkio *b)
{
	const struct json_value *a;

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || p_ou16(c, p, v, "weight", &b->weight) < 0 ||
	    p_ou16(c, p, v, "leafWeight", &b->leaf_weight) < 0)
		return -1;
	if (p_array(c, p, v, "weightDevice", &a) < 0)
		return -1;
	if (a) {
		const struct json_path *lp = JP_FIELD(p, "weightDevice");

		b->weight_device = p_calloc(c, lp, a->len, sizeof(*b->weight_device));
		if (b->weight_device == NULL)
			return -1;
		b->n_weight_device = a->len;
		for (size_t i = 0; i < a->len; i++) {
			const struct json_path *ip = JP_INDEX_OF(lp, i);
			const struct json_value *d = &a->u.items[i];
			struct spec_weight_device *w = &b->weight_device[i];

			if (json_expect(c, ip, d, JSON_OBJECT) < 0 ||
			    p_i64(c, ip, d, "major", REQ, &w->major) < 0 ||
			    p_i64(c, ip, d, "minor", REQ, &w->minor) < 0 ||
			    p_ou16(c, ip, d, "weight", &w->weight) < 0 ||
			    p_ou16(c, ip, d, "leafWeight", &w->leaf_weight) < 0)
				return -1;
		}
	}
	if (parse_throttle(c, p, v, "throttleReadBpsDevice", &b->throttle_read_bps) < 0 ||
	    parse_throttle(c, p, v, "throttleWriteBpsDevice", &b->throttle_write_bps) < 0 ||
	    parse_throttle(c, p, v, "throttleReadIOPSDevice", &b->throttle_read_iops) < 0 ||
	    parse_throttle(c, p, v, "throttleWriteIOPSDevice", &b->throttle_write_iops) < 0)
		return -1;
	return 0;
}

static int parse_network(const struct json_ctx *c, const struct json_path *p,
			 const struct json_value *v, struct spec_network *n)
{
	const struct json_value *a;

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || p_ou32(c, p, v, "classID", &n->class_id) < 0 ||
	    p_array(c, p, v, "priorities", &a) < 0)
		return -1;
	if (a == NULL)
		return 0;
	const struct json_path *lp = JP_FIELD(p, "priorities");
	n->priorities = p_calloc(c, lp, a->len, sizeof(*n->priorities));
	if (n->priorities == NULL)
		return -1;
	n->n_priorities = a->len;
	for (size_t i = 0; i < a->len; i++) {
		const struct json_path *ip = JP_INDEX_OF(lp, i);
		const struct json_value *e = &a->u.items[i];
		struct spec_net_priority *np = &n->priorities[i];

		if (json_expect(c, ip, e, JSON_OBJECT) < 0 ||
		    p_str(c, ip, e, "name", REQ, &np->name) < 0 ||
		    p_u32(c, ip, e, "priority", REQ, &np->priority) < 0)
			return -1;
	}
	return 0;
}

static int parse_hugepages(const struct json_ctx *c, const struct json_path *p,
			   const struct json_value *a, struct spec_resources *r)
{
	r->hugepage_limits = p_calloc(c, p, a->len, sizeof(*r->hugepage_limits));
	if (r->hugepage_limits == NULL)
		return -1;
	r->n_hugepage_limits = a->len;
	for (size_t i = 0; i < a->len; i++) {
		const struct json_path *ip = JP_INDEX_OF(p, i);
		const struct json_value *v = &a->u.items[i];
		struct spec_hugepage_limit *h = &r->hugepage_limits[i];

		if (json_expect(c, ip, v, JSON_OBJECT) < 0 ||
		    p_str(c, ip, v, "pageSize", REQ, &h->page_size) < 0 ||
		    p_uint(c, ip, v, "limit", REQ, UINT64_MAX, &h->limit, NULL) < 0)
			return -1;
		/* becomes part of a cgroup file name: hugetlb.<size>.limit_in_bytes */
		if (h->page_size[0] == '\0' || strchr(h->page_size, '/') != NULL)
			return json_fail(c, JP_FIELD(ip, "pageSize"), "invalid page size \"%s\"",
					 h->page_size);
	}
	return 0;
}

static int parse_rdma(const struct json_ctx *c, const struct json_path *p,
		      const struct json_value *v, struct spec_resources *r)
{
	r->rdma = p_calloc(c, p, v->len, sizeof(*r->rdma));
	if (r->rdma == NULL)
		return -1;
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->u.members[i];
		const struct json_path *kp = JP_MAPKEY_OF(p, m);
		struct spec_rdma *d = &r->rdma[r->n_rdma];

		if (m->dup)
			continue;
		if (memchr(m->key, '\0', m->key_len) != NULL)
			return json_fail(c, kp, "key contains a NUL byte");
		d->device = strndup(m->key, m->key_len);
		if (d->device == NULL)
			return json_fail(c, kp, "out of memory");
		r->n_rdma++;
		if (json_expect(c, kp, &m->value, JSON_OBJECT) < 0 ||
		    p_ou32(c, kp, &m->value, "hcaHandles", &d->hca_handles) < 0 ||
		    p_ou32(c, kp, &m->value, "hcaObjects", &d->hca_objects) < 0)
			return -1;
	}
	return 0;
}

static int parse_unified(const struct json_ctx *c, const struct json_path *p,
			 const struct json_value *v, struct spec_resources *r)
{
	const struct json_path *up = JP_FIELD(p, "unified");

	if (p_map(c, p, v, "unified", &r->unified) < 0)
		return -1;
	/* Keys are cgroup file names, written below the container's cgroup. */
	for (size_t i = 0; i < r->unified.len; i++) {
		const char *k = r->unified.items[i].key;
		struct json_path kp = { .parent = up, .kind = JP_MAPKEY, .key = k,
					.key_len = strlen(k) };
		if (k[0] == '\0' || k[0] == '.' || strchr(k, '/') != NULL)
			return json_fail(c, &kp, "invalid cgroup file name");
	}
	return 0;
}

int parse_resources_value(const struct json_ctx *c, const struct json_path *p,
			  const struct json_value *v, struct spec_resources *r)
{
	const struct json_value *a;

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || p_array(c, p, v, "devices", &a) < 0)
		return -1;
	if (a) {
		const struct json_path *lp = JP_FIELD(p, "devices");

		r->devices = p_calloc(c, lp, a->len, sizeof(*r->devices));
		if (r->devices == NULL)
			return -1;
		r->n_devices = a->len;
		for (size_t i = 0; i < a->len; i++)
			if (parse_device_rule(c, JP_INDEX_OF(lp, i), &a->u.items[i],
					      &r->devices[i]) < 0)
				return -1;
	}
	if (SUB_OBJECT(c, p, v, "memory", r->memory, parse_memory) < 0 ||
	    SUB_OBJECT(c, p, v, "cpu", r->cpu, parse_cpu) < 0 ||
	    SUB_OBJECT(c, p, v, "pids", r->pids, parse_pids) < 0 ||
	    SUB_OBJECT(c, p, v, "blockIO", r->block_io, parse_blkio) < 0)
		return -1;
	if (p_array(c, p, v, "hugepageLimits", &a) < 0 ||
	    (a && parse_hugepages(c, JP_FIELD(p, "hugepageLimits"), a, r) < 0))
		return -1;
	if (SUB_OBJECT(c, p, v, "network", r->network, parse_network) < 0)
		return -1;
	if (p_object(c, p, v, "rdma", OPT, &a) < 0 ||
	    (a && parse_rdma(c, JP_FIELD(p, "rdma"), a, r) < 0))
		return -1;
	return parse_unified(c, p, v, r);
}
