/* Freeing. Every function accepts partially filled structs (the parser
 * frees what it built so far on error) and NULL. */
#include <stdlib.h>

#include "parse_internal.h"

void spec_strv_clear(struct spec_strv *v)
{
	if (v->items) {
		for (size_t i = 0; i < v->len; i++)
			free(v->items[i]);
		free(v->items);
	}
	v->items = NULL;
	v->len = 0;
}

void spec_map_clear(struct spec_map *m)
{
	for (size_t i = 0; i < m->len; i++) {
		free(m->items[i].key);
		free(m->items[i].value);
	}
	free(m->items);
	m->items = NULL;
	m->len = 0;
}

static void hook_list_clear(struct spec_hook_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		free(l->items[i].path);
		spec_strv_clear(&l->items[i].args);
		spec_strv_clear(&l->items[i].env);
	}
	free(l->items);
}

static void capabilities_free(struct spec_capabilities *c)
{
	if (c == NULL)
		return;
	spec_strv_clear(&c->bounding);
	spec_strv_clear(&c->effective);
	spec_strv_clear(&c->inheritable);
	spec_strv_clear(&c->permitted);
	spec_strv_clear(&c->ambient);
	free(c);
}

void spec_process_clear(struct spec_process *p)
{
	free(p->console_size);
	free(p->user.additional_gids);
	free(p->user.username);
	spec_strv_clear(&p->args);
	free(p->command_line);
	spec_strv_clear(&p->env);
	free(p->cwd);
	capabilities_free(p->capabilities);
	for (size_t i = 0; i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	if (p->io_priority)
		free(p->io_priority->klass);
	free(p->io_priority);
	if (p->scheduler) {
		free(p->scheduler->policy);
		spec_strv_clear(&p->scheduler->flags);
	}
	free(p->scheduler);
	if (p->exec_cpu_affinity) {
		free(p->exec_cpu_affinity->initial);
		free(p->exec_cpu_affinity->final);
	}
	free(p->exec_cpu_affinity);
}

void spec_process_free(struct spec_process *p)
{
	if (p == NULL)
		return;
	spec_process_clear(p);
	free(p);
}

void spec_resources_clear(struct spec_resources *r)
{
	for (size_t i = 0; i < r->n_devices; i++) {
		free(r->devices[i].type);
		free(r->devices[i].access);
	}
	free(r->devices);
	free(r->memory);
	if (r->cpu) {
		free(r->cpu->cpus);
		free(r->cpu->mems);
	}
	free(r->cpu);
	free(r->pids);
	if (r->block_io) {
		free(r->block_io->weight_device);
		free(r->block_io->throttle_read_bps.items);
		free(r->block_io->throttle_write_bps.items);
		free(r->block_io->throttle_read_iops.items);
		free(r->block_io->throttle_write_iops.items);
	}
	free(r->block_io);
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	if (r->network) {
		for (size_t i = 0; i < r->network->n_priorities; i++)
			free(r->network->priorities[i].name);
		free(r->network->priorities);
	}
	free(r->network);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	spec_map_clear(&r->unified);
}

void spec_resources_free(struct spec_resources *r)
{
	if (r == NULL)
		return;
	spec_resources_clear(r);
	free(r);
}

void spec_seccomp_free(struct spec_seccomp *s)
{
	if (s == NULL)
		return;
	spec_strv_clear(&s->architectures);
	spec_strv_clear(&s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		spec_strv_clear(&s->syscalls[i].names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	free(s);
}

void spec_linux_free(struct spec_linux *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n_namespaces; i++)
		free(l->namespaces[i].path);
	free(l->namespaces);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; i < l->n_devices; i++) {
		free(l->devices[i].type);
		free(l->devices[i].path);
	}
	free(l->devices);
	free(l->cgroups_path);
	spec_resources_free(l->resources);
	spec_map_clear(&l->sysctl);
	spec_seccomp_free(l->seccomp);
	free(l->rootfs_propagation);
	spec_strv_clear(&l->masked_paths);
	spec_strv_clear(&l->readonly_paths);
	free(l->mount_label);
	if (l->personality) {
		free(l->personality->domain);
		spec_strv_clear(&l->personality->flags);
	}
	free(l->personality);
	if (l->intel_rdt) {
		free(l->intel_rdt->clos_id);
		free(l->intel_rdt->l3_cache_schema);
		free(l->intel_rdt->mem_bw_schema);
		spec_strv_clear(&l->intel_rdt->schemata);
	}
	free(l->intel_rdt);
	if (l->memory_policy) {
		free(l->memory_policy->mode);
		free(l->memory_policy->nodes);
		spec_strv_clear(&l->memory_policy->flags);
	}
	free(l->memory_policy);
	for (size_t i = 0; i < l->n_net_devices; i++) {
		free(l->net_devices[i].host_name);
		free(l->net_devices[i].name);
	}
	free(l->net_devices);
	free(l);
}

void spec_free(struct spec *s)
{
	if (s == NULL)
		return;
	free(s->oci_version);
	spec_process_free(s->process);
	if (s->root)
		free(s->root->path);
	free(s->root);
	free(s->hostname);
	free(s->domainname);
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct spec_mount *m = &s->mounts[i];
		free(m->destination);
		free(m->type);
		free(m->source);
		spec_strv_clear(&m->options);
		free(m->uid_mappings);
		free(m->gid_mappings);
	}
	free(s->mounts);
	if (s->hooks) {
		hook_list_clear(&s->hooks->prestart);
		hook_list_clear(&s->hooks->create_runtime);
		hook_list_clear(&s->hooks->create_container);
		hook_list_clear(&s->hooks->start_container);
		hook_list_clear(&s->hooks->poststart);
		hook_list_clear(&s->hooks->poststop);
	}
	free(s->hooks);
	spec_map_clear(&s->annotations);
	spec_linux_free(s->linux);
	free(s);
}
