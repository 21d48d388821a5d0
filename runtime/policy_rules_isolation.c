/* Rules on what the container shares with the host kernel: namespaces,
 * writable /sys and /proc/sys, masked and read-only paths, sysctls. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "policy_eval.h"

static bool in_list(const struct spec_strv *v, const char *s)
{
	for (size_t i = 0; i < v->len; i++)
		if (strcmp(v->items[i], s) == 0)
			return true;
	return false;
}

/* ---- namespaces ---- */

static const char *const ns_proc_name[SPEC_NS__COUNT] = {
	[SPEC_NS_PID] = "pid", [SPEC_NS_NETWORK] = "net", [SPEC_NS_IPC] = "ipc",
	[SPEC_NS_UTS] = "uts",
};

/* A path naming the namespace ward itself runs in is the host's: joining
 * it is the same as having no entry. Namespaces of other containers
 * (a pod's sandbox) are fine. 1: host, 0: not, -1: cannot tell (errno). */
static int is_host_ns(enum spec_ns_type t, const char *path)
{
	char self[64];
	struct stat a, b;

	snprintf(self, sizeof(self), "/proc/self/ns/%s", ns_proc_name[t]);
	if (stat(path, &a) < 0 || stat(self, &b) < 0)
		return -1;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int add_namespace(struct spec_linux *l, enum spec_ns_type t)
{
	struct spec_namespace *n = realloc(l->namespaces, (l->n_namespaces + 1) * sizeof(*n));

	if (n == NULL)
		return -1;
	n[l->n_namespaces++] = (struct spec_namespace){ .type = t, .path = NULL };
	l->namespaces = n;
	return 0;
}

static void rule_namespaces(struct policy_eval *x)
{
	static const enum spec_ns_type private[] = { SPEC_NS_PID, SPEC_NS_NETWORK, SPEC_NS_IPC,
						     SPEC_NS_UTS };
	struct spec_linux *l = x->spec->linux;

	if (policy_rule(x, RULE_NAMESPACES)->mode == POLICY_OFF || l == NULL)
		return;
	for (size_t i = 0; i < sizeof(private) / sizeof(private[0]); i++) {
		enum spec_ns_type t = private[i];
		const struct spec_namespace *ns = spec_find_namespace(x->spec, t);
		const char *name = spec_ns_type_name(t);

		int host = ns && ns->path ? is_host_ns(t, ns->path) : 0;

		if (ns && host == 0)
			continue;
		if (host < 0) {
			/* Fail closed: what cannot be inspected is not joined. */
			policy_violation(x, RULE_NAMESPACES, "linux.namespaces",
					 "%s namespace path \"%s\" cannot be checked: %s", name, ns->path,
					 strerror(errno));
			continue;
		}
		if (ns == NULL && policy_fills(x, RULE_NAMESPACES)) {
			if (add_namespace(l, t) == 0)
				policy_filled(x, RULE_NAMESPACES, "linux.namespaces",
					      "a new %s namespace", name);
			continue;
		}
		policy_violation(x, RULE_NAMESPACES, "linux.namespaces",
				 "host %s namespace is not allowed", name);
	}
}

/* ---- /sys and /proc/sys ---- */

static bool has_option(const struct spec_mount *m, const char *opt)
{
	return in_list(&m->options, opt);
}

static bool is_bind(const struct spec_mount *m)
{
	return (m->type && strcmp(m->type, "bind") == 0) || has_option(m, "bind") ||
	       has_option(m, "rbind");
}

static bool below(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 1 && prefix[0] == '/')
		return path[0] == '/';
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* sysfs (of any kind) and binds of the host's /sys or /proc/sys may only
 * be read-only: writable ones reach host-wide kernel knobs. */
static void rule_kernel_filesystems(struct policy_eval *x)
{
	struct spec_linux *l = x->spec->linux;

	if (policy_rule(x, RULE_KERNEL_FILESYSTEMS)->mode == POLICY_OFF)
		return;
	for (size_t i = 0; i < x->spec->n_mounts; i++) {
		struct spec_mount *m = &x->spec->mounts[i];
		bool kernel_fs = (m->type && strcmp(m->type, "sysfs") == 0) ||
				 (is_bind(m) && m->source &&
				  (below(m->source, "/sys") || below(m->source, "/proc")));
		char field[48];

		if (!kernel_fs || has_option(m, "ro"))
			continue;
		snprintf(field, sizeof(field), "mounts[%zu]", i);
		if (policy_fills(x, RULE_KERNEL_FILESYSTEMS)) {
			/* rw would clear it again: ro is appended after it. */
			if (policy_strv_push(x, &m->options, "ro") == 0)
				policy_filled(x, RULE_KERNEL_FILESYSTEMS, field, "%s mounted read-only",
					      m->destination);
			continue;
		}
		policy_violation(x, RULE_KERNEL_FILESYSTEMS, field, "writable %s on %s is not allowed",
				 m->type && strcmp(m->type, "sysfs") == 0 ? "sysfs" : m->source,
				 m->destination);
	}
	if (l && !in_list(&l->readonly_paths, "/proc/sys") && !in_list(&l->masked_paths, "/proc/sys")) {
		if (policy_fills(x, RULE_KERNEL_FILESYSTEMS)) {
			if (policy_strv_push(x, &l->readonly_paths, "/proc/sys") == 0)
				policy_filled(x, RULE_KERNEL_FILESYSTEMS, "linux.readonlyPaths",
					      "added /proc/sys");
		} else {
			policy_violation(x, RULE_KERNEL_FILESYSTEMS, "linux.readonlyPaths",
					 "writable /proc/sys is not allowed");
		}
	}
}

/* ---- masked and read-only paths ---- */

static void require_paths(struct policy_eval *x, struct spec_strv *have, const char *const *want,
			  const char *field, const struct spec_strv *or_in)
{
	for (const char *const *p = want; *p; p++) {
		if (in_list(have, *p) || (or_in && in_list(or_in, *p)))
			continue;
		if (policy_fills(x, RULE_MASKED_PATHS)) {
			if (policy_strv_push(x, have, *p) == 0)
				policy_filled(x, RULE_MASKED_PATHS, field, "added %s", *p);
		} else {
			policy_violation(x, RULE_MASKED_PATHS, field, "%s is missing", *p);
		}
	}
}

static void rule_masked_paths(struct policy_eval *x)
{
	struct spec_linux *l = x->spec->linux;

	if (policy_rule(x, RULE_MASKED_PATHS)->mode == POLICY_OFF || l == NULL)
		return;
	require_paths(x, &l->masked_paths, spec_default_masked_paths, "linux.maskedPaths", NULL);
	/* A masked path is hidden altogether: stricter than read-only. */
	require_paths(x, &l->readonly_paths, spec_default_readonly_paths, "linux.readonlyPaths",
		      &l->masked_paths);
}

/* ---- sysctls ---- */

/* Kubernetes' safe set (pkg/kubelet/sysctl/safe_sysctls.go): namespaced,
 * and isolated from other pods on the node. */
static const char *const k8s_safe_sysctls[] = {
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	NULL,
};

static bool sysctl_allowed(const struct policy_rule *r, const char *name)
{
	if (r->allowed.items == NULL) {
		for (const char *const *s = k8s_safe_sysctls; *s; s++)
			if (strcmp(*s, name) == 0)
				return true;
		return false;
	}
	/* Entries may be patterns ("net.ipv4.conf.*"). */
	for (size_t i = 0; i < r->allowed.len; i++)
		if (fnmatch(r->allowed.items[i], name, 0) == 0)
			return true;
	return false;
}

static void rule_sysctls(struct policy_eval *x)
{
	const struct policy_rule *r = policy_rule(x, RULE_SYSCTLS);
	const struct spec_linux *l = x->spec->linux;

	if (r->mode == POLICY_OFF || l == NULL)
		return;
	for (size_t i = 0; i < l->sysctl.len; i++) {
		const char *name = l->sysctl.items[i].key;
		char field[300];

		if (sysctl_allowed(r, name))
			continue;
		snprintf(field, sizeof(field), "linux.sysctl[\"%.256s\"]", name);
		policy_violation(x, RULE_SYSCTLS, field, "sysctl is not in the allowed set");
	}
}

void policy_rules_isolation(struct policy_eval *x)
{
	rule_namespaces(x);
	rule_kernel_filesystems(x);
	rule_masked_paths(x);
	rule_sysctls(x);
}
