/* Rules on limits and extra confinement: memory and pids limits with
 * maxima, Landlock where the kernel has it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "landlock.h"
#include "policy_eval.h"

/* An absent limit is filled from the rule's default (in enforce mode too:
 * an admin who wrote a default wants it used); then it must be present,
 * positive (-1 is unlimited) and at most the maximum. */
static void check_limit(struct policy_eval *x, const struct policy_limit *lim, opt_i64 *value,
			const char *field, const char *what)
{
	const struct policy_rule *r = policy_rule(x, RULE_RESOURCES);

	if (!value->set && lim->def.set && r->mode != POLICY_AUDIT) {
		*value = (opt_i64){ .set = true, .value = lim->def.value };
		policy_filled(x, RULE_RESOURCES, field, "%s limit %lld", what, (long long)lim->def.value);
		return;
	}
	if (!value->set || value->value <= 0) {
		if (lim->max.set || lim->def.set)
			policy_violation(x, RULE_RESOURCES, field, "a %s limit is required", what);
		return;
	}
	if (lim->max.set && value->value > lim->max.value)
		policy_violation(x, RULE_RESOURCES, field, "%s limit %lld is above the maximum %lld", what,
				 (long long)value->value, (long long)lim->max.value);
}

static void rule_resources(struct policy_eval *x)
{
	const struct policy_rule *r = policy_rule(x, RULE_RESOURCES);
	struct spec_linux *l = x->spec->linux;
	struct spec_resources *res;

	if (r->mode == POLICY_OFF || l == NULL)
		return;
	if (l->resources == NULL && !(l->resources = calloc(1, sizeof(*l->resources))))
		return policy_violation(x, RULE_RESOURCES, "linux.resources", "out of memory");
	res = l->resources;
	if (res->memory == NULL && !(res->memory = calloc(1, sizeof(*res->memory))))
		return policy_violation(x, RULE_RESOURCES, "linux.resources", "out of memory");
	if (res->pids == NULL && !(res->pids = calloc(1, sizeof(*res->pids))))
		return policy_violation(x, RULE_RESOURCES, "linux.resources", "out of memory");
	check_limit(x, &r->memory, &res->memory->limit, "linux.resources.memory.limit", "memory");
	check_limit(x, &r->pids, &res->pids->limit, "linux.resources.pids.limit", "pids");
}

/* Landlock on where the kernel has it: the annotation is the switch. */
static void rule_landlock(struct policy_eval *x)
{
	const char *on = spec_annotation(x->spec, WARD_LANDLOCK_ANNOTATION);
	enum policy_mode mode = policy_rule(x, RULE_LANDLOCK)->mode;

	if (mode == POLICY_OFF || (on && strcmp(on, "true") == 0))
		return;
	if (landlock_abi() <= 0) {
		if (x->report)
			fprintf(x->report, "%-7s %-18s %s: %s\n", "skip", "landlock", "annotations",
				"this kernel offers no Landlock");
		return;
	}
	if (on == NULL && mode != POLICY_AUDIT) {
		if (policy_set_annotation(x, WARD_LANDLOCK_ANNOTATION, "true") == 0)
			policy_filled(x, RULE_LANDLOCK, "annotations[\"" WARD_LANDLOCK_ANNOTATION "\"]",
				      "Landlock enabled");
		return;
	}
	policy_violation(x, RULE_LANDLOCK, "annotations[\"" WARD_LANDLOCK_ANNOTATION "\"]",
			 "Landlock must be on where the kernel has it");
}

void policy_rules_limits(struct policy_eval *x)
{
	rule_resources(x);
	rule_landlock(x);
}
