/* linux.seccomp (config-linux.md, "Seccomp"). Fails closed throughout: an
 * unknown field, action, operator, architecture or flag is an error, never
 * a rule silently dropped. */
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"

/* SECCOMP_RET_DATA is 16 bits; libseccomp would silently mask more. */
#define ERRNO_RET_MAX 0xffff

static const char *const seccomp_fields[] = {
	"defaultAction", "defaultErrnoRet", "architectures", "flags",
	"listenerPath", "listenerMetadata", "syscalls", NULL,
};
static const char *const syscall_fields[] = { "names", "action", "errnoRet", "args", NULL };
static const char *const arg_fields[] = { "index", "value", "valueTwo", "op", NULL };

static int parse_action(const struct json_ctx *c, const struct json_path *p,
			const struct json_value *obj, const char *key,
			enum spec_seccomp_action *out)
{
	char *name = NULL;
	int a;

	if (p_str(c, p, obj, key, REQ, &name) < 0)
		return -1;
	a = spec_seccomp_action_from_name(name);
	if (a < 0)
		json_fail(c, JP_FIELD(p, key), "unknown seccomp action \"%s\"", name);
	free(name);
	if (a < 0)
		return -1;
	*out = (enum spec_seccomp_action)a;
	return 0;
}

static int check_errno_ret(const struct json_ctx *c, const struct json_path *p, const char *key,
			   enum spec_seccomp_action a, const opt_u32 *ret)
{
	/* Only these two actions carry a return value; anything else means
	 * the rule does not do what its author thinks. */
	if (ret->set && a != SPEC_SCMP_ACT_ERRNO && a != SPEC_SCMP_ACT_TRACE)
		return json_fail(c, JP_FIELD(p, key),
				 "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s",
				 spec_seccomp_action_name(a));
	if (ret->set && ret->value > ERRNO_RET_MAX)
		return json_fail(c, JP_FIELD(p, key), "%u is out of range (0 to %d)", ret->value,
				 ERRNO_RET_MAX);
	return 0;
}

static int parse_arg(const struct json_ctx *c, const struct json_path *p,
		     const struct json_value *v, struct spec_seccomp_arg *arg)
{
	uint64_t index = 0;
	char *op = NULL;
	int o;

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || json_strict(c, p, v, arg_fields) < 0 ||
	    /* system calls take at most six arguments */
	    p_uint(c, p, v, "index", REQ, 5, &index, NULL) < 0 ||
	    p_uint(c, p, v, "value", REQ, UINT64_MAX, &arg->value, NULL) < 0 ||
	    p_uint(c, p, v, "valueTwo", OPT, UINT64_MAX, &arg->value_two, NULL) < 0 ||
	    p_str(c, p, v, "op", REQ, &op) < 0)
		return -1;
	arg->index = (uint32_t)index;
	o = spec_seccomp_op_from_name(op);
	if (o < 0)
		json_fail(c, JP_FIELD(p, "op"), "unknown seccomp operator \"%s\"", op);
	free(op);
	if (o < 0)
		return -1;
	arg->op = (enum spec_seccomp_op)o;
	return 0;
}

static int parse_syscall(const struct json_ctx *c, const struct json_path *p,
			 const struct json_value *v, struct spec_seccomp_syscall *sc)
{
	const struct json_value *x;

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || json_strict(c, p, v, syscall_fields) < 0 ||
	    p_member(c, p, v, "names", REQ, &x) < 0 ||
	    p_strv_value(c, JP_FIELD(p, "names"), x, &sc->names) < 0)
		return -1;
	/* config-linux.md: names MUST contain at least one entry */
	if (sc->names.len == 0)
		return json_fail(c, JP_FIELD(p, "names"), "must name at least one system call");
	for (size_t i = 0; i < sc->names.len; i++)
		if (sc->names.items[i][0] == '\0')
			return json_fail(c, JP_INDEX_OF(JP_FIELD(p, "names"), i),
					 "empty system call name");
	if (parse_action(c, p, v, "action", &sc->action) < 0 ||
	    p_ou32(c, p, v, "errnoRet", &sc->errno_ret) < 0 ||
	    check_errno_ret(c, p, "errnoRet", sc->action, &sc->errno_ret) < 0)
		return -1;
	if (p_array(c, p, v, "args", &x) < 0)
		return -1;
	if (x) {
		const struct json_path *ap = JP_FIELD(p, "args");

		sc->args = p_calloc(c, ap, x->len, sizeof(*sc->args));
		if (sc->args == NULL)
			return -1;
		sc->n_args = x->len;
		for (size_t i = 0; i < x->len; i++)
			if (parse_arg(c, JP_INDEX_OF(ap, i), &x->u.items[i], &sc->args[i]) < 0)
				return -1;
	}
	return 0;
}

static int check_names(const struct json_ctx *c, const struct json_path *p, const char *key,
		       const struct spec_strv *v, bool (*known)(const char *), const char *what)
{
	for (size_t i = 0; i < v->len; i++)
		if (!known(v->items[i]))
			return json_fail(c, JP_INDEX_OF(JP_FIELD(p, key), i), "unknown seccomp %s \"%s\"",
					 what, v->items[i]);
	return 0;
}

int parse_seccomp_value(const struct json_ctx *c, const struct json_path *p,
			const struct json_value *v, struct spec_seccomp *s)
{
	const struct json_value *a;
	bool notify = false;

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || json_strict(c, p, v, seccomp_fields) < 0)
		return -1;
	if (parse_action(c, p, v, "defaultAction", &s->default_action) < 0)
		return -1;
	/* The supervisor could not answer for every system call, including
	 * the ones it needs itself. */
	if (s->default_action == SPEC_SCMP_ACT_NOTIFY)
		return json_fail(c, JP_FIELD(p, "defaultAction"),
				 "SCMP_ACT_NOTIFY cannot be the default action");
	if (p_ou32(c, p, v, "defaultErrnoRet", &s->default_errno_ret) < 0 ||
	    check_errno_ret(c, p, "defaultErrnoRet", s->default_action, &s->default_errno_ret) < 0)
		return -1;
	if (p_strv(c, p, v, "architectures", &s->architectures) < 0 ||
	    check_names(c, p, "architectures", &s->architectures, spec_seccomp_arch_known,
			"architecture") < 0 ||
	    p_strv(c, p, v, "flags", &s->flags) < 0 ||
	    check_names(c, p, "flags", &s->flags, spec_seccomp_flag_known, "flag") < 0 ||
	    p_str(c, p, v, "listenerPath", OPT, &s->listener_path) < 0 ||
	    p_str(c, p, v, "listenerMetadata", OPT, &s->listener_metadata) < 0)
		return -1;
	if (p_array(c, p, v, "syscalls", &a) < 0)
		return -1;
	if (a) {
		const struct json_path *lp = JP_FIELD(p, "syscalls");

		s->syscalls = p_calloc(c, lp, a->len, sizeof(*s->syscalls));
		if (s->syscalls == NULL)
			return -1;
		s->n_syscalls = a->len;
		for (size_t i = 0; i < a->len; i++) {
			if (parse_syscall(c, JP_INDEX_OF(lp, i), &a->u.items[i], &s->syscalls[i]) < 0)
				return -1;
			notify |= s->syscalls[i].action == SPEC_SCMP_ACT_NOTIFY;
		}
	}
	/* config-linux.md: listenerPath MUST be set when SCMP_ACT_NOTIFY is used */
	if (notify && (s->listener_path == NULL || s->listener_path[0] == '\0'))
		return json_fail(c, JP_FIELD(p, "listenerPath"),
				 "required when a rule uses SCMP_ACT_NOTIFY");
	return 0;
}
