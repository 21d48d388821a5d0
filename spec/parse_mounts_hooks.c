/* "mounts" (config.md, "Mounts") and "hooks" (config.md, "POSIX-platform
 * Hooks"). */
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"

static int parse_mount(const struct json_ctx *c, const struct json_path *p,
		       const struct json_value *v, struct spec_mount *m)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0)
		return -1;
	/* config.md: destination MUST be absolute on Linux. runc used to
	 * accept relative ones with a warning; a relative destination is
	 * ambiguous (relative to what: cwd? rootfs?), so it is refused. */
	if (p_str(c, p, v, "destination", REQ, &m->destination) < 0 ||
	    p_absolute(c, JP_FIELD(p, "destination"), m->destination) < 0)
		return -1;
	if (p_str(c, p, v, "type", OPT, &m->type) < 0 ||
	    p_str(c, p, v, "source", OPT, &m->source) < 0 ||
	    p_strv(c, p, v, "options", &m->options) < 0)
		return -1;
	if (parse_id_mappings(c, p, v, "uidMappings", &m->uid_mappings, &m->n_uid_mappings) < 0 ||
	    parse_id_mappings(c, p, v, "gidMappings", &m->gid_mappings, &m->n_gid_mappings) < 0)
		return -1;
	/* An idmapped mount needs both maps (mount_setattr takes one userns). */
	if ((m->n_uid_mappings == 0) != (m->n_gid_mappings == 0))
		return json_fail(c, JP_FIELD(p, m->n_uid_mappings ? "gidMappings" : "uidMappings"),
				 "idmapped mounts need both uidMappings and gidMappings");
	return 0;
}

int parse_mounts(const struct json_ctx *c, const struct json_path *p, const struct json_value *arr,
		 struct spec *s)
{
	s->mounts = p_calloc(c, p, arr->len, sizeof(*s->mounts));
	if (s->mounts == NULL)
		return -1;
	s->n_mounts = arr->len;
	for (size_t i = 0; i < arr->len; i++)
		if (parse_mount(c, JP_INDEX_OF(p, i), &arr->u.items[i], &s->mounts[i]) < 0)
			return -1;
	return 0;
}

static int parse_hook(const struct json_ctx *c, const struct json_path *p,
		      const struct json_value *v, struct spec_hook *h)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0)
		return -1;
	/* config.md: path is execv's path, and MUST be absolute */
	if (p_str(c, p, v, "path", REQ, &h->path) < 0 ||
	    p_absolute(c, JP_FIELD(p, "path"), h->path) < 0)
		return -1;
	if (p_strv(c, p, v, "args", &h->args) < 0 || p_strv(c, p, v, "env", &h->env) < 0 ||
	    p_oi32(c, p, v, "timeout", INT32_MIN, INT32_MAX, &h->timeout) < 0)
		return -1;
	/* config.md: if set, timeout MUST be greater than zero */
	if (h->timeout.set && h->timeout.value <= 0)
		return json_fail(c, JP_FIELD(p, "timeout"), "must be greater than zero, got %d",
				 h->timeout.value);
	return 0;
}

static int parse_hook_list(const struct json_ctx *c, const struct json_path *p,
			   const struct json_value *obj, const char *key, struct spec_hook_list *l)
{
	const struct json_value *a;
	const struct json_path *lp = JP_FIELD(p, key);

	if (p_array(c, p, obj, key, &a) < 0)
		return -1;
	if (a == NULL)
		return 0;
	l->items = p_calloc(c, lp, a->len, sizeof(*l->items));
	if (l->items == NULL)
		return -1;
	l->len = a->len;
	for (size_t i = 0; i < a->len; i++)
		if (parse_hook(c, JP_INDEX_OF(lp, i), &a->u.items[i], &l->items[i]) < 0)
			return -1;
	return 0;
}

int parse_hooks(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
		struct spec_hooks *h)
{
	/* Unknown hook kinds are ignored like any other unknown field: a hook
	 * point this runtime does not have cannot be run anyway. */
	if (json_expect(c, p, v, JSON_OBJECT) < 0 ||
	    parse_hook_list(c, p, v, "prestart", &h->prestart) < 0 ||
	    parse_hook_list(c, p, v, "createRuntime", &h->create_runtime) < 0 ||
	    parse_hook_list(c, p, v, "createContainer", &h->create_container) < 0 ||
	    parse_hook_list(c, p, v, "startContainer", &h->start_container) < 0 ||
	    parse_hook_list(c, p, v, "poststart", &h->poststart) < 0 ||
	    parse_hook_list(c, p, v, "poststop", &h->poststop) < 0)
		return -1;
	return 0;
}
