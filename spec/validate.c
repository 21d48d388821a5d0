/* Whole-document checks: rules that tie fields in different places
 * together, beyond the per-field checks made while parsing. Messages read
 * "<json.path>: <reason>" (the caller adds the file name). Pure: nothing
 * here looks at the host. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse_internal.h"

static int fail(struct ward_error *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ward_error *err, const char *path, const char *fmt, ...)
{
	char raw[1024], reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	json_one_line(reason, sizeof(reason), raw);
	return ward_error_set(err, 0, "%s: %s", path, reason);
}

static bool ns_any(const struct spec *s, enum spec_ns_type t)
{
	return spec_find_namespace(s, t) != NULL;
}

static int validate_start(const struct spec *s, struct ward_error *err)
{
	if (s->root == NULL || s->root->path == NULL || s->root->path[0] == '\0')
		return fail(err, "root.path", "missing required field");
	if (s->process == NULL)
		return fail(err, "process", "missing required field");
	/* config.md: on Linux at least one entry is REQUIRED; it is execvp's file */
	if (s->process->args.len == 0)
		return fail(err, "process.args", "at least one argument is required");
	if (s->process->args.items[0][0] == '\0')
		return fail(err, "process.args[0]", "must not be empty");
	return 0;
}

static int validate_userns(const struct spec *s, struct ward_error *err)
{
	const struct spec_linux *l = s->linux;
	const struct spec_namespace *user = spec_find_namespace(s, SPEC_NS_USER);
	bool uid = l && l->n_uid_mappings, gid = l && l->n_gid_mappings;

	if (user == NULL) {
		if (uid || gid)
			return fail(err, uid ? "linux.uidMappings" : "linux.gidMappings",
				    "id mappings need a user namespace (add {\"type\": \"user\"} to linux.namespaces)");
		return 0;
	}
	if (user->path != NULL) {
		/* A joined namespace already has its maps; they cannot change. */
		if (uid || gid)
			return fail(err, uid ? "linux.uidMappings" : "linux.gidMappings",
				    "cannot set id mappings when joining an existing user namespace");
		return 0;
	}
	if (!uid || !gid)
		return fail(err, !uid ? "linux.uidMappings" : "linux.gidMappings",
			    "a new user namespace needs both uidMappings and gidMappings");
	return 0;
}

/* Sysctls the kernel keeps per namespace; anything else would change the
 * host (runc refuses them too). */
static const char *const ipc_sysctls[] = {
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
	"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL,
};

static int validate_sysctl(const struct spec *s, struct ward_error *err)
{
	const struct spec_linux *l = s->linux;

	for (size_t i = 0; l && i < l->sysctl.len; i++) {
		char name[256], path[320];
		const char *k = l->sysctl.items[i].key;
		enum spec_ns_type need;

		/* net/ipv4/ip_forward and net.ipv4.ip_forward are the same knob */
		snprintf(name, sizeof(name), "%s", k);
		if (strchr(name, '/'))
			for (char *c = name; *c; c++)
				*c = *c == '/' ? '.' : *c;
		snprintf(path, sizeof(path), "linux.sysctl[\"%s\"]", k);
		if (spec_name_in(name, ipc_sysctls) || strncmp(name, "fs.mqueue.", 10) == 0)
			need = SPEC_NS_IPC;
		else if (strncmp(name, "net.", 4) == 0)
			need = SPEC_NS_NETWORK;
		else if (strcmp(name, "kernel.hostname") == 0 ||
			 strcmp(name, "kernel.domainname") == 0)
			need = SPEC_NS_UTS;
		else
			return fail(err, path, "not a namespaced sysctl; setting it would change the host");
		if (!ns_any(s, need))
			return fail(err, path, "only allowed when the container has its own %s namespace",
				    spec_ns_type_name(need));
	}
	return 0;
}

static int validate_linux(const struct spec *s, struct ward_error *err)
{
	const struct spec_linux *l = s->linux;

	if (l == NULL)
		return 0;
	/* Offsets can only be written before the first process enters a new
	 * time namespace (time_namespaces(7)). */
	if (l->time_monotonic.set || l->time_boottime.set) {
		const struct spec_namespace *t = spec_find_namespace(s, SPEC_NS_TIME);
		if (t == NULL)
			return fail(err, "linux.timeOffsets", "needs a time namespace");
		if (t->path != NULL)
			return fail(err, "linux.timeOffsets",
				    "cannot set offsets when joining an existing time namespace");
	}
	if (l->n_net_devices && !ns_any(s, SPEC_NS_NETWORK))
		return fail(err, "linux.netDevices",
			    "moving devices needs a network namespace (the host's would be a no-op)");
	return 0;
}

static bool version_supported(const char *v)
{
	/* Any 1.x: the spec keeps minor versions backward compatible. */
	return v[0] == '1' && v[1] == '.';
}

int spec_validate(const struct spec *s, bool for_start, struct ward_error *err)
{
	if (s->oci_version == NULL || s->oci_version[0] == '\0')
		return fail(err, "ociVersion", "missing required field");
	if (!version_supported(s->oci_version))
		return fail(err, "ociVersion", "unsupported version \"%s\" (expected 1.x)",
			    s->oci_version);
	if (for_start && validate_start(s, err) < 0)
		return -1;
	if (validate_userns(s, err) < 0 || validate_sysctl(s, err) < 0 ||
	    validate_linux(s, err) < 0)
		return -1;
	/* HOST_NAME_MAX; sethostname(2) would fail with a bare EINVAL */
	if (s->hostname && strlen(s->hostname) > 64)
		return fail(err, "hostname", "longer than 64 bytes");
	if (s->domainname && strlen(s->domainname) > 64)
		return fail(err, "domainname", "longer than 64 bytes");
	/* sethostname(2) outside a private UTS namespace renames the host. */
	if (s->hostname && s->hostname[0] && !ns_any(s, SPEC_NS_UTS))
		return fail(err, "hostname", "setting a hostname needs a uts namespace");
	if (s->domainname && s->domainname[0] && !ns_any(s, SPEC_NS_UTS))
		return fail(err, "domainname", "setting a domainname needs a uts namespace");
	return 0;
}
