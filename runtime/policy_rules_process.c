/* Rules on the process: capabilities, noNewPrivileges, seccomp. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "policy_eval.h"

static bool in_list(const struct spec_strv *v, const char *s)
{
	for (size_t i = 0; i < v->len; i++)
		if (strcmp(v->items[i], s) == 0)
			return true;
	return false;
}

/* The pod's sandbox ("pause") container, as containerd and CRI-O mark it:
 * the pod spec does not shape it and it needs no capability, yet containerd
 * gives it the default set. Marking a container so only costs it its
 * capabilities. */
static bool is_cri_sandbox(const struct spec *s)
{
	const char *a = spec_annotation(s, "io.kubernetes.cri.container-type");
	const char *b = spec_annotation(s, "io.kubernetes.cri-o.ContainerType");

	return (a && strcmp(a, "sandbox") == 0) || (b && strcmp(b, "sandbox") == 0);
}

/* Drop from v what the rule does not allow (a sandbox's capabilities), one
 * verdict naming them all. */
static void drop_disallowed(struct policy_eval *x, const struct policy_rule *r, struct spec_strv *v,
			    const char *field)
{
	char dropped[400] = "";
	size_t k = 0, n = 0;

	for (size_t i = 0; i < v->len; i++) {
		if (in_list(&r->allowed, v->items[i])) {
			v->items[k++] = v->items[i];
			continue;
		}
		if (n < sizeof(dropped))
			n += (size_t)snprintf(dropped + n, sizeof(dropped) - n, "%s%s", n ? " " : "", v->items[i]);
		free(v->items[i]);
	}
	if (k == v->len)
		return;
	v->len = k;
	if (v->items)
		v->items[k] = NULL;
	policy_filled(x, RULE_CAPABILITIES, field, "dropped from the pod's sandbox container: %s", dropped);
}

/* Each capability beyond the allowed set, once, at the first set holding it. */
static void rule_capabilities(struct policy_eval *x)
{
	const struct policy_rule *r = policy_rule(x, RULE_CAPABILITIES);
	const struct spec_capabilities *c = x->spec->process ? x->spec->process->capabilities : NULL;
	static const char *const names[] = { "bounding", "effective", "permitted", "inheritable",
					     "ambient" };
	char seen[64] = { 0 };

	if (r->mode == POLICY_OFF || c == NULL)
		return;
	if (r->mode != POLICY_AUDIT && is_cri_sandbox(x->spec)) {
		struct spec_capabilities *w = x->spec->process->capabilities;
		struct spec_strv *all[] = { &w->bounding, &w->effective, &w->permitted, &w->inheritable,
					    &w->ambient };
		for (size_t s = 0; s < 5; s++) {
			char field[64];
			snprintf(field, sizeof(field), "process.capabilities.%s", names[s]);
			drop_disallowed(x, r, all[s], field);
		}
		return;
	}
	const struct spec_strv *sets[] = { &c->bounding, &c->effective, &c->permitted,
					   &c->inheritable, &c->ambient };
	for (size_t s = 0; s < 5; s++)
		for (size_t i = 0; i < sets[s]->len; i++) {
			const char *cap = sets[s]->items[i];
			int n = spec_capability_from_name(cap);
			char field[64];

			if (in_list(&r->allowed, cap) || (n >= 0 && n < 64 && seen[n]))
				continue;
			if (n >= 0 && n < 64)
				seen[n] = 1;
			snprintf(field, sizeof(field), "process.capabilities.%s", names[s]);
			policy_violation(x, RULE_CAPABILITIES, field, "capability %s is not allowed", cap);
		}
}

static void rule_no_new_privileges(struct policy_eval *x)
{
	struct spec_process *p = x->spec->process;

	if (policy_rule(x, RULE_NO_NEW_PRIVILEGES)->mode == POLICY_OFF || p == NULL ||
	    p->no_new_privileges)
		return;
	/* false and absent read the same: default mode sets it. */
	if (policy_fills(x, RULE_NO_NEW_PRIVILEGES)) {
		p->no_new_privileges = true;
		policy_filled(x, RULE_NO_NEW_PRIVILEGES, "process.noNewPrivileges", "set to true");
		return;
	}
	policy_violation(x, RULE_NO_NEW_PRIVILEGES, "process.noNewPrivileges",
			 "noNewPrivileges must be true");
}

/* No filter at all, or one that allows by default and denies nothing. */
static bool unconfined(const struct spec_seccomp *sc)
{
	if (sc == NULL)
		return true;
	if (sc->default_action != SPEC_SCMP_ACT_ALLOW && sc->default_action != SPEC_SCMP_ACT_LOG)
		return false;
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (sc->syscalls[i].action != SPEC_SCMP_ACT_ALLOW &&
		    sc->syscalls[i].action != SPEC_SCMP_ACT_LOG)
			return false;
	return true;
}

static bool floor_allows(const struct spec_seccomp *floor, const char *name)
{
	for (size_t i = 0; i < floor->n_syscalls; i++)
		if (floor->syscalls[i].action == SPEC_SCMP_ACT_ALLOW &&
		    in_list(&floor->syscalls[i].names, name))
			return true;
	return false;
}

/* What the floor takes away from the pod's profile, for the record. */
static void explain_narrowing(struct policy_eval *x, const struct spec_seccomp *sc,
			      const struct spec_seccomp *floor)
{
	char names[256] = "";
	size_t n = 0;

	if (sc->default_action == SPEC_SCMP_ACT_ALLOW || sc->default_action == SPEC_SCMP_ACT_LOG) {
		policy_filled(x, RULE_SECCOMP, "linux.seccomp.defaultAction",
			      "allow by default: only what the floor allows runs");
		return;
	}
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		if (sc->syscalls[i].action != SPEC_SCMP_ACT_ALLOW)
			continue;
		for (size_t j = 0; j < sc->syscalls[i].names.len; j++) {
			const char *s = sc->syscalls[i].names.items[j];

			if (floor_allows(floor, s))
				continue;
			if (n++ < 8 && strlen(names) + strlen(s) + 3 < sizeof(names)) {
				strcat(names, names[0] ? ", " : "");
				strcat(names, s);
			}
		}
	}
	if (n)
		policy_filled(x, RULE_SECCOMP, "linux.seccomp.syscalls",
			      "the floor still denies %zu allowed syscall(s): %s%s", n, names,
			      n > 8 ? ", ..." : "");
}

/* A profile is required; whatever it is, the floor (ward's default
 * profile) is stacked under it, so that a pod's profile can only remove
 * syscalls from the floor, never add one. */
static void rule_seccomp(struct policy_eval *x)
{
	const struct policy_rule *r = policy_rule(x, RULE_SECCOMP);
	struct spec_linux *l = x->spec->linux;
	struct spec_linux floor = { 0 };
	struct ward_error e = { 0 };

	if (r->mode == POLICY_OFF)
		return;
	if (r->mode == POLICY_AUDIT) {
		if (unconfined(l ? l->seccomp : NULL))
			policy_violation(x, RULE_SECCOMP, "linux.seccomp",
					 "a seccomp profile is required (absent or unconfined)");
		return;
	}
	if (l == NULL)
		return; /* validated configs always have linux on Linux */
	if (l->seccomp == NULL && r->mode == POLICY_ENFORCE) {
		policy_violation(x, RULE_SECCOMP, "linux.seccomp", "a seccomp profile is required");
		return;
	}
	if (r->mode == POLICY_ENFORCE && unconfined(l->seccomp)) {
		policy_violation(x, RULE_SECCOMP, "linux.seccomp",
				 "an unconfined seccomp profile is not allowed");
		return;
	}
	if (spec_default_seccomp(&floor, &e) < 0) {
		policy_violation(x, RULE_SECCOMP, "linux.seccomp", "the floor profile: %s", e.msg);
		return;
	}
	if (l->seccomp == NULL) {
		l->seccomp = floor.seccomp;
		policy_filled(x, RULE_SECCOMP, "linux.seccomp", "ward's default profile");
		return;
	}
	explain_narrowing(x, l->seccomp, floor.seccomp);
	spec_seccomp_free(floor.seccomp);
	policy_set_annotation(x, WARD_SECCOMP_FLOOR_ANNOTATION, "default");
}

void policy_rules_process(struct policy_eval *x)
{
	rule_capabilities(x);
	rule_no_new_privileges(x);
	rule_seccomp(x);
}
