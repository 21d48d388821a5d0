/* Field helpers over the JSON DOM: one place for "missing required field",
 * null-as-absent and integer ranges, so every section reports alike. */
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"

int p_member(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	     const char *key, int req, const struct json_value **out)
{
	const struct json_value *v = json_get(obj, key);

	*out = NULL;
	if (v == NULL || (v->type == JSON_NULL && !req)) {
		if (req)
			return json_fail(c, JP_FIELD(p, key), "missing required field");
		return 0;
	}
	*out = v;
	return 0;
}

int p_str(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	  const char *key, int req, char **out)
{
	const struct json_value *v;

	if (p_member(c, p, obj, key, req, &v) < 0)
		return -1;
	return v ? json_string(c, JP_FIELD(p, key), v, out) : 0;
}

int p_bool(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, int req, bool *out)
{
	const struct json_value *v;

	if (p_member(c, p, obj, key, req, &v) < 0)
		return -1;
	return v ? json_bool(c, JP_FIELD(p, key), v, out) : 0;
}

int p_obool(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	    const char *key, opt_bool *out)
{
	const struct json_value *v;

	if (p_member(c, p, obj, key, OPT, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	out->set = true;
	return json_bool(c, JP_FIELD(p, key), v, &out->value);
}

int p_uint(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, int req, uint64_t max, uint64_t *out, bool *set)
{
	const struct json_value *v;

	if (p_member(c, p, obj, key, req, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	if (json_uint(c, JP_FIELD(p, key), v, max, out) < 0)
		return -1;
	if (set)
		*set = true;
	return 0;
}

int p_int(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	  const char *key, int req, int64_t min, int64_t max, int64_t *out, bool *set)
{
	const struct json_value *v;

	if (p_member(c, p, obj, key, req, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	if (json_int(c, JP_FIELD(p, key), v, min, max, out) < 0)
		return -1;
	if (set)
		*set = true;
	return 0;
}

int p_u32(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	  const char *key, int req, uint32_t *out)
{
	uint64_t x = *out;

	if (p_uint(c, p, obj, key, req, UINT32_MAX, &x, NULL) < 0)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

int p_ou32(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, opt_u32 *out)
{
	uint64_t x = 0;

	if (p_uint(c, p, obj, key, OPT, UINT32_MAX, &x, &out->set) < 0)
		return -1;
	out->value = (uint32_t)x;
	return 0;
}

int p_ou16(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, opt_u16 *out)
{
	uint64_t x = 0;

	if (p_uint(c, p, obj, key, OPT, UINT16_MAX, &x, &out->set) < 0)
		return -1;
	out->value = (uint16_t)x;
	return 0;
}

int p_ou64(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, uint64_t max, opt_u64 *out)
{
	return p_uint(c, p, obj, key, OPT, max, &out->value, &out->set);
}

int p_oi32(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, int32_t min, int32_t max, opt_i32 *out)
{
	int64_t x = 0;

	if (p_int(c, p, obj, key, OPT, min, max, &x, &out->set) < 0)
		return -1;
	out->value = (int32_t)x;
	return 0;
}

int p_oi64(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, int64_t min, int64_t max, opt_i64 *out)
{
	return p_int(c, p, obj, key, OPT, min, max, &out->value, &out->set);
}

int p_i64(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	  const char *key, int req, int64_t *out)
{
	return p_int(c, p, obj, key, req, INT64_MIN, INT64_MAX, out, NULL);
}

int p_array(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	    const char *key, const struct json_value **out)
{
	if (p_member(c, p, obj, key, OPT, out) < 0)
		return -1;
	if (*out && json_expect(c, JP_FIELD(p, key), *out, JSON_ARRAY) < 0)
		return -1;
	return 0;
}

int p_object(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	     const char *key, int req, const struct json_value **out)
{
	if (p_member(c, p, obj, key, req, out) < 0)
		return -1;
	if (*out && json_expect(c, JP_FIELD(p, key), *out, JSON_OBJECT) < 0)
		return -1;
	return 0;
}

void *p_calloc(const struct json_ctx *c, const struct json_path *p, size_t n, size_t size)
{
	void *q = calloc(n ? n : 1, size);

	if (q == NULL)
		json_fail(c, p, "out of memory");
	return q;
}

int p_strv_value(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
		 struct spec_strv *out)
{
	if (json_expect(c, p, v, JSON_ARRAY) < 0)
		return -1;
	if (v->len >= SIZE_MAX / sizeof(char *))
		return json_fail(c, p, "out of memory");
	out->items = p_calloc(c, p, v->len + 1, sizeof(char *));
	if (out->items == NULL)
		return -1;
	/* len grows as items are filled so a failure frees exactly those */
	for (size_t i = 0; i < v->len; i++) {
		if (json_string(c, JP_INDEX_OF(p, i), &v->u.items[i], &out->items[i]) < 0)
			return -1;
		out->len = i + 1;
	}
	return 0;
}

int p_strv(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, struct spec_strv *out)
{
	const struct json_value *v;

	if (p_member(c, p, obj, key, OPT, &v) < 0)
		return -1;
	return v ? p_strv_value(c, JP_FIELD(p, key), v, out) : 0;
}

int p_map(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	  const char *key, struct spec_map *out)
{
	const struct json_value *v;
	const struct json_path *mp = JP_FIELD(p, key);

	if (p_object(c, p, obj, key, OPT, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	out->items = p_calloc(c, mp, v->len, sizeof(*out->items));
	if (out->items == NULL)
		return -1;
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->u.members[i];
		struct spec_kv *kv = &out->items[out->len];

		if (m->dup)
			continue;
		if (memchr(m->key, '\0', m->key_len) != NULL)
			return json_fail(c, JP_MAPKEY_OF(mp, m), "key contains a NUL byte");
		kv->key = strndup(m->key, m->key_len);
		if (kv->key == NULL)
			return json_fail(c, mp, "out of memory");
		out->len++;
		if (json_string(c, JP_MAPKEY_OF(mp, m), &m->value, &kv->value) < 0)
			return -1;
	}
	return 0;
}

int p_absolute(const struct json_ctx *c, const struct json_path *p, const char *path)
{
	if (path[0] != '/')
		return json_fail(c, p, "must be an absolute path, got \"%s\"", path);
	return 0;
}
