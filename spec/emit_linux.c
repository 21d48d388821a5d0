/* Emitting the "linux" object: resources, seccomp and the rest. Field
 * order follows the runtime-spec Go types. */
#include "emit_internal.h"

#define E_OPT_U(e, key, o)                 \
	do {                               \
		if ((o).set)               \
			e_u64(e, key, (o).value); \
	} while (0)
#define E_OPT_I(e, key, o)                 \
	do {                               \
		if ((o).set)               \
			e_i64(e, key, (o).value); \
	} while (0)
#define E_OPT_B(e, key, o)                  \
	do {                                \
		if ((o).set)                \
			e_bool(e, key, (o).value); \
	} while (0)

/* ---- resources ---- */

static void emit_device_rules(struct emitter *e, const struct spec_resources *r)
{
	if (r->n_devices == 0)
		return;
	e_open_array(e, "devices");
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct spec_device_cgroup *d = &r->devices[i];

		e_open(e, NULL);
		e_bool(e, "allow", d->allow);
		e_str(e, "type", d->type);
		E_OPT_I(e, "major", d->major);
		E_OPT_I(e, "minor", d->minor);
		e_str(e, "access", d->access);
		e_close(e);
	}
	e_close_array(e);
}

static void emit_memory(struct emitter *e, const struct spec_memory *m)
{
	e_open(e, "memory");
	E_OPT_I(e, "limit", m->limit);
	E_OPT_I(e, "reservation", m->reservation);
	E_OPT_I(e, "swap", m->swap);
	E_OPT_I(e, "kernel", m->kernel);
	E_OPT_I(e, "kernelTCP", m->kernel_tcp);
	E_OPT_U(e, "swappiness", m->swappiness);
	E_OPT_B(e, "disableOOMKiller", m->disable_oom_killer);
	E_OPT_B(e, "useHierarchy", m->use_hierarchy);
	E_OPT_B(e, "checkBeforeUpdate", m->check_before_update);
	e_close(e);
}

static void emit_cpu(struct emitter *e, const struct spec_cpu *c)
{
	e_open(e, "cpu");
	E_OPT_U(e, "shares", c->shares);
	E_OPT_I(e, "quota", c->quota);
	E_OPT_U(e, "burst", c->burst);
	E_OPT_U(e, "period", c->period);
	E_OPT_I(e, "realtimeRuntime", c->realtime_runtime);
	E_OPT_U(e, "realtimePeriod", c->realtime_period);
	e_str(e, "cpus", c->cpus);
	e_str(e, "mems", c->mems);
	E_OPT_I(e, "idle", c->idle);
	e_close(e);
}

static void emit_throttle(struct emitter *e, const char *key, const struct spec_throttle_list *l)
{
	if (l->len == 0)
		return;
	e_open_array(e, key);
	for (size_t i = 0; i < l->len; i++) {
		e_open(e, NULL);
		e_i64(e, "major", l->items[i].major);
		e_i64(e, "minor", l->items[i].minor);
		e_u64(e, "rate", l->items[i].rate);
		e_close(e);
	}
	e_close_array(e);
}

static void emit_blkio(struct emitter *e, const struct spec_blkio *b)
{
	e_open(e, "blockIO");
	E_OPT_U(e, "weight", b->weight);
	E_OPT_U(e, "leafWeight", b->leaf_weight);
	if (b->n_weight_device) {
		e_open_array(e, "weightDevice");
		for (size_t i = 0; i < b->n_weight_device; i++) {
			const struct spec_weight_device *w = &b->weight_device[i];

			e_open(e, NULL);
			e_i64(e, "major", w->major);
			e_i64(e, "minor", w->minor);
			E_OPT_U(e, "weight", w->weight);
			E_OPT_U(e, "leafWeight", w->leaf_weight);
			e_close(e);
		}
		e_close_array(e);
	}
	emit_throttle(e, "throttleReadBpsDevice", &b->throttle_read_bps);
	emit_throttle(e, "throttleWriteBpsDevice", &b->throttle_write_bps);
	emit_throttle(e, "throttleReadIOPSDevice", &b->throttle_read_iops);
	emit_throttle(e, "throttleWriteIOPSDevice", &b->throttle_write_iops);
	e_close(e);
}

static void emit_network(struct emitter *e, const struct spec_network *n)
{
	e_open(e, "network");
	E_OPT_U(e, "classID", n->class_id);
	if (n->n_priorities) {
		e_open_array(e, "priorities");
		for (size_t i = 0; i < n->n_priorities; i++) {
			e_open(e, NULL);
			e_str(e, "name", n->priorities[i].name);
			e_u64(e, "priority", n->priorities[i].priority);
			e_close(e);
		}
		e_close_array(e);
	}
	e_close(e);
}

void emit_resources(struct emitter *e, const char *key, const struct spec_resources *r)
{
	e_open(e, key);
	emit_device_rules(e, r);
	if (r->memory)
		emit_memory(e, r->memory);
	if (r->cpu)
		emit_cpu(e, r->cpu);
	if (r->pids) {
		e_open(e, "pids");
		E_OPT_I(e, "limit", r->pids->limit);
		e_close(e);
	}
	if (r->block_io)
		emit_blkio(e, r->block_io);
	if (r->n_hugepage_limits) {
		e_open_array(e, "hugepageLimits");
		for (size_t i = 0; i < r->n_hugepage_limits; i++) {
			e_open(e, NULL);
			e_str(e, "pageSize", r->hugepage_limits[i].page_size);
			e_u64(e, "limit", r->hugepage_limits[i].limit);
			e_close(e);
		}
		e_close_array(e);
	}
	if (r->network)
		emit_network(e, r->network);
	if (r->n_rdma) {
		e_open(e, "rdma");
		for (size_t i = 0; i < r->n_rdma; i++) {
			e_open(e, r->rdma[i].device);
			E_OPT_U(e, "hcaHandles", r->rdma[i].hca_handles);
			E_OPT_U(e, "hcaObjects", r->rdma[i].hca_objects);
			e_close(e);
		}
		e_close(e);
	}
	e_map(e, "unified", &r->unified);
	e_close(e);
}

/* ---- seccomp ---- */

static void emit_seccomp(struct emitter *e, const struct spec_seccomp *s)
{
	e_open(e, "seccomp");
	e_str(e, "defaultAction", spec_seccomp_action_name(s->default_action));
	E_OPT_U(e, "defaultErrnoRet", s->default_errno_ret);
	e_strv(e, "architectures", &s->architectures);
	e_strv(e, "flags", &s->flags);
	e_str(e, "listenerPath", s->listener_path);
	e_str(e, "listenerMetadata", s->listener_metadata);
	if (s->n_syscalls) {
		e_open_array(e, "syscalls");
		for (size_t i = 0; i < s->n_syscalls; i++) {
			const struct spec_seccomp_syscall *sc = &s->syscalls[i];

			e_open(e, NULL);
			if (sc->names.items) {
				e_strv(e, "names", &sc->names);
			} else {
				e_open_array(e, "names");
				e_close_array(e);
			}
			e_str(e, "action", spec_seccomp_action_name(sc->action));
			E_OPT_U(e, "errnoRet", sc->errno_ret);
			if (sc->n_args) {
				e_open_array(e, "args");
				for (size_t j = 0; j < sc->n_args; j++) {
					const struct spec_seccomp_arg *a = &sc->args[j];

					e_open(e, NULL);
					e_u64(e, "index", a->index);
					e_u64(e, "value", a->value);
					/* Go: omitempty */
					if (a->value_two)
						e_u64(e, "valueTwo", a->value_two);
					e_str(e, "op", spec_seccomp_op_name(a->op));
					e_close(e);
				}
				e_close_array(e);
			}
			e_close(e);
		}
		e_close_array(e);
	}
	e_close(e);
}

/* ---- linux ---- */

static void emit_namespaces(struct emitter *e, const struct spec_linux *l)
{
	if (l->n_namespaces == 0)
		return;
	e_open_array(e, "namespaces");
	for (size_t i = 0; i < l->n_namespaces; i++) {
		e_open(e, NULL);
		e_str(e, "type", spec_ns_type_name(l->namespaces[i].type));
		e_str(e, "path", l->namespaces[i].path);
		e_close(e);
	}
	e_close_array(e);
}

static void emit_devices(struct emitter *e, const struct spec_linux *l)
{
	if (l->n_devices == 0)
		return;
	e_open_array(e, "devices");
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct spec_device *d = &l->devices[i];

		e_open(e, NULL);
		e_str(e, "path", d->path);
		e_str(e, "type", d->type);
		e_i64(e, "major", d->major);
		e_i64(e, "minor", d->minor);
		E_OPT_U(e, "fileMode", d->file_mode);
		E_OPT_U(e, "uid", d->uid);
		E_OPT_U(e, "gid", d->gid);
		e_close(e);
	}
	e_close_array(e);
}

static void emit_net_devices(struct emitter *e, const struct spec_linux *l)
{
	if (l->n_net_devices == 0)
		return;
	e_open(e, "netDevices");
	for (size_t i = 0; i < l->n_net_devices; i++) {
		e_open(e, l->net_devices[i].host_name);
		e_str(e, "name", l->net_devices[i].name);
		e_close(e);
	}
	e_close(e);
}

static void emit_time_offset(struct emitter *e, const char *key, const struct spec_time_offset *o)
{
	if (!o->set)
		return;
	e_open(e, key);
	e_i64(e, "secs", o->secs);
	e_u64(e, "nanosecs", o->nanosecs);
	e_close(e);
}

void emit_linux(struct emitter *e, const struct spec_linux *l)
{
	e_open(e, "linux");
	e_id_mappings(e, "uidMappings", l->uid_mappings, l->n_uid_mappings);
	e_id_mappings(e, "gidMappings", l->gid_mappings, l->n_gid_mappings);
	e_map(e, "sysctl", &l->sysctl);
	if (l->resources)
		emit_resources(e, "resources", l->resources);
	e_str(e, "cgroupsPath", l->cgroups_path);
	emit_namespaces(e, l);
	emit_devices(e, l);
	emit_net_devices(e, l);
	if (l->seccomp)
		emit_seccomp(e, l->seccomp);
	e_str(e, "rootfsPropagation", l->rootfs_propagation);
	e_strv(e, "maskedPaths", &l->masked_paths);
	e_strv(e, "readonlyPaths", &l->readonly_paths);
	e_str(e, "mountLabel", l->mount_label);
	if (l->intel_rdt) {
		e_open(e, "intelRdt");
		e_str(e, "closID", l->intel_rdt->clos_id);
		e_strv(e, "schemata", &l->intel_rdt->schemata);
		e_str(e, "l3CacheSchema", l->intel_rdt->l3_cache_schema);
		e_str(e, "memBwSchema", l->intel_rdt->mem_bw_schema);
		E_OPT_B(e, "enableMonitoring", l->intel_rdt->enable_monitoring);
		e_close(e);
	}
	if (l->memory_policy) {
		e_open(e, "memoryPolicy");
		e_str(e, "mode", l->memory_policy->mode);
		e_str(e, "nodes", l->memory_policy->nodes);
		e_strv(e, "flags", &l->memory_policy->flags);
		e_close(e);
	}
	if (l->personality) {
		e_open(e, "personality");
		e_str(e, "domain", l->personality->domain);
		e_strv(e, "flags", &l->personality->flags);
		e_close(e);
	}
	if (l->time_monotonic.set || l->time_boottime.set) {
		e_open(e, "timeOffsets");
		emit_time_offset(e, "monotonic", &l->time_monotonic);
		emit_time_offset(e, "boottime", &l->time_boottime);
		e_close(e);
	}
	e_close(e);
}
