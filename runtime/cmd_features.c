/* ward features: the runtime-spec features document (features.md,
 * features-linux.md). It states what ward implements, not what this host
 * offers; keep it honest when a feature lands (see the notes below). The
 * exceptions: seccomp.archs and supportedFlags depend on the libseccomp and
 * host ward runs on (listing less than is parsed is allowed; listing what
 * create would refuse is not), and the Landlock annotations report the
 * running kernel's ABI. */
#include "config.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "criu_rpc.h"
#include "jsonw.h"
#include "landlock.h"
#include "mountopts.h"
#include "security.h"
#include "spec.h"

/* Companion of WARD_LANDLOCK_FEATURE_ABI: a features key only, rejected in
 * a config like any unknown run.ward.landlock.* key. */
#define WARD_LANDLOCK_FEATURE_SUPPORTED "run.ward.landlock.supported"

/* Whether create and exec enforce the run.ward.landlock annotations, i.e.
 * call landlock_prepare() and landlock_apply() (landlock.h, "Where to call
 * it"). They do (container.c/init.c, exec_process.c), so "supported"
 * follows what the kernel offers. */
static const bool landlock_enforced = true;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sorted_array(struct jsonw *w, const char *key, const char **v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_str);
	jsonw_key(w, key);
	jsonw_arr_open(w);
	for (size_t i = 0; i < n; i++)
		jsonw_str(w, v[i]);
	jsonw_arr_close(w);
}

/* Actions seccomp_prepare() loads: all of them. SCMP_ACT_NOTIFY hands
 * the notify fd to the agent at linux.seccomp.listenerPath (seccomp.c). */
static bool action_implemented(enum spec_seccomp_action a)
{
	(void)a;
	return true;
}

/* The flags the config parser knows (spec/names.c) and the libseccomp
 * attribute seccomp.c's set_flag() sets for each (0: none it can set). */
static const struct {
	const char *name;
	int attr;
} seccomp_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB },
	/* Only meaningful for a notifying filter: the kernel refuses it
	 * without SECCOMP_FILTER_FLAG_NEW_LISTENER (EINVAL), so a profile
	 * without SCMP_ACT_NOTIFY rules could not take it. Not advertised. */
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 0 },
};

/* Supported = set_flag() would accept it: libseccomp at run time probes
 * the kernel when the attribute is set (seccomp_attr_set(3)). */
static bool flag_supported(int attr)
{
	scmp_filter_ctx ctx;
	bool ok;

	if (attr == 0)
		return false;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL)
		return false;
	ok = seccomp_attr_set(ctx, (enum scmp_filter_attr)attr, 1) == 0;
	seccomp_release(ctx);
	return ok;
}

static void seccomp_section(struct jsonw *w)
{
	/* The runtime-spec's architecture names (spec/names.c). Listed: those
	 * seccomp.c can put in a filter with the libseccomp ward runs on, on a
	 * host of this byte order; a profile naming another is refused at
	 * create, so it must not be advertised. */
	static const char *const archs[] = {
		"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
		"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
		"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
		"SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
		"SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
		"SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
	};
	const size_t n_flags = sizeof(seccomp_flags) / sizeof(seccomp_flags[0]);
	const char *v[64];
	size_t n = 0;

	jsonw_key(w, "seccomp");
	jsonw_obj_open(w);
	jsonw_kv_bool(w, "enabled", true);
	for (int a = SPEC_SCMP_ACT_KILL; a <= SPEC_SCMP_ACT_NOTIFY; a++)
		if (action_implemented((enum spec_seccomp_action)a))
			v[n++] = spec_seccomp_action_name((enum spec_seccomp_action)a);
	sorted_array(w, "actions", v, n);
	n = 0;
	for (int op = SPEC_SCMP_NE; op <= SPEC_SCMP_MASKED_EQ; op++)
		v[n++] = spec_seccomp_op_name((enum spec_seccomp_op)op);
	sorted_array(w, "operators", v, n);
	n = 0;
	for (size_t i = 0; i < sizeof(archs) / sizeof(archs[0]); i++)
		if (seccomp_arch_usable(archs[i]))
			v[n++] = archs[i];
	sorted_array(w, "archs", v, n);

	n = 0;
	for (size_t i = 0; i < n_flags; i++)
		v[n++] = seccomp_flags[i].name;
	sorted_array(w, "knownFlags", v, n);
	n = 0;
	for (size_t i = 0; i < n_flags; i++)
		if (flag_supported(seccomp_flags[i].attr))
			v[n++] = seccomp_flags[i].name;
	sorted_array(w, "supportedFlags", v, n);
	jsonw_obj_close(w);
}

static void enabled_obj(struct jsonw *w, const char *key, bool enabled)
{
	jsonw_key(w, key);
	jsonw_obj_open(w);
	jsonw_kv_bool(w, "enabled", enabled);
	jsonw_obj_close(w);
}

static void linux_section(struct jsonw *w)
{
	const char *v[SPEC_NS__COUNT];

	jsonw_key(w, "linux");
	jsonw_obj_open(w);
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		v[t] = spec_ns_type_name((enum spec_ns_type)t);
	sorted_array(w, "namespaces", v, SPEC_NS__COUNT);

	jsonw_key(w, "capabilities");
	jsonw_arr_open(w);
	for (int cap = 0; cap <= spec_capability_last(); cap++)
		if (spec_capability_name(cap))
			jsonw_str(w, spec_capability_name(cap));
	jsonw_arr_close(w);

	/* What ward's cgroupfs driver implements (as runc, independent of the
	 * host): v1, v2 and hybrid hosts, rdma.max; no systemd driver (see
	 * cgroup_check_driver). */
	jsonw_key(w, "cgroup");
	jsonw_obj_open(w);
	jsonw_kv_bool(w, "v1", true);
	jsonw_kv_bool(w, "v2", true);
	jsonw_kv_bool(w, "systemd", false);
	jsonw_kv_bool(w, "systemdUser", false);
	jsonw_kv_bool(w, "rdma", true);
	jsonw_obj_close(w);

	seccomp_section(w);
	/* "enabled" is whether ward implements the LSM, whatever the host runs
	 * (features-linux.md); a label for an LSM the host lacks is refused at
	 * create (lsm.c). AppArmor needs no library: profiles go through
	 * /proc/self/attr. SELinux needs libselinux at build time. */
	enabled_obj(w, "apparmor", true);
#ifdef HAVE_SELINUX
	enabled_obj(w, "selinux", true);
#else
	enabled_obj(w, "selinux", false);
#endif
	enabled_obj(w, "intelRdt", false); /* flip when linux.intelRdt is applied */

	/* "idmap"/"ridmap" and mounts[].uidMappings/gidMappings: id-mapped
	 * bind mounts with mount_setattr(MOUNT_ATTR_IDMAP) (idmap.c). */
	jsonw_key(w, "mountExtensions");
	jsonw_obj_open(w);
	enabled_obj(w, "idmap", true);
	jsonw_obj_close(w);
	jsonw_obj_close(w);
}

static char *features_json(const char *criu)
{
	struct jsonw w;
	char seccomp_ver[32], landlock_abi_str[16], criu_ver_str[32];
	const struct scmp_version *sv = seccomp_version();
	struct ward_error criu_err = { 0 };
	int criu_ver = 0;
	bool criu_ok;
	int abi = landlock_abi();
	size_t n = 0;

	jsonw_init(&w, "    ");
	jsonw_obj_open(&w);
	jsonw_kv_str(&w, "ociVersionMin", "1.0.0");
	jsonw_kv_str(&w, "ociVersionMax", WARD_OCI_VERSION);
	jsonw_key(&w, "hooks");
	jsonw_arr_open(&w);
	jsonw_str(&w, "prestart");
	jsonw_str(&w, "createRuntime");
	jsonw_str(&w, "createContainer");
	jsonw_str(&w, "startContainer");
	jsonw_str(&w, "poststart");
	jsonw_str(&w, "poststop");
	jsonw_arr_close(&w);

	jsonw_key(&w, "mountOptions");
	jsonw_arr_open(&w);
	while (mountopts_known[n])
		jsonw_str(&w, mountopts_known[n++]);
	jsonw_arr_close(&w);

	linux_section(&w);

	snprintf(seccomp_ver, sizeof(seccomp_ver), "%u.%u.%u", sv ? sv->major : 0,
		 sv ? sv->minor : 0, sv ? sv->micro : 0);
	jsonw_key(&w, "annotations");
	jsonw_obj_open(&w);
	jsonw_kv_str(&w, "io.github.seccomp.libseccomp.version", seccomp_ver);
	jsonw_kv_str(&w, "run.ward.commit", WARD_GIT_COMMIT);
	/* Landlock (landlock.h) is a ward extension, so it is reported here:
	 * the running kernel's ABI ("0": none), and whether a config with
	 * run.ward.landlock = "true" is confined by Landlock on this host. */
	snprintf(landlock_abi_str, sizeof(landlock_abi_str), "%d", abi);
	jsonw_kv_str(&w, WARD_LANDLOCK_FEATURE_ABI, landlock_abi_str);
	jsonw_kv_str(&w, WARD_LANDLOCK_FEATURE_SUPPORTED,
		     landlock_enforced && abi > 0 ? "true" : "false");
	/* checkpoint/restore: the criu found, and whether `criu check`
	 * passes on this kernel (criu can dump and restore here). */
	criu_ok = criu_version(criu, &criu_ver, &criu_err) == 0;
	snprintf(criu_ver_str, sizeof(criu_ver_str), "%d.%d.%d", criu_ver / 10000,
		 criu_ver / 100 % 100, criu_ver % 100);
	jsonw_kv_str(&w, "run.ward.checkpoint.criu", criu_ok ? criu_ver_str : "");
	jsonw_kv_str(&w, "run.ward.checkpoint.supported",
		     criu_ok && criu_check(criu, &criu_err) == 0 ? "true" : "false");
	jsonw_kv_str(&w, "run.ward.version", PACKAGE_VERSION);
	jsonw_obj_close(&w);
	/* ward honours no annotation that weakens isolation; list any that
	 * is added (a trailing "." marks a prefix). */
	jsonw_key(&w, "potentiallyUnsafeConfigAnnotations");
	jsonw_arr_open(&w);
	jsonw_arr_close(&w);
	jsonw_obj_close(&w);
	return jsonw_finish(&w, NULL);
}

int cmd_features(struct ward_globals *g, int argc, char **argv)
{
	static const char desc[] = "show the features this ward implements, as JSON\n"
				   "The document follows the runtime-spec features structure. It "
				   "describes ward,\nnot the host, except for the seccomp "
				   "architectures and supported flags\n(this libseccomp and "
				   "kernel) and the Landlock ABI annotations.";
	static const struct cli_opt opts[] = { { 0 } };
	struct ward_error err = { 0 };
	bool help;
	int nargs;

	if (cli_parse("features", "", desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args("features", nargs, 0, &err) < 0)
		return cli_fail(&err);
	cleanup_free char *json = features_json(g->criu);
	if (!json) {
		ward_error_set(&err, 0, "cannot format the features document");
		return cli_fail(&err);
	}
	puts(json);
	return fflush(stdout) == 0 ? 0 : 1;
}
