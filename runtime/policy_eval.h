/* The node policy, runtime side: choose the profile, run every rule over
 * the requested spec, tighten it (defaults) or refuse it, and record each
 * decision (audit.c). The file is parsed in spec/policy.h; this is the
 * evaluation, called from decide_effective_spec() before anything exists.
 *
 * Modes, per rule:
 *   enforce  a violation refuses the create:
 *              policy restricted: linux.namespaces: host network namespace is not allowed
 *            values the rule names a default for (resources) are filled first;
 *   audit    a violation is logged, the container runs as asked;
 *   default  what is missing is filled (a seccomp profile, masked paths, a
 *            memory limit, a namespace...), what is present is kept as it
 *            is and a violation in it is logged as in audit. */
#ifndef WARD_POLICY_EVAL_H
#define WARD_POLICY_EVAL_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "policy.h"
#include "spec.h"

#define WARD_PROFILE_ANNOTATION "run.ward.profile"
/* Stacks ward's default seccomp profile under the container's own: the
 * kernel applies the most restrictive verdict of all loaded filters, so
 * the pair allows only what both allow. Set by the seccomp rule. */
#define WARD_SECCOMP_FLOOR_ANNOTATION "run.ward.seccomp-floor"
#define WARD_EGRESS_ANNOTATION "run.ward.egress"
/* Set by the userNamespace rule: the rootfs is id-mapped with the
 * container's mappings; and where the pod's id range is recorded. */
#define WARD_IDMAP_ROOTFS_ANNOTATION "run.ward.idmap-rootfs"
#define WARD_ID_RANGE_ANNOTATION "run.ward.id-range-state"

/* The CRI's annotations naming the pod. */
#define CRI_SANDBOX_ID "io.kubernetes.cri.sandbox-id"
#define CRI_SANDBOX_NAMESPACE "io.kubernetes.cri.sandbox-namespace"
#define CRI_SANDBOX_NAME "io.kubernetes.cri.sandbox-name"
#define CRI_SANDBOX_UID "io.kubernetes.cri.sandbox-uid"
#define CRI_CONTAINER_NAME "io.kubernetes.cri.container-name"

/* Load the policy at `path`; NULL path means the default path, where a
 * missing file means "no policy" (*out = NULL, returns 0). A file that is
 * there but does not parse is an error, and so is a missing --policy FILE. */
int policy_load(const char *path, struct ward_policy **out, struct ward_error *err);

/* One evaluation of one spec against the policy. */
struct policy_eval {
	const struct ward_policy *pol;
	const struct policy_profile *prof;
	struct spec *spec;      /* tightened in place */
	const char *id;         /* container id */
	const char *state_root; /* never a bind-mount source */
	FILE *report;           /* `ward policy check`: one line per verdict */
	bool dry_run;           /* check: no id range is taken, no audit line written */
	int n_denied;
	char denial[1024];      /* the first refusal, for the error */
	int audit_fd;           /* -1 until opened */
};

/* Choose the profile (default, or a stricter one named by the annotation),
 * run the rules, fill defaults. Returns -1 with err set when the spec is
 * refused or the policy cannot be applied. x->pol, spec, id, state_root,
 * report and dry_run are set by the caller. */
int policy_evaluate(struct policy_eval *x, struct ward_error *err);
void policy_eval_release(struct policy_eval *x);

/* ---- what the rules call (policy.c) ---- */
/* A value the rule does not accept at `field`; the mode decides. */
void policy_violation(struct policy_eval *x, enum policy_rule_id rule, const char *field,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A missing value the rule filled in. */
void policy_filled(struct policy_eval *x, enum policy_rule_id rule, const char *field,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static inline const struct policy_rule *policy_rule(const struct policy_eval *x,
						    enum policy_rule_id id)
{
	return &x->prof->rules[id];
}
/* Whether the rule fills missing values: default mode, always. */
static inline bool policy_fills(const struct policy_eval *x, enum policy_rule_id id)
{
	return policy_rule(x, id)->mode == POLICY_DEFAULT;
}
/* Error-free helpers for the rules: on ENOMEM they record a refusal. */
int policy_strv_push(struct policy_eval *x, struct spec_strv *v, const char *s);
int policy_set_annotation(struct policy_eval *x, const char *key, const char *value);

/* ---- the rules, one function per family ---- */
void policy_rules_process(struct policy_eval *x);   /* capabilities, NNP, seccomp */
void policy_rules_isolation(struct policy_eval *x); /* namespaces, kernel fs, masked, sysctls */
void policy_rules_host(struct policy_eval *x);      /* host paths, hooks, devices */
void policy_rules_limits(struct policy_eval *x);    /* resources, landlock */
/* egress (policy_egress.c): the allowlist for egress.c, or its audit line */
void policy_rule_egress(struct policy_eval *x);

/* ---- policy_reserved.c ---- */
/* The decision records above (seccomp floor, id-mapped rootfs, id range)
 * and the egress filter: only the policy writes them. */
bool policy_annotation_reserved(const char *key);
/* A requested spec carrying one of them is refused (EPERM, naming it);
 * create checks every spec, with or without a policy. */
int policy_check_requested(const struct spec *s, struct ward_error *err);

/* ---- policy_uidrange.c ---- */
/* The userNamespace rule: runs last, and only for a spec nothing refused
 * (it takes a range from the pool). */
void policy_rule_userns(struct policy_eval *x);
/* Give back the id range of container `id` (at delete, or when its
 * create failed); nothing to do for a spec without one. */
int policy_release_ids(const struct spec *s, const char *id, struct ward_error *err);

/* ---- audit.c ---- */
/* One JSON line in the policy's audit log and, with --log, the runtime
 * log: time, container id, pod namespace/name/uid, profile, rule, verdict
 * ("deny", "audit", "default", "allow"), field, message. */
void audit_record(struct policy_eval *x, const char *rule, const char *verdict,
		  const char *field, const char *msg);

/* ---- exec ---- */
/* `ward exec` into a container created under a profile: the process may
 * not hold capabilities beyond what the profile allows, nor drop
 * noNewPrivileges where it is required; where the profile fills it
 * (default mode), p gets it. No policy: returns 0. */
int policy_check_exec(const char *policy_path, const char *id, const struct spec *config,
		      struct spec_process *p, struct ward_error *err);

#endif
