/* Policy evaluation: profile choice, the verdict bookkeeping every rule
 * goes through, and the check `ward exec` makes. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "policy_eval.h"

int policy_load(const char *path, struct ward_policy **out, struct ward_error *err)
{
	const char *p = path ? path : WARD_POLICY_DEFAULT_PATH;

	*out = NULL;
	/* No policy at the default path: ward is a plain runtime, and the
	 * start path pays one failed access(2). */
	if (path == NULL && access(p, F_OK) < 0 && errno == ENOENT)
		return 0;
	*out = policy_parse_file(p, err);
	if (*out == NULL)
		return ward_error_wrap(err, "invalid policy (every container is refused until it is fixed)");
	return 0;
}

/* A refusal: EPERM for callers, without a strerror suffix in the text. */
static int refuse(struct ward_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct ward_error *err, const char *fmt, ...)
{
	char msg[WARD_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ward_error_set(err, 0, "%s", msg);
	if (err)
		err->errnum = EPERM;
	return -1;
}

static void record(struct policy_eval *x, enum policy_rule_id rule, const char *verdict,
		   const char *field, const char *msg)
{
	if (x->report)
		fprintf(x->report, "%-7s %-18s %s: %s\n", verdict, policy_rule_name(rule), field, msg);
	if (!x->dry_run)
		audit_record(x, policy_rule_name(rule), verdict, field, msg);
}

void policy_violation(struct policy_eval *x, enum policy_rule_id rule, const char *field,
		      const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	bool deny = policy_rule(x, rule)->mode == POLICY_ENFORCE;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (deny && x->n_denied++ == 0)
		snprintf(x->denial, sizeof(x->denial), "policy %s: %s: %s", x->prof->name, field, msg);
	record(x, rule, deny ? "deny" : "audit", field, msg);
}

void policy_filled(struct policy_eval *x, enum policy_rule_id rule, const char *field,
		   const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	record(x, rule, "default", field, msg);
}

static void out_of_memory(struct policy_eval *x)
{
	if (x->n_denied++ == 0)
		snprintf(x->denial, sizeof(x->denial), "policy %s: out of memory", x->prof->name);
}

int policy_strv_push(struct policy_eval *x, struct spec_strv *v, const char *s)
{
	char **items = realloc(v->items, (v->len + 2) * sizeof(*items));
	char *copy = strdup(s);

	if (items == NULL || copy == NULL) {
		free(copy);
		if (items)
			v->items = items;
		out_of_memory(x);
		return -1;
	}
	items[v->len++] = copy;
	items[v->len] = NULL;
	v->items = items;
	return 0;
}

int policy_set_annotation(struct policy_eval *x, const char *key, const char *value)
{
	struct spec_map *m = &x->spec->annotations;
	struct spec_kv *items;
	char *v = strdup(value);

	if (v == NULL)
		return out_of_memory(x), -1;
	for (size_t i = 0; i < m->len; i++)
		if (strcmp(m->items[i].key, key) == 0) {
			free(m->items[i].value);
			m->items[i].value = v;
			return 0;
		}
	items = realloc(m->items, (m->len + 1) * sizeof(*items));
	if (items == NULL || (items[m->len].key = strdup(key)) == NULL) {
		if (items)
			m->items = items;
		free(v);
		return out_of_memory(x), -1;
	}
	items[m->len].value = v;
	m->items = items;
	m->len++;
	return 0;
}

/* The default profile, or the one the pod names when it is at least as
 * strict (its level is not lower): a pod may tighten, never loosen. */
static int choose_profile(struct policy_eval *x, struct ward_error *err)
{
	const struct policy_profile *def = policy_find_profile(x->pol, x->pol->default_profile);
	const char *want = spec_annotation(x->spec, WARD_PROFILE_ANNOTATION);
	const struct policy_profile *p;

	x->prof = def;
	if (want == NULL || strcmp(want, def->name) == 0)
		return 0;
	p = policy_find_profile(x->pol, want);
	if (p == NULL)
		return refuse(err, "policy %s: annotations[\"%s\"]: no profile named \"%s\"",
				      def->name, WARD_PROFILE_ANNOTATION, want);
	if (p->level < def->level)
		return refuse(err,
				      "policy %s: annotations[\"%s\"]: profile \"%s\" (level %lld) is less strict than the default \"%s\" (level %lld)",
				      def->name, WARD_PROFILE_ANNOTATION, want, (long long)p->level,
				      def->name, (long long)def->level);
	x->prof = p;
	return 0;
}

int policy_evaluate(struct policy_eval *x, struct ward_error *err)
{
	x->audit_fd = -1;
	if (policy_check_requested(x->spec, err) < 0) {
		if (!x->dry_run) {
			x->prof = policy_find_profile(x->pol, x->pol->default_profile);
			audit_record(x, "reserved", "deny", "annotations", err->msg);
		}
		return -1;
	}
	if (choose_profile(x, err) < 0) {
		if (!x->dry_run) {
			/* Recorded under the default profile, which refused it. */
			x->prof = policy_find_profile(x->pol, x->pol->default_profile);
			audit_record(x, "profile", "deny", "annotations", err->msg);
		}
		return -1;
	}
	/* Every rule runs, so that `policy check` and the audit log show all
	 * that is wrong; the first refusal is the error. */
	policy_rules_process(x);
	policy_rules_isolation(x);
	policy_rules_host(x);
	policy_rules_limits(x);
	policy_rule_egress(x);
	if (x->n_denied == 0)
		policy_rule_userns(x);
	if (x->n_denied) {
		if (x->n_denied > 1)
			return refuse(err, "%s (and %d more refusals, see `ward policy check`)",
					      x->denial, x->n_denied - 1);
		return refuse(err, "%s", x->denial);
	}
	if (x->report)
		fprintf(x->report, "allow   %-18s profile %s\n", "*", x->prof->name);
	if (!x->dry_run)
		audit_record(x, "*", "allow", "", "created under this profile");
	return 0;
}

void policy_eval_release(struct policy_eval *x)
{
	if (x->audit_fd >= 0)
		close(x->audit_fd);
	x->audit_fd = -1;
}

/* ---- exec ---- */

static bool cap_allowed(const struct policy_rule *r, const char *cap)
{
	for (size_t i = 0; i < r->allowed.len; i++)
		if (strcmp(r->allowed.items[i], cap) == 0)
			return true;
	return false;
}

int policy_check_exec(const char *policy_path, const char *id, const struct spec *config,
		      struct spec_process *p, struct ward_error *err)
{
	cleanup_policy struct ward_policy *pol = NULL;
	const struct policy_profile *prof;
	const struct policy_rule *r;
	const char *want;

	if (policy_load(policy_path, &pol, err) < 0)
		return -1;
	if (pol == NULL)
		return 0;
	prof = policy_find_profile(pol, pol->default_profile);
	want = config ? spec_annotation(config, WARD_PROFILE_ANNOTATION) : NULL;
	if (want && policy_find_profile(pol, want) &&
	    policy_find_profile(pol, want)->level >= prof->level)
		prof = policy_find_profile(pol, want);
	r = &prof->rules[RULE_CAPABILITIES];
	if (r->mode == POLICY_ENFORCE && p->capabilities) {
		const struct spec_strv *sets[] = { &p->capabilities->bounding, &p->capabilities->effective,
						   &p->capabilities->permitted, &p->capabilities->inheritable,
						   &p->capabilities->ambient };
		for (size_t s = 0; s < 5; s++)
			for (size_t i = 0; i < sets[s]->len; i++)
				if (!cap_allowed(r, sets[s]->items[i]))
					return refuse(err,
							      "policy %s: exec into %s: capability %s is not allowed",
							      prof->name, id, sets[s]->items[i]);
	}
	r = &prof->rules[RULE_NO_NEW_PRIVILEGES];
	/* containerd builds the exec's process from its own copy of the
	 * config, which never saw what create filled in */
	if (r->mode == POLICY_DEFAULT)
		p->no_new_privileges = true;
	if (r->mode == POLICY_ENFORCE && !p->no_new_privileges)
		return refuse(err, "policy %s: exec into %s: noNewPrivileges is required",
				      prof->name, id);
	return 0;
}
