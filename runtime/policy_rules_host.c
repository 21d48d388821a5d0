/* Rules on what the container reaches of the host: bind-mount sources,
 * hook programs, device nodes. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "policy_eval.h"

/* Never a bind source, whatever the policy allows: container runtimes'
 * state and their API sockets (mounting either hands over the node). */
static const char *const always_denied[] = {
	"/run/containerd/containerd.sock",
	"/run/containerd/containerd.sock.ttrpc",
	"/run/containerd/s",
	"/run/containerd/io.containerd.runtime.v2.task",
	"/var/run/docker.sock",
	"/run/docker.sock",
	"/run/crio/crio.sock",
	"/var/run/crio/crio.sock",
	"/run/ward",
	"/var/lib/ward",
	"/etc/ward",
	NULL,
};

static bool below(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return path[0] == '/';
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Either contains the other: mounting "/run" exposes "/run/ward". */
static bool overlaps(const char *a, const char *b)
{
	return below(a, b) || below(b, a);
}

static bool is_bind(const struct spec_mount *m)
{
	if (m->type && strcmp(m->type, "bind") == 0)
		return true;
	for (size_t i = 0; i < m->options.len; i++)
		if (!strcmp(m->options.items[i], "bind") || !strcmp(m->options.items[i], "rbind"))
			return true;
	return false;
}

static const char *denied_by(struct policy_eval *x, const struct policy_rule *r, const char *src)
{
	char root[PATH_MAX];

	if (x->state_root && realpath(x->state_root, root) && overlaps(src, root))
		return x->state_root;
	for (const char *const *d = always_denied; *d; d++)
		if (overlaps(src, *d))
			return *d;
	for (size_t i = 0; i < r->denied.len; i++)
		if (overlaps(src, r->denied.items[i]))
			return r->denied.items[i];
	return NULL;
}

static void rule_host_paths(struct policy_eval *x)
{
	const struct policy_rule *r = policy_rule(x, RULE_HOST_PATHS);

	if (r->mode == POLICY_OFF)
		return;
	for (size_t i = 0; i < x->spec->n_mounts; i++) {
		const struct spec_mount *m = &x->spec->mounts[i];
		char real[PATH_MAX], field[48];
		const char *src, *deny;
		struct stat st;
		bool ok = r->allowed.items == NULL;

		if (!is_bind(m) || m->source == NULL)
			continue;
		snprintf(field, sizeof(field), "mounts[%zu].source", i);
		/* Relative sources are relative to the bundle (the cwd now).
		 * Symlinks are resolved as the mount will resolve them. */
		src = realpath(m->source, real) ? real : m->source;
		if (src[0] != '/') {
			policy_violation(x, RULE_HOST_PATHS, field, "\"%s\" cannot be resolved", m->source);
			continue;
		}
		deny = denied_by(x, r, src);
		if (deny) {
			policy_violation(x, RULE_HOST_PATHS, field,
					 "host path \"%s\" exposes \"%s\", which is never allowed", src, deny);
			continue;
		}
		if (stat(src, &st) == 0 && S_ISSOCK(st.st_mode)) {
			policy_violation(x, RULE_HOST_PATHS, field, "host socket \"%s\" is not allowed", src);
			continue;
		}
		for (size_t k = 0; !ok && k < r->allowed.len; k++)
			ok = below(src, r->allowed.items[k]);
		if (!ok)
			policy_violation(x, RULE_HOST_PATHS, field,
					 "host path \"%s\" is not below an allowed prefix", src);
	}
}

/* ---- hooks ---- */

static void check_hooks(struct policy_eval *x, const struct spec_hook_list *list, const char *kind)
{
	const struct policy_rule *r = policy_rule(x, RULE_HOOKS);

	for (size_t i = 0; i < list->len; i++) {
		const char *path = list->items[i].path;
		bool ok = false;
		char field[64];

		for (size_t k = 0; !ok && k < r->allowed.len; k++)
			ok = strcmp(path, r->allowed.items[k]) == 0;
		if (ok)
			continue;
		snprintf(field, sizeof(field), "hooks.%s[%zu].path", kind, i);
		policy_violation(x, RULE_HOOKS, field, "hook \"%s\" is not in the allowed list", path);
	}
}

static void rule_hooks(struct policy_eval *x)
{
	const struct spec_hooks *h = x->spec->hooks;

	if (policy_rule(x, RULE_HOOKS)->mode == POLICY_OFF || h == NULL)
		return;
	check_hooks(x, &h->prestart, "prestart");
	check_hooks(x, &h->create_runtime, "createRuntime");
	check_hooks(x, &h->create_container, "createContainer");
	check_hooks(x, &h->start_container, "startContainer");
	check_hooks(x, &h->poststart, "poststart");
	check_hooks(x, &h->poststop, "poststop");
}

/* ---- devices ---- */

/* The devices every container gets anyway (runtime-spec "Default devices")
 * plus the pty multiplexer and the ptys. */
static const char *const default_devices[] = {
	"c 1:3", "c 1:5", "c 1:7", "c 1:8", "c 1:9", "c 5:0", "c 5:1", "c 5:2", "c 136:*", NULL,
};

/* "c 1:3" or "c 136:*" against a type and major/minor (-1 = any). */
static bool entry_covers(const char *entry, char type, int64_t major, int64_t minor)
{
	char t, maj[16], min[16];

	if (sscanf(entry, "%c %15[0-9*]:%15[0-9*]", &t, maj, min) != 3)
		return false;
	if (t != 'a' && t != type)
		return false;
	if (strcmp(maj, "*") != 0 && (major < 0 || strtoll(maj, NULL, 10) != major))
		return false;
	if (strcmp(min, "*") != 0 && (minor < 0 || strtoll(min, NULL, 10) != minor))
		return false;
	return true;
}

static bool device_allowed(const struct policy_rule *r, char type, int64_t major, int64_t minor)
{
	if (r->allowed.items == NULL) {
		for (const char *const *d = default_devices; *d; d++)
			if (entry_covers(*d, type, major, minor))
				return true;
		return false;
	}
	for (size_t i = 0; i < r->allowed.len; i++)
		if (entry_covers(r->allowed.items[i], type, major, minor))
			return true;
	return false;
}

static void rule_devices(struct policy_eval *x)
{
	const struct policy_rule *r = policy_rule(x, RULE_DEVICES);
	const struct spec_linux *l = x->spec->linux;
	const struct spec_resources *res = l ? l->resources : NULL;
	char field[64];

	if (r->mode == POLICY_OFF || l == NULL)
		return;
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct spec_device *d = &l->devices[i];
		char type = d->type[0] == 'u' ? 'c' : d->type[0];

		if (d->type[0] == 'p' || device_allowed(r, type, d->major, d->minor))
			continue;
		snprintf(field, sizeof(field), "linux.devices[%zu]", i);
		policy_violation(x, RULE_DEVICES, field, "device %c %lld:%lld (%s) is not allowed", type,
				 (long long)d->major, (long long)d->minor, d->path);
	}
	/* Cgroup rules that let the container read or write a device; a
	 * bare "m" (mknod) grants no access by itself. */
	for (size_t i = 0; res && i < res->n_devices; i++) {
		const struct spec_device_cgroup *d = &res->devices[i];
		char type = d->type ? d->type[0] : 'a';
		int64_t major = d->major.set ? d->major.value : -1;
		int64_t minor = d->minor.set ? d->minor.value : -1;

		if (!d->allow || (d->access && !strpbrk(d->access, "rw")))
			continue;
		if (device_allowed(r, type, major, minor))
			continue;
		char maj[24] = "*", min[24] = "*";
		if (major >= 0)
			snprintf(maj, sizeof(maj), "%lld", (long long)major);
		if (minor >= 0)
			snprintf(min, sizeof(min), "%lld", (long long)minor);
		snprintf(field, sizeof(field), "linux.resources.devices[%zu]", i);
		policy_violation(x, RULE_DEVICES, field, "access to device %c %s:%s is not allowed", type,
				 maj, min);
	}
}

void policy_rules_host(struct policy_eval *x)
{
	rule_host_paths(x);
	rule_hooks(x);
	rule_devices(x);
}
