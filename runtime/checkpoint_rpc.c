/* criu_opts building blocks (checkpoint_rpc.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checkpoint_rpc.h"

const char *const cr_default_devices[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", NULL,
};

const char *cr_ns_key(enum spec_ns_type t)
{
	/* runc's keys, so that images move between the two runtimes. */
	return t == SPEC_NS_NETWORK ? "extRootNetNS" : t == SPEC_NS_PID ? "extRootPidNS" : "extRootNS";
}

void *cr_arena_add(struct cr_arena *a, void *p)
{
	if (p == NULL)
		return NULL;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		void **v = realloc(a->ptrs, cap * sizeof(*v));

		if (v == NULL) {
			free(p);
			return NULL;
		}
		a->ptrs = v;
		a->cap = cap;
	}
	a->ptrs[a->n++] = p;
	return p;
}

char *cr_arena_strdup(struct cr_arena *a, const char *s)
{
	return cr_arena_add(a, strdup(s));
}

char *cr_arena_strndup(struct cr_arena *a, const char *s, size_t n)
{
	return cr_arena_add(a, strndup(s, n));
}

void cr_arena_release(struct cr_arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->ptrs[i]);
	free(a->ptrs);
	*a = (struct cr_arena){ 0 };
}

CriuPageServerInfo *cr_arena_ps(struct cr_arena *a, CriuOpts *rpc)
{
	if (rpc->ps == NULL) {
		rpc->ps = cr_arena_add(a, malloc(sizeof(*rpc->ps)));
		if (rpc->ps)
			criu_page_server_info__init(rpc->ps);
	}
	return rpc->ps;
}

/* Grow *arr (of *n pointers) by one and store p. */
static int push(void ***arr, size_t *n, void *p)
{
	void **v;

	if (p == NULL)
		return -1;
	v = realloc(*arr, (*n + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	v[(*n)++] = p;
	*arr = v;
	return 0;
}

int cr_add_ext_mnt(CriuOpts *rpc, struct cr_arena *a, const char *key, const char *val)
{
	ExtMountMap *m = cr_arena_add(a, malloc(sizeof(*m)));

	if (m == NULL)
		return -1;
	ext_mount_map__init(m);
	m->key = cr_arena_strdup(a, key);
	m->val = cr_arena_strdup(a, val);
	if (m->key == NULL || m->val == NULL)
		return -1;
	return push((void ***)&rpc->ext_mnt, &rpc->n_ext_mnt, m);
}

int cr_add_external(CriuOpts *rpc, struct cr_arena *a, const char *entry)
{
	return push((void ***)&rpc->external, &rpc->n_external, cr_arena_strdup(a, entry));
}

int cr_add_inherit_fd(CriuOpts *rpc, struct cr_arena *a, const char *key, int fd)
{
	InheritFd *f = cr_arena_add(a, malloc(sizeof(*f)));

	if (f == NULL)
		return -1;
	inherit_fd__init(f);
	f->key = cr_arena_strdup(a, key);
	f->fd = fd;
	if (f->key == NULL)
		return -1;
	return push((void ***)&rpc->inherit_fd, &rpc->n_inherit_fd, f);
}

int cr_add_join_ns(CriuOpts *rpc, struct cr_arena *a, const char *ns, const char *file)
{
	JoinNamespace *j = cr_arena_add(a, malloc(sizeof(*j)));

	if (j == NULL)
		return -1;
	join_namespace__init(j);
	j->ns = cr_arena_strdup(a, ns);
	j->ns_file = cr_arena_strdup(a, file);
	if (j->ns == NULL || j->ns_file == NULL)
		return -1;
	return push((void ***)&rpc->join_ns, &rpc->n_join_ns, j);
}

int cr_add_cg_root(CriuOpts *rpc, struct cr_arena *a, const char *ctrl, const char *path)
{
	CgroupRoot *r = cr_arena_add(a, malloc(sizeof(*r)));

	if (r == NULL)
		return -1;
	cgroup_root__init(r);
	r->ctrl = ctrl ? cr_arena_strdup(a, ctrl) : NULL;
	r->path = cr_arena_strdup(a, path);
	if (r->path == NULL || (ctrl && r->ctrl == NULL))
		return -1;
	return push((void ***)&rpc->cg_root, &rpc->n_cg_root, r);
}

void cr_rpc_opts_release(CriuOpts *rpc)
{
	free(rpc->ext_mnt);
	free(rpc->external);
	free(rpc->inherit_fd);
	free(rpc->join_ns);
	free(rpc->cg_root);
	rpc->ext_mnt = NULL;
	rpc->external = NULL;
	rpc->inherit_fd = NULL;
	rpc->join_ns = NULL;
	rpc->cg_root = NULL;
}
