/* Shared by emit.c and emit_linux.c: small wrappers over yajl_gen that
 * remember the first failure, so callers need not check every call. */
#ifndef WARD_EMIT_INTERNAL_H
#define WARD_EMIT_INTERNAL_H

#include <yajl/yajl_gen.h>

#include "spec.h"

struct emitter {
	yajl_gen g;
	yajl_gen_status st;
};

void e_key(struct emitter *e, const char *k);
void e_raw_str(struct emitter *e, const char *s);
void e_raw_u64(struct emitter *e, uint64_t v);
/* key may be NULL for an anonymous (array element / top-level) value */
void e_open(struct emitter *e, const char *key);
void e_close(struct emitter *e);
void e_open_array(struct emitter *e, const char *key);
void e_close_array(struct emitter *e);
/* These write nothing when the value is absent (NULL string, NULL strv). */
void e_str(struct emitter *e, const char *key, const char *s);
void e_strv(struct emitter *e, const char *key, const struct spec_strv *v);
void e_map(struct emitter *e, const char *key, const struct spec_map *m);
void e_bool(struct emitter *e, const char *key, bool b);
void e_u64(struct emitter *e, const char *key, uint64_t v);
void e_i64(struct emitter *e, const char *key, int64_t v);
void e_id_mappings(struct emitter *e, const char *key, const struct spec_id_mapping *m, size_t n);

void emit_linux(struct emitter *e, const struct spec_linux *l);
void emit_resources(struct emitter *e, const char *key, const struct spec_resources *r);

#endif
