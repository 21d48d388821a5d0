/* The "process" object (config.md, "Process"), also read on its own for
 * `ward exec --process`. */
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"

static const char *const user_fields[] = {
	"uid", "gid", "umask", "additionalGids", "username", NULL,
};

static int parse_user(const struct json_ctx *c, const struct json_path *p,
		      const struct json_value *v, struct spec_user *u)
{
	const struct json_value *a;
	uint64_t umask = 0;

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || json_strict(c, p, v, user_fields) < 0)
		return -1;
	if (p_u32(c, p, v, "uid", REQ, &u->uid) < 0 || p_u32(c, p, v, "gid", REQ, &u->gid) < 0 ||
	    p_str(c, p, v, "username", OPT, &u->username) < 0)
		return -1;
	/* umask(2) silently keeps the low 9 bits; more is a mistake */
	if (p_uint(c, p, v, "umask", OPT, 0777, &umask, &u->umask.set) < 0)
		return -1;
	u->umask.value = (uint32_t)umask;
	if (p_array(c, p, v, "additionalGids", &a) < 0)
		return -1;
	if (a) {
		const struct json_path *ap = JP_FIELD(p, "additionalGids");

		/* setgroups(2) takes at most NGROUPS_MAX (a kernel constant) */
		if (a->len > 65536)
			return json_fail(c, ap, "%zu groups, more than the kernel's limit of 65536", a->len);

		u->additional_gids = p_calloc(c, ap, a->len, sizeof(uint32_t));
		if (u->additional_gids == NULL)
			return -1;
		u->n_additional_gids = a->len;
		for (size_t i = 0; i < a->len; i++) {
			uint64_t g;
			if (json_uint(c, JP_INDEX_OF(ap, i), &a->u.items[i], UINT32_MAX, &g) < 0)
				return -1;
			u->additional_gids[i] = (uint32_t)g;
		}
	}
	return 0;
}

static const char *const cap_sets[] = {
	"bounding", "effective", "inheritable", "permitted", "ambient", NULL,
};

static int parse_cap_set(const struct json_ctx *c, const struct json_path *p,
			 const struct json_value *v, const char *key, struct spec_strv *out)
{
	const struct json_path *sp = JP_FIELD(p, key);

	if (p_strv(c, p, v, key, out) < 0)
		return -1;
	for (size_t i = 0; i < out->len; i++)
		if (spec_capability_from_name(out->items[i]) < 0)
			return json_fail(c, JP_INDEX_OF(sp, i), "unknown capability \"%s\"",
					 out->items[i]);
	return 0;
}

static int parse_capabilities(const struct json_ctx *c, const struct json_path *p,
			      const struct json_value *v, struct spec_capabilities *caps)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0 || json_strict(c, p, v, cap_sets) < 0)
		return -1;
	if (parse_cap_set(c, p, v, "bounding", &caps->bounding) < 0 ||
	    parse_cap_set(c, p, v, "effective", &caps->effective) < 0 ||
	    parse_cap_set(c, p, v, "inheritable", &caps->inheritable) < 0 ||
	    parse_cap_set(c, p, v, "permitted", &caps->permitted) < 0 ||
	    parse_cap_set(c, p, v, "ambient", &caps->ambient) < 0)
		return -1;
	return 0;
}

static int parse_rlimits(const struct json_ctx *c, const struct json_path *p,
			 const struct json_value *a, struct spec_process *proc)
{
	proc->rlimits = p_calloc(c, p, a->len, sizeof(*proc->rlimits));
	if (proc->rlimits == NULL)
		return -1;
	proc->n_rlimits = a->len;
	for (size_t i = 0; i < a->len; i++) {
		const struct json_path *ip = JP_INDEX_OF(p, i);
		const struct json_value *v = &a->u.items[i];
		struct spec_rlimit *r = &proc->rlimits[i];

		if (json_expect(c, ip, v, JSON_OBJECT) < 0 ||
		    p_str(c, ip, v, "type", REQ, &r->type) < 0 ||
		    p_uint(c, ip, v, "hard", REQ, UINT64_MAX, &r->hard, NULL) < 0 ||
		    p_uint(c, ip, v, "soft", REQ, UINT64_MAX, &r->soft, NULL) < 0)
			return -1;
		r->resource = spec_rlimit_from_name(r->type);
		if (r->resource < 0)
			return json_fail(c, JP_FIELD(ip, "type"), "unknown rlimit \"%s\"", r->type);
		/* setrlimit(2) would fail with EINVAL later, with less context */
		if (r->soft > r->hard)
			return json_fail(c, JP_FIELD(ip, "soft"), "soft limit %llu exceeds hard limit %llu",
					 (unsigned long long)r->soft, (unsigned long long)r->hard);
		/* config.md: duplicated types MUST be an error */
		for (size_t j = 0; j < i; j++)
			if (proc->rlimits[j].resource == r->resource)
				return json_fail(c, JP_FIELD(ip, "type"), "duplicate rlimit \"%s\"",
						 r->type);
	}
	return 0;
}

static const char *const ioprio_classes[] = {
	"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL,
};

static int parse_io_priority(const struct json_ctx *c, const struct json_path *p,
			     const struct json_value *v, struct spec_io_priority *io)
{
	int64_t prio = 0;

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || p_str(c, p, v, "class", REQ, &io->klass) < 0)
		return -1;
	if (!spec_name_in(io->klass, ioprio_classes))
		return json_fail(c, JP_FIELD(p, "class"), "unknown I/O priority class \"%s\"",
				 io->klass);
	/* ioprio_set(2): levels 0 (highest) to 7; absent is 0, as runc and
	 * crun read it */
	if (p_int(c, p, v, "priority", OPT, 0, 7, &prio, NULL) < 0)
		return -1;
	io->priority = (int32_t)prio;
	return 0;
}

static const char *const sched_policies[] = {
	"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
	"SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE", NULL,
};

static const char *const sched_flags[] = {
	"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN",
	"SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
	"SCHED_FLAG_UTIL_CLAMP_MAX", NULL,
};

static int parse_scheduler(const struct json_ctx *c, const struct json_path *p,
			   const struct json_value *v, struct spec_scheduler *s)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0 || p_str(c, p, v, "policy", REQ, &s->policy) < 0)
		return -1;
	if (!spec_name_in(s->policy, sched_policies))
		return json_fail(c, JP_FIELD(p, "policy"), "unknown scheduler policy \"%s\"",
				 s->policy);
	if (p_oi32(c, p, v, "nice", -20, 19, &s->nice) < 0 ||
	    p_oi32(c, p, v, "priority", INT32_MIN, INT32_MAX, &s->priority) < 0 ||
	    p_strv(c, p, v, "flags", &s->flags) < 0 ||
	    p_ou64(c, p, v, "runtime", UINT64_MAX, &s->runtime) < 0 ||
	    p_ou64(c, p, v, "deadline", UINT64_MAX, &s->deadline) < 0 ||
	    p_ou64(c, p, v, "period", UINT64_MAX, &s->period) < 0)
		return -1;
	for (size_t i = 0; i < s->flags.len; i++)
		if (!spec_name_in(s->flags.items[i], sched_flags))
			return json_fail(c, JP_INDEX_OF(JP_FIELD(p, "flags"), i),
					 "unknown scheduler flag \"%s\"", s->flags.items[i]);
	return 0;
}

static int parse_console_size(const struct json_ctx *c, const struct json_path *p,
			      const struct json_value *v, struct spec_console_size *cs)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0 ||
	    p_u32(c, p, v, "height", REQ, &cs->height) < 0 ||
	    p_u32(c, p, v, "width", REQ, &cs->width) < 0)
		return -1;
	return 0;
}

static int parse_cpu_affinity(const struct json_ctx *c, const struct json_path *p,
			      const struct json_value *v, struct spec_cpu_affinity *a)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0 ||
	    p_str(c, p, v, "initial", OPT, &a->initial) < 0 ||
	    p_str(c, p, v, "final", OPT, &a->final) < 0)
		return -1;
	return 0;
}

int parse_process_value(const struct json_ctx *c, const struct json_path *p,
			const struct json_value *v, struct spec_process *proc, bool user_optional)
{
	const struct json_value *x;

	if (json_expect(c, p, v, JSON_OBJECT) < 0)
		return -1;
	if (p_bool(c, p, v, "terminal", OPT, &proc->terminal) < 0 ||
	    SUB_OBJECT(c, p, v, "consoleSize", proc->console_size, parse_console_size) < 0)
		return -1;
	/* config.md: user is REQUIRED on Linux; its uid and gid too. An
	 * exec'd process without one runs as 0:0 (runc, crun). */
	if (p_member(c, p, v, "user", user_optional ? OPT : REQ, &x) < 0 ||
	    (x && parse_user(c, JP_FIELD(p, "user"), x, &proc->user) < 0))
		return -1;
	if (p_strv(c, p, v, "args", &proc->args) < 0 ||
	    p_str(c, p, v, "commandLine", OPT, &proc->command_line) < 0 ||
	    p_strv(c, p, v, "env", &proc->env) < 0)
		return -1;
	if (p_str(c, p, v, "cwd", REQ, &proc->cwd) < 0 ||
	    p_absolute(c, JP_FIELD(p, "cwd"), proc->cwd) < 0)
		return -1;
	if (SUB_OBJECT(c, p, v, "capabilities", proc->capabilities, parse_capabilities) < 0)
		return -1;
	if (p_array(c, p, v, "rlimits", &x) < 0 ||
	    (x && parse_rlimits(c, JP_FIELD(p, "rlimits"), x, proc) < 0))
		return -1;
	if (p_bool(c, p, v, "noNewPrivileges", OPT, &proc->no_new_privileges) < 0 ||
	    p_str(c, p, v, "apparmorProfile", OPT, &proc->apparmor_profile) < 0 ||
	    /* the kernel's OOM_SCORE_ADJ_MIN..MAX */
	    p_oi32(c, p, v, "oomScoreAdj", -1000, 1000, &proc->oom_score_adj) < 0 ||
	    p_str(c, p, v, "selinuxLabel", OPT, &proc->selinux_label) < 0)
		return -1;
	if (SUB_OBJECT(c, p, v, "ioPriority", proc->io_priority, parse_io_priority) < 0 ||
	    SUB_OBJECT(c, p, v, "scheduler", proc->scheduler, parse_scheduler) < 0 ||
	    SUB_OBJECT(c, p, v, "execCPUAffinity", proc->exec_cpu_affinity, parse_cpu_affinity) < 0)
		return -1;
	return 0;
}
