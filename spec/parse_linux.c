/* The "linux" object (config-linux.md), except resources and seccomp which
 * have their own files. */
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"

static const char *const ns_fields[] = { "type", "path", NULL };

static int parse_namespaces(const struct json_ctx *c, const struct json_path *p,
			    const struct json_value *a, struct spec_linux *l)
{
	bool seen[SPEC_NS__COUNT] = { false };

	l->namespaces = p_calloc(c, p, a->len, sizeof(*l->namespaces));
	if (l->namespaces == NULL)
		return -1;
	for (size_t i = 0; i < a->len; i++) {
		const struct json_path *ip = JP_INDEX_OF(p, i);
		const struct json_value *v = &a->u.items[i];
		struct spec_namespace *ns = &l->namespaces[i];
		char *type = NULL;
		int t;

		if (json_expect(c, ip, v, JSON_OBJECT) < 0 || json_strict(c, ip, v, ns_fields) < 0 ||
		    p_str(c, ip, v, "type", REQ, &type) < 0)
			return -1;
		t = spec_ns_type_from_name(type);
		if (t < 0) {
			json_fail(c, JP_FIELD(ip, "type"), "unknown namespace type \"%s\"", type);
			free(type);
			return -1;
		}
		free(type);
		/* config-linux.md: duplicated types MUST be an error */
		if (seen[t])
			return json_fail(c, JP_FIELD(ip, "type"), "duplicate namespace type \"%s\"",
					 spec_ns_type_name(t));
		seen[t] = true;
		ns->type = t;
		l->n_namespaces = i + 1;
		if (p_str(c, ip, v, "path", OPT, &ns->path) < 0)
			return -1;
		/* Go omits an empty path; it means "create", as when absent */
		if (ns->path && ns->path[0] == '\0') {
			free(ns->path);
			ns->path = NULL;
		}
		if (ns->path && p_absolute(c, JP_FIELD(ip, "path"), ns->path) < 0)
			return -1;
	}
	return 0;
}

static const char *const idmap_fields[] = { "containerID", "hostID", "size", NULL };

int parse_id_mappings(const struct json_ctx *c, const struct json_path *p,
		      const struct json_value *obj, const char *key, struct spec_id_mapping **out,
		      size_t *n_out)
{
	const struct json_path *mp = JP_FIELD(p, key);
	const struct json_value *a;

	if (p_array(c, p, obj, key, &a) < 0)
		return -1;
	if (a == NULL)
		return 0;
	/* uid_map and gid_map take at most 340 lines (since Linux 4.15) */
	if (a->len > 340)
		return json_fail(c, mp, "%zu mappings, more than the kernel's limit of 340", a->len);
	*out = p_calloc(c, mp, a->len, sizeof(**out));
	if (*out == NULL)
		return -1;
	*n_out = a->len;
	for (size_t i = 0; i < a->len; i++) {
		const struct json_path *ip = JP_INDEX_OF(mp, i);
		const struct json_value *v = &a->u.items[i];
		struct spec_id_mapping *m = &(*out)[i];

		if (json_expect(c, ip, v, JSON_OBJECT) < 0 ||
		    json_strict(c, ip, v, idmap_fields) < 0 ||
		    p_u32(c, ip, v, "containerID", REQ, &m->container_id) < 0 ||
		    p_u32(c, ip, v, "hostID", REQ, &m->host_id) < 0 ||
		    p_u32(c, ip, v, "size", REQ, &m->size) < 0)
			return -1;
		/* The kernel refuses empty or wrapping ranges in uid_map; say
		 * so here, where the entry can be named. */
		if (m->size == 0)
			return json_fail(c, JP_FIELD(ip, "size"), "must be greater than zero");
		if ((uint64_t)m->container_id + m->size - 1 > UINT32_MAX)
			return json_fail(c, ip, "containerID + size exceeds the 32-bit id range");
		if ((uint64_t)m->host_id + m->size - 1 > UINT32_MAX)
			return json_fail(c, ip, "hostID + size exceeds the 32-bit id range");
	}
	return 0;
}

static int parse_time_offsets(const struct json_ctx *c, const struct json_path *p,
			      const struct json_value *v, struct spec_linux *l)
{
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->u.members[i];
		struct json_path kp = { .parent = p, .kind = JP_KEY, .key = m->key,
					.key_len = m->key_len };
		struct spec_time_offset *off;
		uint64_t ns = 0;

		if (m->dup)
			continue;
		if (json_key_is(m, "monotonic", 9))
			off = &l->time_monotonic;
		else if (json_key_is(m, "boottime", 8))
			off = &l->time_boottime;
		else
			return json_fail(c, &kp, "unknown clock (only monotonic and boottime have offsets)");
		if (json_expect(c, &kp, &m->value, JSON_OBJECT) < 0 ||
		    p_i64(c, &kp, &m->value, "secs", OPT, &off->secs) < 0 ||
		    /* timens_offsets: nanoseconds must be below one second */
		    p_uint(c, &kp, &m->value, "nanosecs", OPT, 999999999, &ns, NULL) < 0)
			return -1;
		off->nanosecs = (uint32_t)ns;
		off->set = true;
	}
	return 0;
}

/* Whether an absolute path names something below /dev once "." and ".."
 * are applied (only the first component needs remembering). */
static bool below_dev(const char *path)
{
	size_t depth = 0;
	bool first_is_dev = false;

	while (*path) {
		size_t n;

		while (*path == '/')
			path++;
		n = strcspn(path, "/");
		if (n == 0 || (n == 1 && path[0] == '.')) {
			/* nothing */
		} else if (n == 2 && path[0] == '.' && path[1] == '.') {
			if (depth > 0)
				depth--;
		} else if (++depth == 1) {
			first_is_dev = n == 3 && memcmp(path, "dev", 3) == 0;
		}
		path += n;
	}
	return depth >= 2 && first_is_dev;
}

static int parse_device(const struct json_ctx *c, const struct json_path *p,
			const struct json_value *v, struct spec_device *d)
{
	bool need_numbers;

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || p_str(c, p, v, "type", REQ, &d->type) < 0)
		return -1;
	if (strcmp(d->type, "c") != 0 && strcmp(d->type, "b") != 0 &&
	    strcmp(d->type, "u") != 0 && strcmp(d->type, "p") != 0)
		return json_fail(c, JP_FIELD(p, "type"),
				 "unknown device type \"%s\" (expected c, b, u or p)", d->type);
	if (p_str(c, p, v, "path", REQ, &d->path) < 0 ||
	    p_absolute(c, JP_FIELD(p, "path"), d->path) < 0)
		return -1;
	/* A node elsewhere would be made in the image itself, and outlive
	 * the container (/dev is a fresh tmpfs; the rootfs is not). */
	if (!below_dev(d->path))
		return json_fail(c, JP_FIELD(p, "path"), "\"%s\" is not below /dev", d->path);
	/* config-linux.md: major and minor are REQUIRED unless type is p */
	need_numbers = strcmp(d->type, "p") != 0;
	if (p_i64(c, p, v, "major", need_numbers, &d->major) < 0 ||
	    p_i64(c, p, v, "minor", need_numbers, &d->minor) < 0 ||
	    p_ou32(c, p, v, "fileMode", &d->file_mode) < 0 ||
	    p_ou32(c, p, v, "uid", &d->uid) < 0 || p_ou32(c, p, v, "gid", &d->gid) < 0)
		return -1;
	return 0;
}

static int parse_devices(const struct json_ctx *c, const struct json_path *p,
			 const struct json_value *a, struct spec_linux *l)
{
	l->devices = p_calloc(c, p, a->len, sizeof(*l->devices));
	if (l->devices == NULL)
		return -1;
	l->n_devices = a->len;
	for (size_t i = 0; i < a->len; i++)
		if (parse_device(c, JP_INDEX_OF(p, i), &a->u.items[i], &l->devices[i]) < 0)
			return -1;
	return 0;
}

/* Sysctl names become paths under /proc/sys: refuse anything that could
 * step outside it ("net./../../x") or that is not a plain name. */
static bool sysctl_name_ok(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || k[0] == '.' || k[0] == '/' || k[n - 1] == '.' || k[n - 1] == '/')
		return false;
	if (strstr(k, "..") || strstr(k, "//") || strstr(k, "/.") || strstr(k, "./"))
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = k[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.' || ch == '/'))
			return false;
	}
	return true;
}

static int parse_sysctl(const struct json_ctx *c, const struct json_path *p,
			const struct json_value *v, struct spec_linux *l)
{
	const struct json_path *sp = JP_FIELD(p, "sysctl");

	if (p_map(c, p, v, "sysctl", &l->sysctl) < 0)
		return -1;
	for (size_t i = 0; i < l->sysctl.len; i++) {
		const char *k = l->sysctl.items[i].key;
		struct json_path kp = { .parent = sp, .kind = JP_MAPKEY, .key = k,
					.key_len = strlen(k) };
		if (!sysctl_name_ok(k))
			return json_fail(c, &kp, "invalid sysctl name");
	}
	return 0;
}

static const char *const propagations[] = {
	"private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable",
	"runbindable", NULL,
};

static int parse_paths(const struct json_ctx *c, const struct json_path *p,
		       const struct json_value *v, const char *key, struct spec_strv *out)
{
	const struct json_path *lp = JP_FIELD(p, key);

	if (p_strv(c, p, v, key, out) < 0)
		return -1;
	for (size_t i = 0; i < out->len; i++)
		if (p_absolute(c, JP_INDEX_OF(lp, i), out->items[i]) < 0)
			return -1;
	return 0;
}

static int parse_personality(const struct json_ctx *c, const struct json_path *p,
			     const struct json_value *v, struct spec_personality *pers)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0 ||
	    p_str(c, p, v, "domain", REQ, &pers->domain) < 0)
		return -1;
	if (strcmp(pers->domain, "LINUX") != 0 && strcmp(pers->domain, "LINUX32") != 0)
		return json_fail(c, JP_FIELD(p, "domain"),
				 "unknown personality domain \"%s\" (expected LINUX or LINUX32)",
				 pers->domain);
	if (p_strv(c, p, v, "flags", &pers->flags) < 0)
		return -1;
	/* config-linux.md: "Currently no flag values are supported." */
	if (pers->flags.len > 0)
		return json_fail(c, JP_INDEX_OF(JP_FIELD(p, "flags"), 0),
				 "unsupported personality flag \"%s\"", pers->flags.items[0]);
	return 0;
}

/* A resctrl group or interface name becomes a path component. */
static bool plain_component(const char *s)
{
	return s[0] != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0;
}

static int parse_intel_rdt(const struct json_ctx *c, const struct json_path *p,
			   const struct json_value *v, struct spec_intel_rdt *r)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0 ||
	    p_str(c, p, v, "closID", OPT, &r->clos_id) < 0 ||
	    p_strv(c, p, v, "schemata", &r->schemata) < 0 ||
	    p_str(c, p, v, "l3CacheSchema", OPT, &r->l3_cache_schema) < 0 ||
	    p_str(c, p, v, "memBwSchema", OPT, &r->mem_bw_schema) < 0 ||
	    p_obool(c, p, v, "enableMonitoring", &r->enable_monitoring) < 0)
		return -1;
	if (r->clos_id && !plain_component(r->clos_id))
		return json_fail(c, JP_FIELD(p, "closID"), "invalid resctrl group name \"%s\"",
				 r->clos_id);
	return 0;
}

static const char *const mpol_modes[] = {
	"MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
	"MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL", NULL,
};

static const char *const mpol_flags[] = {
	"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES", NULL,
};

static int parse_memory_policy(const struct json_ctx *c, const struct json_path *p,
			       const struct json_value *v, struct spec_memory_policy *mp)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0 || p_str(c, p, v, "mode", REQ, &mp->mode) < 0)
		return -1;
	if (!spec_name_in(mp->mode, mpol_modes))
		return json_fail(c, JP_FIELD(p, "mode"), "unknown memory policy mode \"%s\"",
				 mp->mode);
	if (p_str(c, p, v, "nodes", OPT, &mp->nodes) < 0 || p_strv(c, p, v, "flags", &mp->flags) < 0)
		return -1;
	for (size_t i = 0; i < mp->flags.len; i++)
		if (!spec_name_in(mp->flags.items[i], mpol_flags))
			return json_fail(c, JP_INDEX_OF(JP_FIELD(p, "flags"), i),
					 "unknown memory policy flag \"%s\"", mp->flags.items[i]);
	return 0;
}

/* dev_valid_name() in net/core/dev.c */
static bool ifname_ok(const char *s)
{
	if (!plain_component(s) || strlen(s) > 15)
		return false;
	for (; *s; s++)
		if (*s == ':' || *s == ' ' || (*s >= '\t' && *s <= '\r'))
			return false;
	return true;
}

static int name_cmp(const void *a, const void *b)
{
	const struct spec_net_device *x = *(const struct spec_net_device *const *)a;
	const struct spec_net_device *y = *(const struct spec_net_device *const *)b;
	const char *xn = x->name ? x->name : x->host_name;
	const char *yn = y->name ? y->name : y->host_name;

	return strcmp(xn, yn);
}

static int parse_net_devices(const struct json_ctx *c, const struct json_path *p,
			     const struct json_value *v, struct spec_linux *l)
{
	struct spec_net_device **order;

	l->net_devices = p_calloc(c, p, v->len, sizeof(*l->net_devices));
	if (l->net_devices == NULL)
		return -1;
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->u.members[i];
		const struct json_path *kp = JP_MAPKEY_OF(p, m);
		struct spec_net_device *d = &l->net_devices[l->n_net_devices];

		if (m->dup)
			continue;
		if (memchr(m->key, '\0', m->key_len) != NULL)
			return json_fail(c, kp, "key contains a NUL byte");
		d->host_name = strndup(m->key, m->key_len);
		if (d->host_name == NULL)
			return json_fail(c, kp, "out of memory");
		l->n_net_devices++;
		if (!ifname_ok(d->host_name))
			return json_fail(c, kp, "invalid network interface name");
		if (json_expect(c, kp, &m->value, JSON_OBJECT) < 0 ||
		    p_str(c, kp, &m->value, "name", OPT, &d->name) < 0)
			return -1;
		/* Go omits an empty name; it means "keep the host name" */
		if (d->name && d->name[0] == '\0') {
			free(d->name);
			d->name = NULL;
		}
		if (d->name && !ifname_ok(d->name))
			return json_fail(c, JP_FIELD(kp, "name"), "invalid network interface name \"%s\"",
					 d->name);
	}
	/* Two devices may not end up with the same name in the container. */
	order = p_calloc(c, p, l->n_net_devices, sizeof(*order));
	if (order == NULL)
		return -1;
	for (size_t i = 0; i < l->n_net_devices; i++)
		order[i] = &l->net_devices[i];
	qsort(order, l->n_net_devices, sizeof(*order), name_cmp);
	for (size_t i = 0; i + 1 < l->n_net_devices; i++)
		if (name_cmp(&order[i], &order[i + 1]) == 0) {
			const struct spec_net_device *d = order[i + 1];
			struct json_path kp = { .parent = p, .kind = JP_MAPKEY, .key = d->host_name,
						.key_len = strlen(d->host_name) };
			json_fail(c, &kp, "two devices would be named \"%s\" in the container",
				  d->name ? d->name : d->host_name);
			free(order);
			return -1;
		}
	free(order);
	return 0;
}

static bool has_dotdot(const char *path)
{
	for (const char *s = path; *s;) {
		size_t n = strcspn(s, "/");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return true;
		s += n;
		s += strspn(s, "/");
	}
	return false;
}

int parse_linux_value(const struct json_ctx *c, const struct json_path *p,
		      const struct json_value *v, struct spec_linux *l)
{
	const struct json_value *x;

	if (json_expect(c, p, v, JSON_OBJECT) < 0)
		return -1;
	if (parse_id_mappings(c, p, v, "uidMappings", &l->uid_mappings, &l->n_uid_mappings) < 0 ||
	    parse_id_mappings(c, p, v, "gidMappings", &l->gid_mappings, &l->n_gid_mappings) < 0)
		return -1;
	if (parse_sysctl(c, p, v, l) < 0)
		return -1;
	if (SUB_OBJECT(c, p, v, "resources", l->resources, parse_resources_value) < 0)
		return -1;
	if (p_str(c, p, v, "cgroupsPath", OPT, &l->cgroups_path) < 0)
		return -1;
	/* Defence in depth: a cgroup path is joined below a cgroupfs mount. */
	if (l->cgroups_path && has_dotdot(l->cgroups_path))
		return json_fail(c, JP_FIELD(p, "cgroupsPath"), "must not contain \"..\" components");
	if (p_array(c, p, v, "namespaces", &x) < 0 ||
	    (x && parse_namespaces(c, JP_FIELD(p, "namespaces"), x, l) < 0))
		return -1;
	if (p_array(c, p, v, "devices", &x) < 0 ||
	    (x && parse_devices(c, JP_FIELD(p, "devices"), x, l) < 0))
		return -1;
	if (p_object(c, p, v, "netDevices", OPT, &x) < 0 ||
	    (x && parse_net_devices(c, JP_FIELD(p, "netDevices"), x, l) < 0))
		return -1;
	if (SUB_OBJECT(c, p, v, "seccomp", l->seccomp, parse_seccomp_value) < 0)
		return -1;
	if (p_str(c, p, v, "rootfsPropagation", OPT, &l->rootfs_propagation) < 0)
		return -1;
	if (l->rootfs_propagation && !spec_name_in(l->rootfs_propagation, propagations))
		return json_fail(c, JP_FIELD(p, "rootfsPropagation"),
				 "unknown propagation \"%s\"", l->rootfs_propagation);
	if (parse_paths(c, p, v, "maskedPaths", &l->masked_paths) < 0 ||
	    parse_paths(c, p, v, "readonlyPaths", &l->readonly_paths) < 0 ||
	    p_str(c, p, v, "mountLabel", OPT, &l->mount_label) < 0)
		return -1;
	if (SUB_OBJECT(c, p, v, "intelRdt", l->intel_rdt, parse_intel_rdt) < 0 ||
	    SUB_OBJECT(c, p, v, "personality", l->personality, parse_personality) < 0 ||
	    SUB_OBJECT(c, p, v, "memoryPolicy", l->memory_policy, parse_memory_policy) < 0)
		return -1;
	if (p_object(c, p, v, "timeOffsets", OPT, &x) < 0 ||
	    (x && parse_time_offsets(c, JP_FIELD(p, "timeOffsets"), x, l) < 0))
		return -1;
	return 0;
}
