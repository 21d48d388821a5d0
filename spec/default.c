/* The config `ward spec` writes: runc's `runc spec` template (read-only
 * root, no new privileges, three capabilities, a deny-all device rule,
 * masked and read-only /proc and /sys paths), hostname "ward", with a
 * cgroup namespace as newer runc does. --rootless follows `runc spec
 * --rootless`: a user namespace mapping root to the caller, no network
 * namespace, /sys bind-mounted, no devpts gid and no cgroup resources. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"

static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"TERM=xterm",
	NULL,
};

/* No inheritable set, hence no ambient one either: an ambient capability
 * must also be inheritable (capabilities(7)). */
static const char *const default_caps[] = {
	"CAP_AUDIT_WRITE",
	"CAP_KILL",
	"CAP_NET_BIND_SERVICE",
	NULL,
};

const char *const spec_default_masked_paths[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/sys/firmware",
	"/proc/scsi",
	/* RAPL energy counters leak secrets across tenants (CVE-2020-8694) */
	"/sys/devices/virtual/powercap",
	NULL,
};

const char *const spec_default_readonly_paths[] = {
	"/proc/bus",
	"/proc/fs",
	"/proc/irq",
	"/proc/sys",
	"/proc/sysrq-trigger",
	NULL,
};

struct mount_tmpl {
	const char *destination, *type, *source;
	const char *options[8];
};

static const struct mount_tmpl default_mounts[] = {
	{ "/proc", "proc", "proc", { NULL } },
	{ "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
	{ "/dev/pts", "devpts", "devpts",
	  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
	{ "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
	{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
	{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro", NULL } },
};

/* Without CAP_SYS_ADMIN over the network namespace sysfs cannot be
 * mounted, so rootless containers bind the host's read-only; and there is
 * no gid 5 (tty) mapped for devpts. */
static const struct mount_tmpl rootless_sys = {
	"/sys", "none", "/sys", { "rbind", "nosuid", "noexec", "nodev", "ro", NULL },
};

static int strv_from(struct spec_strv *v, const char *const *src)
{
	size_t n = 0;

	while (src[n])
		n++;
	v->items = calloc(n + 1, sizeof(char *));
	if (v->items == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		v->items[i] = strdup(src[i]);
		if (v->items[i] == NULL)
			return -1;
		v->len = i + 1;
	}
	return 0;
}

static int set_str(char **dst, const char *src)
{
	*dst = strdup(src);
	return *dst ? 0 : -1;
}

static int fill_mount(struct spec_mount *m, const struct mount_tmpl *t, bool rootless)
{
	const char *opts[8];
	size_t n = 0;

	for (size_t i = 0; t->options[i]; i++)
		if (!(rootless && strcmp(t->options[i], "gid=5") == 0))
			opts[n++] = t->options[i];
	opts[n] = NULL;
	if (set_str(&m->destination, t->destination) < 0 || set_str(&m->type, t->type) < 0 ||
	    set_str(&m->source, t->source) < 0)
		return -1;
	return n ? strv_from(&m->options, opts) : 0;
}

static int fill_process(struct spec_process *p)
{
	struct spec_capabilities *c;

	p->terminal = true;
	p->no_new_privileges = true;
	if (strv_from(&p->args, (const char *const[]){ "sh", NULL }) < 0 ||
	    strv_from(&p->env, default_env) < 0 || set_str(&p->cwd, "/") < 0)
		return -1;
	c = p->capabilities = calloc(1, sizeof(*c));
	if (c == NULL || strv_from(&c->bounding, default_caps) < 0 ||
	    strv_from(&c->effective, default_caps) < 0 || strv_from(&c->permitted, default_caps) < 0)
		return -1;
	p->rlimits = calloc(1, sizeof(*p->rlimits));
	if (p->rlimits == NULL)
		return -1;
	p->n_rlimits = 1;
	p->rlimits[0].resource = spec_rlimit_from_name("RLIMIT_NOFILE");
	p->rlimits[0].hard = 1024;
	p->rlimits[0].soft = 1024;
	return set_str(&p->rlimits[0].type, "RLIMIT_NOFILE");
}

static int fill_linux(struct spec_linux *l, bool rootless, uint32_t uid, uint32_t gid,
		      struct ward_error *err)
{
	static const enum spec_ns_type plain[] = {
		SPEC_NS_PID, SPEC_NS_NETWORK, SPEC_NS_IPC, SPEC_NS_UTS, SPEC_NS_MOUNT, SPEC_NS_CGROUP,
	};
	static const enum spec_ns_type unpriv[] = {
		SPEC_NS_PID, SPEC_NS_IPC, SPEC_NS_UTS, SPEC_NS_MOUNT, SPEC_NS_CGROUP, SPEC_NS_USER,
	};
	const enum spec_ns_type *ns = rootless ? unpriv : plain;
	size_t n_ns = rootless ? sizeof(unpriv) / sizeof(unpriv[0]) : sizeof(plain) / sizeof(plain[0]);

	l->namespaces = calloc(n_ns, sizeof(*l->namespaces));
	if (l->namespaces == NULL)
		return -1;
	l->n_namespaces = n_ns;
	for (size_t i = 0; i < n_ns; i++)
		l->namespaces[i].type = ns[i];
	if (rootless) {
		l->uid_mappings = calloc(1, sizeof(*l->uid_mappings));
		l->gid_mappings = calloc(1, sizeof(*l->gid_mappings));
		if (l->uid_mappings == NULL || l->gid_mappings == NULL)
			return -1;
		l->n_uid_mappings = l->n_gid_mappings = 1;
		*l->uid_mappings = (struct spec_id_mapping){ 0, uid, 1 };
		*l->gid_mappings = (struct spec_id_mapping){ 0, gid, 1 };
	} else {
		/* Deny every device; runtimes add the standard /dev nodes. */
		l->resources = calloc(1, sizeof(*l->resources));
		if (l->resources == NULL)
			return -1;
		l->resources->devices = calloc(1, sizeof(*l->resources->devices));
		if (l->resources->devices == NULL)
			return -1;
		l->resources->n_devices = 1;
		l->resources->devices[0].allow = false;
		if (set_str(&l->resources->devices[0].access, "rwm") < 0)
			return -1;
	}
	if (strv_from(&l->masked_paths, spec_default_masked_paths) < 0 ||
	    strv_from(&l->readonly_paths, spec_default_readonly_paths) < 0)
		return -1;
	return spec_default_seccomp(l, err);
}

static int fill(struct spec *s, bool rootless, uint32_t uid, uint32_t gid, struct ward_error *err)
{
	size_t n_mounts = sizeof(default_mounts) / sizeof(default_mounts[0]);

	if (set_str(&s->oci_version, WARD_OCI_VERSION) < 0 || set_str(&s->hostname, "ward") < 0)
		return -1;
	s->process = calloc(1, sizeof(*s->process));
	if (s->process == NULL || fill_process(s->process) < 0)
		return -1;
	s->root = calloc(1, sizeof(*s->root));
	if (s->root == NULL || set_str(&s->root->path, "rootfs") < 0)
		return -1;
	s->root->readonly = true;
	s->mounts = calloc(n_mounts, sizeof(*s->mounts));
	if (s->mounts == NULL)
		return -1;
	s->n_mounts = n_mounts;
	for (size_t i = 0; i < n_mounts; i++) {
		const struct mount_tmpl *t = &default_mounts[i];

		if (rootless && strcmp(t->destination, "/sys") == 0)
			t = &rootless_sys;
		if (fill_mount(&s->mounts[i], t, rootless) < 0)
			return -1;
	}
	s->linux = calloc(1, sizeof(*s->linux));
	if (s->linux == NULL)
		return -1;
	return fill_linux(s->linux, rootless, uid, gid, err);
}

struct spec *spec_default(bool rootless, uint32_t uid, uint32_t gid, struct ward_error *err)
{
	struct spec *s = calloc(1, sizeof(*s));

	ward_error_clear(err);
	if (s == NULL || fill(s, rootless, uid, gid, err) < 0) {
		/* the seccomp seam sets its own message; allocation failures do not */
		if (err && err->msg[0] == '\0')
			ward_error_set(err, ENOMEM, "cannot build the default config");
		spec_free(s);
		return NULL;
	}
	return s;
}
