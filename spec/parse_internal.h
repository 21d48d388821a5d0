/* Shared by the parse_*.c files: field helpers over the JSON DOM and the
 * per-section entry points. Not part of the spec/ API. */
#ifndef WARD_PARSE_INTERNAL_H
#define WARD_PARSE_INTERNAL_H

#include "json.h"
#include "spec.h"

enum { OPT = 0, REQ = 1 };

/* Fetch member `key` of object `obj` (path `p` names the object).
 * Missing: error "missing required field" when req, else *out = NULL.
 * A JSON null counts as absent for optional fields, as in Go. */
int p_member(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	     const char *key, int req, const struct json_value **out);

/* Typed fields. Absent optional fields leave *out untouched. */
int p_str(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	  const char *key, int req, char **out);
int p_bool(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, int req, bool *out);
int p_obool(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	    const char *key, opt_bool *out);
int p_uint(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, int req, uint64_t max, uint64_t *out, bool *set);
int p_int(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	  const char *key, int req, int64_t min, int64_t max, int64_t *out, bool *set);
int p_u32(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	  const char *key, int req, uint32_t *out);
int p_ou32(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, opt_u32 *out);
int p_ou16(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, opt_u16 *out);
int p_ou64(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, uint64_t max, opt_u64 *out);
int p_oi32(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, int32_t min, int32_t max, opt_i32 *out);
int p_oi64(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, int64_t min, int64_t max, opt_i64 *out);
int p_i64(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	  const char *key, int req, int64_t *out);

/* Arrays and objects: *out = NULL when absent, else the checked value. */
int p_array(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	    const char *key, const struct json_value **out);
int p_object(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	     const char *key, int req, const struct json_value **out);

/* Array of strings. The array itself may be empty; it then round-trips
 * as []. */
int p_strv_value(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
		 struct spec_strv *out);
int p_strv(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	   const char *key, struct spec_strv *out);
/* Object of string values; duplicate keys: the last wins. */
int p_map(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
	  const char *key, struct spec_map *out);

/* calloc(n ? n : 1, size) with an error on failure. */
void *p_calloc(const struct json_ctx *c, const struct json_path *p, size_t n, size_t size);

/* Absolute path check with a uniform message. */
int p_absolute(const struct json_ctx *c, const struct json_path *p, const char *path);

/* Allocate *slot and run parse() on member `key` of v when present. */
#define SUB_OBJECT(c, p, v, key, slot, parse)                                       \
	({                                                                          \
		const struct json_value *x_;                                        \
		int r_ = p_member(c, p, v, key, OPT, &x_);                          \
		if (r_ == 0 && x_ != NULL) {                                        \
			(slot) = p_calloc(c, p, 1, sizeof(*(slot)));                \
			r_ = (slot) ? parse(c, JP_FIELD(p, key), x_, (slot)) : -1;  \
		}                                                                   \
		r_;                                                                 \
	})

/* Sections. `v` is the JSON value found at path `p`; type checked inside. */
/* user_optional: an exec'd process (`exec --process`) may omit "user". */
int parse_process_value(const struct json_ctx *c, const struct json_path *p,
			const struct json_value *v, struct spec_process *out, bool user_optional);
int parse_mounts(const struct json_ctx *c, const struct json_path *p, const struct json_value *arr,
		 struct spec *s);
int parse_hooks(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
		struct spec_hooks *out);
int parse_id_mappings(const struct json_ctx *c, const struct json_path *p,
		      const struct json_value *obj, const char *key, struct spec_id_mapping **out,
		      size_t *n_out);
int parse_linux_value(const struct json_ctx *c, const struct json_path *p,
		      const struct json_value *v, struct spec_linux *out);
int parse_resources_value(const struct json_ctx *c, const struct json_path *p,
			  const struct json_value *v, struct spec_resources *out);
int parse_seccomp_value(const struct json_ctx *c, const struct json_path *p,
			const struct json_value *v, struct spec_seccomp *out);

/* Name tables beyond the public lookups (names.c). */
int spec_seccomp_action_from_name(const char *name);
int spec_seccomp_op_from_name(const char *name);
bool spec_seccomp_arch_known(const char *name);
bool spec_seccomp_flag_known(const char *name);
bool spec_name_in(const char *name, const char *const *list);

/* Internal free helpers shared by free.c users. */
void spec_strv_clear(struct spec_strv *v);
void spec_map_clear(struct spec_map *m);
void spec_process_clear(struct spec_process *p);
void spec_resources_clear(struct spec_resources *r);
void spec_linux_free(struct spec_linux *l);


#endif
