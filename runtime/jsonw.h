/* A small JSON writer whose output is byte-for-byte what Go's encoding/json
 * produces (Marshal / MarshalIndent): "{}" for empty objects, "key": value
 * spacing, HTML-safe escaping of <, >, &, U+2028/2029, invalid UTF-8 as
 * U+FFFD. Used for everything runc users parse: state, list, features. */
#ifndef WARD_JSONW_H
#define WARD_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#define JSONW_MAX_DEPTH 32

struct jsonw {
	char *buf;
	size_t len, cap;
	const char *indent;  /* NULL: compact */
	int depth;
	bool empty[JSONW_MAX_DEPTH]; /* nothing written yet at this level */
	bool after_key;
	bool failed;         /* out of memory or nesting too deep */
};

void jsonw_init(struct jsonw *w, const char *indent);
void jsonw_obj_open(struct jsonw *w);
void jsonw_obj_close(struct jsonw *w);
void jsonw_arr_open(struct jsonw *w);
void jsonw_arr_close(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_str(struct jsonw *w, const char *s);
void jsonw_int(struct jsonw *w, long long v);
void jsonw_uint(struct jsonw *w, unsigned long long v); /* counters above INT64_MAX */
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* Shorthands for "key": value. */
void jsonw_kv_str(struct jsonw *w, const char *key, const char *s);
void jsonw_kv_int(struct jsonw *w, const char *key, long long v);
void jsonw_kv_uint(struct jsonw *w, const char *key, unsigned long long v);
void jsonw_kv_bool(struct jsonw *w, const char *key, bool v);
/* The document (malloc'd, NUL-terminated; the writer is reset), or NULL on
 * failure. */
char *jsonw_finish(struct jsonw *w, size_t *len);
void jsonw_free(struct jsonw *w);

#endif
