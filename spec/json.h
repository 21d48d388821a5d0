/* A small read-only JSON DOM built with yajl's callback parser.
 *
 * yajl_tree would do, but it loses what a strict config reader needs: the
 * length of each string (so "\u0000" inside a value can be refused instead of
 * silently truncating a path), the raw text of each number (so integer ranges
 * are checked exactly, and 1.5 or 1e3 is refused where an integer is
 * expected), and a position for malformed input. All nodes live in one arena
 * freed at once, so tearing down a hostile document needs no recursion. */
#ifndef WARD_JSON_H
#define WARD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_member;

struct json_value {
	enum json_type type;
	bool b;       /* JSON_BOOL */
	size_t len;   /* bytes of str (STRING, NUMBER); elements (ARRAY, OBJECT) */
	union {
		const char *str;                /* NUL-terminated; may hold NULs */
		const struct json_value *items; /* JSON_ARRAY */
		const struct json_member *members; /* JSON_OBJECT */
	} u;
};

struct json_member {
	const char *key;
	size_t key_len;
	/* A later member has the same key. Go's encoding/json lets the last
	 * occurrence win; so do we, and everything below skips these. */
	bool dup;
	struct json_value value;
};

struct json_arena;

struct json_doc {
	struct json_arena *arena;
	struct json_value root;
};

/* Parse `len` bytes. On malformed input the message reads
 * "<what>: line L, column C: invalid JSON: <yajl's reason>". */
int json_parse(const char *data, size_t len, const char *what, struct json_doc *doc,
	       struct ward_error *err);
void json_doc_free(struct json_doc *doc);

/* ---- paths for error messages ---- */

enum json_path_kind { JP_KEY, JP_INDEX, JP_MAPKEY };

/* A chain of segments from the leaf up, kept on the caller's stack. Rendered
 * as  linux.resources.memory.limit,  mounts[2].destination  or
 * linux.sysctl["net.ipv4.ip_forward"]. */
struct json_path {
	const struct json_path *parent;
	enum json_path_kind kind;
	const char *key;
	size_t key_len;
	size_t index;
};

#define JP_FIELD(par, name) \
	(&(const struct json_path){ .parent = (par), .kind = JP_KEY, .key = (name), .key_len = strlen(name) })
#define JP_INDEX_OF(par, i) \
	(&(const struct json_path){ .parent = (par), .kind = JP_INDEX, .index = (i) })
#define JP_MAPKEY_OF(par, m) \
	(&(const struct json_path){ .parent = (par), .kind = JP_MAPKEY, .key = (m)->key, .key_len = (m)->key_len })

/* Render into buf (always NUL-terminated). Returns buf. */
char *json_path_render(const struct json_path *p, char *buf, size_t size);

/* Where errors go while reading one document. */
struct json_ctx {
	const char *what; /* file name or similar; may be NULL */
	struct ward_error *err;
};

/* Fill err with "<what>: <path>: <reason>" and return -1. */
int json_fail(const struct json_ctx *c, const struct json_path *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copy src with control characters escaped (\n, \t, \u00XX). */
void json_one_line(char *dst, size_t size, const char *src);

const char *json_type_name(enum json_type t);

/* ---- typed access ---- */

/* The last member named `key`, or NULL. A JSON null is returned as is. */
const struct json_value *json_get(const struct json_value *obj, const char *key);

/* Type check with the standard "expected X, got Y" message. */
int json_expect(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
		enum json_type t);

/* String as a malloc'd C string; refuses embedded NUL bytes. */
int json_string(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
		char **out);
int json_bool(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
	      bool *out);
/* Integers: the raw number text must be an integer within [min, max]. */
int json_int(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
	     int64_t min, int64_t max, int64_t *out);
int json_uint(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
	      uint64_t max, uint64_t *out);

/* Members named outside `known` (NULL-terminated) are an error: used by the
 * objects that must be understood completely (see parse.c). */
int json_strict(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
		const char *const *known);

/* Length-aware key comparison (a key may hold a NUL byte). */
static inline bool json_key_is(const struct json_member *m, const char *key, size_t key_len)
{
	return m->key_len == key_len && memcmp(m->key, key, key_len) == 0;
}

#endif
