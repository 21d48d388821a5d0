/* The node policy's decisions (runtime/policy*.c), taken the way `ward
 * policy check` takes them: a config and a policy parsed from text, one
 * evaluation as a dry run (no audit line, no id range), the verdict lines
 * and the tightened config inspected. Covered: the profile a pod may pick
 * (stricter or equal, never looser, at create and at exec), what enforce,
 * audit and default do with a violation and with a missing value, the
 * seccomp floor stacked under a pod's profile, the sysctl safe set, host
 * path prefixes (resolved on the real file system, under a temporary
 * directory), the egress list a pod may extend, an id range release
 * pointed elsewhere by a pod's annotation, and the annotations only the
 * policy may write. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "egress.h"
#include "landlock.h"
#include "policy_eval.h"
#include "tap.h"

static char tmpdir[PATH_MAX];

/* A config: restricted capabilities unless `caps` says otherwise, private
 * namespaces, and the given JSON fragments (each may be empty). */
struct cfg {
	const char *caps;        /* JSON array body */
	const char *process;     /* extra process members, with a leading comma */
	const char *mounts;      /* array body */
	const char *annotations; /* object body */
	const char *linux;       /* extra linux members, with a leading comma */
};

static struct spec *config(const struct cfg *c)
{
	struct ward_error err = { 0 };
	const char *caps = c->caps ? c->caps : "\"CAP_NET_BIND_SERVICE\"";
	char *json;
	struct spec *s;

	if (asprintf(&json,
		     "{\"ociVersion\": \"1.0.2\","
		     " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0},"
		     "  \"capabilities\": {\"bounding\": [%s], \"effective\": [%s], \"permitted\": [%s]}%s},"
		     " \"root\": {\"path\": \"rootfs\"},"
		     " \"mounts\": [%s], \"annotations\": {%s},"
		     " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"},"
		     "  {\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"}]%s}}",
		     caps, caps, caps, c->process ? c->process : "", c->mounts ? c->mounts : "",
		     c->annotations ? c->annotations : "", c->linux ? c->linux : "") < 0)
		abort();
	s = spec_parse(json, strlen(json), "config.json", &err);
	if (s == NULL) {
		diag("config: %s\n# %s", err.msg, json);
		fflush(stdout);
		abort();
	}
	free(json);
	return s;
}

/* A policy whose default profile "p" (level 1) has the given rules and
 * egress section (JSON object bodies); profiles "low" (0), "same" (1) and
 * "high" (2, capabilities: none) besides. */
static struct ward_policy *policy(const char *rules, const char *egress)
{
	struct ward_error err = { 0 };
	struct ward_policy *p;
	char *json;

	if (asprintf(&json,
		     "{\"version\": 1, \"defaultProfile\": \"p\", \"profiles\": {"
		     " \"p\": {\"level\": 1, \"rules\": {%s}%s%s%s},"
		     " \"low\": {\"level\": 0},"
		     " \"same\": {\"level\": 1},"
		     " \"high\": {\"level\": 2, \"rules\": {\"capabilities\": {\"mode\": \"enforce\", \"allowed\": []}}}}}",
		     rules, egress ? ", \"egress\": {" : "", egress ? egress : "", egress ? "}" : "") < 0)
		abort();
	p = policy_parse(json, strlen(json), "policy.json", &err);
	if (p == NULL) {
		diag("policy: %s\n# %s", err.msg, json);
		fflush(stdout);
		abort();
	}
	free(json);
	return p;
}

struct verdict {
	int rc;
	char err[WARD_ERROR_MSG_MAX];
	char *report; /* the `ward policy check` lines */
	const char *profile;
};

static void verdict_free(struct verdict *v)
{
	free(v->report);
}
#define cleanup_verdict __attribute__((cleanup(verdict_free)))

static struct verdict evaluate(const struct ward_policy *pol, struct spec *s)
{
	struct verdict v = { 0 };
	struct ward_error err = { 0 };
	size_t len;
	char state[PATH_MAX];
	FILE *f = open_memstream(&v.report, &len);

	if (f == NULL)
		abort();
	snprintf(state, sizeof(state), "%s/state", tmpdir);
	struct policy_eval x = { .pol = pol, .spec = s, .id = "ct", .state_root = state,
				 .report = f, .dry_run = true };
	v.rc = policy_evaluate(&x, &err);
	v.profile = x.prof ? x.prof->name : NULL;
	policy_eval_release(&x);
	fclose(f);
	snprintf(v.err, sizeof(v.err), "%s", v.rc < 0 ? err.msg : "");
	return v;
}

static bool has(const char *text, const char *needle)
{
	return text && strstr(text, needle) != NULL;
}

static bool has_cap(const struct spec *s, const char *cap)
{
	const struct spec_strv *v = &s->process->capabilities->bounding;

	for (size_t i = 0; i < v->len; i++)
		if (strcmp(v->items[i], cap) == 0)
			return true;
	return false;
}

/* ---- profile choice ---- */

static void test_profile_choice(void)
{
	cleanup_policy struct ward_policy *pol = policy("", NULL);
	static const struct {
		const char *annotation; /* NULL: none */
		int rc;
		const char *profile; /* chosen, when rc == 0 */
		const char *err;
	} cases[] = {
		{ NULL, 0, "p", NULL },
		{ "\"run.ward.profile\": \"p\"", 0, "p", NULL },
		{ "\"run.ward.profile\": \"same\"", 0, "same", NULL },
		{ "\"run.ward.profile\": \"high\"", -1, NULL,
		  "policy high: process.capabilities.bounding: capability CAP_NET_BIND_SERVICE is not allowed" },
		{ "\"run.ward.profile\": \"low\"", -1, NULL,
		  "policy p: annotations[\"run.ward.profile\"]: profile \"low\" (level 0) is less strict than the default \"p\" (level 1)" },
		{ "\"run.ward.profile\": \"nonesuch\"", -1, NULL,
		  "policy p: annotations[\"run.ward.profile\"]: no profile named \"nonesuch\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_spec struct spec *s = config(&(struct cfg){ .annotations = cases[i].annotation });
		cleanup_verdict struct verdict v = evaluate(pol, s);
		const char *name = cases[i].annotation ? cases[i].annotation : "no annotation";

		is_int(v.rc, cases[i].rc, "profile: %s: %s", name, cases[i].rc ? "refused" : "created");
		if (cases[i].rc == 0)
			is_str(v.profile, cases[i].profile, "profile: %s: runs under %s", name,
			       cases[i].profile);
		else
			is_str(v.err, cases[i].err, "profile: %s: the error names it", name);
	}
	/* the stricter profile's rules are the ones applied */
	cleanup_spec struct spec *s = config(&(struct cfg){ .caps = "",
							     .annotations = "\"run.ward.profile\": \"high\"" });
	cleanup_verdict struct verdict v = evaluate(pol, s);
	ok(v.rc == 0 && has(v.report, "allow   *                  profile high"),
	   "profile: high accepts a config without capabilities");
}

/* ward exec reads the policy file and the container's annotations again:
 * a looser profile named there is ignored, a stricter one applies. */
static void test_exec_profile(void)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/policy.json", tmpdir);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	fputs("{\"version\": 1, \"defaultProfile\": \"p\", \"profiles\": {"
	      " \"p\": {\"level\": 1, \"rules\": {\"capabilities\": {\"mode\": \"enforce\", \"allowed\": [\"CAP_KILL\"]},"
	      "  \"noNewPrivileges\": {\"mode\": \"default\"}}},"
	      " \"low\": {\"level\": 0},"
	      " \"high\": {\"level\": 2, \"rules\": {\"capabilities\": {\"mode\": \"enforce\", \"allowed\": []},"
	      "  \"noNewPrivileges\": {\"mode\": \"enforce\"}}}}}",
	      f);
	fclose(f);

	static const struct {
		const char *annotation;
		const char *cap;
		bool nnp;
		const char *err; /* NULL: allowed */
	} cases[] = {
		{ NULL, "\"CAP_KILL\"", false, NULL },
		{ NULL, "\"CAP_SYS_ADMIN\"", false, "policy p: exec into ct: capability CAP_SYS_ADMIN is not allowed" },
		{ "\"run.ward.profile\": \"low\"", "\"CAP_SYS_ADMIN\"", false,
		  "policy p: exec into ct: capability CAP_SYS_ADMIN is not allowed" },
		{ "\"run.ward.profile\": \"high\"", "\"CAP_KILL\"", true,
		  "policy high: exec into ct: capability CAP_KILL is not allowed" },
		{ "\"run.ward.profile\": \"high\"", "", false,
		  "policy high: exec into ct: noNewPrivileges is required" },
		{ "\"run.ward.profile\": \"high\"", "", true, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_spec struct spec *ctr = config(&(struct cfg){ .annotations = cases[i].annotation });
		cleanup_spec struct spec *proc = config(&(struct cfg){
			.caps = cases[i].cap,
			.process = cases[i].nnp ? ", \"noNewPrivileges\": true" : "" });
		struct ward_error err = { 0 };
		int rc = policy_check_exec(path, "ct", ctr, proc->process, &err);
		const char *name = cases[i].annotation ? cases[i].annotation : "default profile";

		if (cases[i].err)
			ok(rc < 0 && strcmp(err.msg, cases[i].err) == 0, "exec: %s, [%s]: %s", name,
			   cases[i].cap, cases[i].err);
		else
			ok(rc == 0, "exec: %s, [%s]: allowed", name, cases[i].cap);
		if (rc < 0 && (!cases[i].err || strcmp(err.msg, cases[i].err) != 0))
			diag("got: %s", err.msg);
	}
	/* default mode sets noNewPrivileges on the exec'd process */
	cleanup_spec struct spec *ctr = config(&(struct cfg){ 0 });
	cleanup_spec struct spec *proc = config(&(struct cfg){ .caps = "" });
	struct ward_error err = { 0 };
	ok(policy_check_exec(path, "ct", ctr, proc->process, &err) == 0 &&
		   proc->process->no_new_privileges,
	   "exec: noNewPrivileges in default mode is set on the process");
}

/* ---- modes ---- */

static void test_modes(void)
{
	static const char *const modes[] = { "enforce", "audit", "default" };

	for (size_t m = 0; m < 3; m++) {
		char rules[256];
		snprintf(rules, sizeof(rules),
			 "\"capabilities\": {\"mode\": \"%s\", \"allowed\": [\"CAP_NET_BIND_SERVICE\"]}",
			 modes[m]);
		cleanup_policy struct ward_policy *pol = policy(rules, NULL);
		cleanup_spec struct spec *s = config(&(struct cfg){ .caps = "\"CAP_NET_BIND_SERVICE\", \"CAP_SYS_ADMIN\"" });
		cleanup_verdict struct verdict v = evaluate(pol, s);

		if (m == 0) {
			is_int(v.rc, -1, "mode enforce: a violation refuses the create");
			is_str(v.err, "policy p: process.capabilities.bounding: capability CAP_SYS_ADMIN is not allowed",
			       "mode enforce: the error names the profile, the field and the rule");
			ok(has(v.report, "deny    capabilities       process.capabilities.bounding: capability CAP_SYS_ADMIN"),
			   "mode enforce: a deny line");
		} else {
			is_int(v.rc, 0, "mode %s: the violation does not refuse", modes[m]);
			ok(has(v.report, "audit   capabilities       process.capabilities.bounding: capability CAP_SYS_ADMIN"),
			   "mode %s: logged as audit", modes[m]);
			ok(has_cap(s, "CAP_SYS_ADMIN"), "mode %s: the value present is kept", modes[m]);
		}
		/* one line per capability, at the first set holding it */
		ok(!has(v.report, "process.capabilities.effective"), "mode %s: reported once", modes[m]);
	}

	/* several refusals: the first is the error, the count follows */
	cleanup_policy struct ward_policy *pol = policy(
		"\"capabilities\": {\"mode\": \"enforce\", \"allowed\": []},"
		" \"sysctls\": {\"mode\": \"enforce\"}", NULL);
	cleanup_spec struct spec *s = config(&(struct cfg){ .linux = ", \"sysctl\": {\"kernel.msgmax\": \"1\"}" });
	cleanup_verdict struct verdict v = evaluate(pol, s);
	is_str(v.err,
	       "policy p: process.capabilities.bounding: capability CAP_NET_BIND_SERVICE is not allowed (and 1 more refusals, see `ward policy check`)",
	       "enforce: the first refusal is the error, the others are counted");
}

static void test_no_new_privileges(void)
{
	static const struct {
		const char *mode;
		int rc;
		bool after;
		const char *line;
	} cases[] = {
		{ "default", 0, true, "default no_new_privileges" },
		{ "enforce", -1, false, "deny    no_new_privileges" },
		{ "audit", 0, false, "audit   no_new_privileges" },
	};

	for (size_t i = 0; i < 3; i++) {
		char rules[128];
		snprintf(rules, sizeof(rules), "\"noNewPrivileges\": {\"mode\": \"%s\"}", cases[i].mode);
		cleanup_policy struct ward_policy *pol = policy(rules, NULL);
		cleanup_spec struct spec *s = config(&(struct cfg){ .process = ", \"noNewPrivileges\": false" });
		cleanup_verdict struct verdict v = evaluate(pol, s);
		const char *rule = policy_rule_name(RULE_NO_NEW_PRIVILEGES);
		char line[96];

		snprintf(line, sizeof(line), "%.7s", cases[i].line);
		ok(v.rc == cases[i].rc && s->process->no_new_privileges == cases[i].after &&
			   has(v.report, line) && has(v.report, rule),
		   "noNewPrivileges %s: %s, afterwards %s", cases[i].mode,
		   cases[i].rc ? "refused" : "created", cases[i].after ? "true" : "false");
	}
}

/* Limits: default fills what is missing, never what is there; enforce
 * fills from a default too, then checks the maximum. */
static void test_limits(void)
{
	static const struct {
		const char *mode;
		const char *resources; /* linux member, or "" */
		int rc;
		int64_t memory; /* afterwards; 0: unset */
		const char *text;
	} cases[] = {
		{ "default", "", 0, 1024, "default resources          linux.resources.memory.limit: memory limit 1024" },
		{ "default", ", \"resources\": {\"memory\": {\"limit\": 512}, \"pids\": {\"limit\": 10}}", 0, 512, "allow" },
		{ "default", ", \"resources\": {\"memory\": {\"limit\": 4096}, \"pids\": {\"limit\": 10}}", 0, 4096,
		  "audit   resources          linux.resources.memory.limit: memory limit 4096 is above the maximum 2048" },
		{ "enforce", "", 0, 1024, "default resources          linux.resources.pids.limit: pids limit 64" },
		{ "enforce", ", \"resources\": {\"memory\": {\"limit\": 4096}}", -1, 4096,
		  "deny    resources          linux.resources.memory.limit: memory limit 4096 is above the maximum 2048" },
		{ "enforce", ", \"resources\": {\"memory\": {\"limit\": -1}}", -1, -1,
		  "linux.resources.memory.limit: a memory limit is required" },
		{ "audit", "", 0, 0, "audit   resources          linux.resources.memory.limit: a memory limit is required" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rules[256];
		snprintf(rules, sizeof(rules),
			 "\"resources\": {\"mode\": \"%s\", \"memory\": {\"max\": 2048, \"default\": 1024},"
			 " \"pids\": {\"max\": 100, \"default\": 64}}",
			 cases[i].mode);
		cleanup_policy struct ward_policy *pol = policy(rules, NULL);
		cleanup_spec struct spec *s = config(&(struct cfg){ .linux = cases[i].resources });
		cleanup_verdict struct verdict v = evaluate(pol, s);
		const struct spec_resources *r = s->linux->resources;
		int64_t mem = r && r->memory && r->memory->limit.set ? r->memory->limit.value : 0;

		ok(v.rc == cases[i].rc && mem == cases[i].memory && has(v.report, cases[i].text),
		   "resources %s%s: %s, memory limit %lld", cases[i].mode, cases[i].resources[0] ? " (set)" : "",
		   cases[i].rc ? "refused" : "created", (long long)cases[i].memory);
		if (!has(v.report, cases[i].text))
			diag("report:\n%s", v.report);
	}
}

/* ---- seccomp floor ---- */

static bool allows(const struct spec_seccomp *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (sc->syscalls[i].action == SPEC_SCMP_ACT_ALLOW)
			for (size_t j = 0; j < sc->syscalls[i].names.len; j++)
				if (strcmp(sc->syscalls[i].names.items[j], name) == 0)
					return true;
	return false;
}

static void test_seccomp_floor(void)
{
	struct spec_linux floor = { 0 };
	struct ward_error err = { 0 };

	if (spec_default_seccomp(&floor, &err) < 0)
		abort();
	ok(floor.seccomp->default_action != SPEC_SCMP_ACT_ALLOW && !allows(floor.seccomp, "keyctl") &&
		   allows(floor.seccomp, "read"),
	   "seccomp: the floor denies by default, keyctl among what it denies, read allowed");
	spec_seccomp_free(floor.seccomp);

	const char *looser = ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
			     "{\"names\": [\"read\", \"write\", \"keyctl\", \"add_key\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
	const char *unconfined = ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\"}";
	static const struct {
		const char *mode;
		int which; /* 0: no profile, 1: looser, 2: unconfined */
		int rc;
		bool floor_annotation;
		const char *text;
	} cases[] = {
		{ "default", 0, 0, false, "default seccomp            linux.seccomp: ward's default profile" },
		{ "default", 1, 0, true,
		  "linux.seccomp.syscalls: the floor still denies 2 allowed syscall(s): keyctl, add_key" },
		{ "default", 2, 0, true, "linux.seccomp.defaultAction: allow by default: only what the floor allows runs" },
		{ "enforce", 0, -1, false, "deny    seccomp            linux.seccomp: a seccomp profile is required" },
		{ "enforce", 1, 0, true, "the floor still denies 2 allowed syscall(s)" },
		{ "enforce", 2, -1, false, "linux.seccomp: an unconfined seccomp profile is not allowed" },
		{ "audit", 0, 0, false, "audit   seccomp            linux.seccomp: a seccomp profile is required (absent or unconfined)" },
		{ "audit", 1, 0, false, "allow" },
	};
	static const char *const which[] = { "absent", "allowing keyctl", "unconfined" };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rules[96];
		snprintf(rules, sizeof(rules), "\"seccomp\": {\"mode\": \"%s\"}", cases[i].mode);
		cleanup_policy struct ward_policy *pol = policy(rules, NULL);
		const char *l = cases[i].which == 1 ? looser : cases[i].which == 2 ? unconfined : "";
		cleanup_spec struct spec *s = config(&(struct cfg){ .linux = l });
		cleanup_verdict struct verdict v = evaluate(pol, s);
		const char *a = spec_annotation(s, WARD_SECCOMP_FLOOR_ANNOTATION);

		ok(v.rc == cases[i].rc && (a != NULL) == cases[i].floor_annotation &&
			   has(v.report, cases[i].text),
		   "seccomp %s, pod profile %s: %s%s", cases[i].mode, which[cases[i].which],
		   cases[i].rc ? "refused" : "created", cases[i].floor_annotation ? ", floor stacked" : "");
		if (!has(v.report, cases[i].text))
			diag("report:\n%s", v.report);
		if (cases[i].which == 0 && cases[i].rc == 0 && strcmp(cases[i].mode, "default") == 0)
			ok(s->linux->seccomp && !allows(s->linux->seccomp, "keyctl") &&
				   s->linux->seccomp->default_action != SPEC_SCMP_ACT_ALLOW,
			   "seccomp default: the filled profile is the floor");
		if (cases[i].which == 1 && cases[i].rc == 0)
			ok(allows(s->linux->seccomp, "keyctl"),
			   "seccomp %s: the pod's own profile is kept as it is (the floor is a second filter)",
			   cases[i].mode);
	}
}

/* ---- sysctls ---- */

static void test_sysctls(void)
{
	static const struct {
		const char *allowed; /* NULL: Kubernetes' safe set */
		const char *name;
		bool ok;
	} cases[] = {
		{ NULL, "kernel.shm_rmid_forced", true },
		{ NULL, "net.ipv4.ip_unprivileged_port_start", true },
		{ NULL, "net.ipv4.ip_local_port_range", true },
		{ NULL, "net.ipv4.tcp_keepalive_probes", true },
		{ NULL, "net.ipv4.ip_local_port_range_x", false },
		{ NULL, "net.ipv4.ip_forward", false },
		{ NULL, "net.core.somaxconn", false },
		{ NULL, "kernel.msgmax", false },
		{ "\"net.ipv4.conf.*\"", "net.ipv4.conf.all.forwarding", true },
		{ "\"net.ipv4.conf.*\"", "net.ipv4.ip_forward", false },
		{ "\"net.ipv4.conf.*\"", "kernel.shm_rmid_forced", false },
		{ "", "kernel.shm_rmid_forced", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rules[160], lx[160], field[160];
		snprintf(rules, sizeof(rules), "\"sysctls\": {\"mode\": \"enforce\"%s%s%s}",
			 cases[i].allowed ? ", \"allowed\": [" : "", cases[i].allowed ? cases[i].allowed : "",
			 cases[i].allowed ? "]" : "");
		snprintf(lx, sizeof(lx), ", \"sysctl\": {\"%s\": \"1\"}", cases[i].name);
		snprintf(field, sizeof(field), "policy p: linux.sysctl[\"%s\"]: sysctl is not in the allowed set",
			 cases[i].name);
		cleanup_policy struct ward_policy *pol = policy(rules, NULL);
		cleanup_spec struct spec *s = config(&(struct cfg){ .linux = lx });
		cleanup_verdict struct verdict v = evaluate(pol, s);

		if (cases[i].ok)
			is_int(v.rc, 0, "sysctl %s, allowed %s: accepted", cases[i].name,
			       cases[i].allowed ? cases[i].allowed : "safe set");
		else
			is_str(v.err, field, "sysctl %s, allowed %s: refused", cases[i].name,
			       cases[i].allowed ? cases[i].allowed : "safe set");
	}
}

/* ---- host paths ---- */

static void mkfile(const char *rel, char kind)
{
	char p[PATH_MAX], t[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	if (kind == 'd' && mkdir(p, 0755) < 0)
		abort();
	if (kind == 'l') {
		snprintf(t, sizeof(t), "%s/outside", tmpdir);
		if (symlink(t, p) < 0)
			abort();
	}
	if (kind == 's') {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", p);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			abort();
		close(fd);
	}
}

static void test_host_paths(void)
{
	mkfile("allowed", 'd');
	mkfile("allowed/sub", 'd');
	mkfile("allowedx", 'd');
	mkfile("outside", 'd');
	mkfile("state", 'd');
	mkfile("allowed/link", 'l');
	mkfile("allowed/s.sock", 's');

	static const struct {
		const char *src; /* relative to tmpdir unless absolute */
		const char *type;
		const char *err; /* NULL: accepted; else the end of the message */
	} cases[] = {
		{ "allowed", "bind", NULL },
		{ "allowed/sub", "bind", NULL },
		{ "allowed/sub/", "bind", NULL },
		{ "allowedx", "bind", "is not below an allowed prefix" },
		{ "outside", "bind", "is not below an allowed prefix" },
		{ "allowed/link", "bind", "outside\" is not below an allowed prefix" },
		{ "allowed/sub/../../outside", "bind", "is not below an allowed prefix" },
		{ "allowed/s.sock", "bind", "s.sock\" is not allowed" },
		{ "state", "bind", "which is never allowed" },
		{ ".", "bind", "which is never allowed" }, /* holds the state root */
		{ "/run/ward", "bind", "exposes \"/run/ward\", which is never allowed" },
		{ "/", "bind", "which is never allowed" },
		{ "/", "tmpfs", NULL }, /* not a bind: the source names nothing */
	};
	char rules[PATH_MAX + 128];

	snprintf(rules, sizeof(rules), "\"hostPaths\": {\"mode\": \"enforce\", \"allowed\": [\"%s/allowed/\"]}",
		 tmpdir);
	cleanup_policy struct ward_policy *pol = policy(rules, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char src[PATH_MAX], mounts[PATH_MAX + 160];
		if (cases[i].src[0] == '/')
			snprintf(src, sizeof(src), "%s", cases[i].src);
		else
			snprintf(src, sizeof(src), "%s/%s", tmpdir, cases[i].src);
		snprintf(mounts, sizeof(mounts),
			 "{\"destination\": \"/mnt\", \"type\": \"%s\", \"source\": \"%s\", \"options\": [\"%s\"]}",
			 cases[i].type, src, strcmp(cases[i].type, "bind") ? "nosuid" : "rbind");
		cleanup_spec struct spec *s = config(&(struct cfg){ .mounts = mounts });
		cleanup_verdict struct verdict v = evaluate(pol, s);

		if (cases[i].err == NULL) {
			is_int(v.rc, 0, "host path %s (%s): accepted", cases[i].src, cases[i].type);
			if (v.rc)
				diag("%s", v.err);
		} else {
			ok(v.rc < 0 && has(v.err, "policy p: mounts[0].source: ") && has(v.err, cases[i].err),
			   "host path %s: refused, %s", cases[i].src, cases[i].err);
			if (v.rc == 0 || !has(v.err, cases[i].err))
				diag("got: %s", v.err);
		}
	}
}

/* ---- egress ---- */

static void test_egress(void)
{
	const char *eg = "\"mode\": \"enforce\","
			 " \"allow\": [{\"cidr\": \"10.1.0.0/16\", \"ports\": \"443\", \"protocol\": \"tcp\"}],"
			 " \"dns\": [\"10.96.0.10\"],"
			 " \"podAllow\": [{\"cidr\": \"10.199.0.0/16\", \"ports\": \"8000-9000\", \"protocol\": \"tcp\"},"
			 "  {\"cidr\": \"fd00::/8\"}]";
	static const struct {
		const char *pod; /* run.ward.egress, JSON-escaped; NULL: none */
		const char *err; /* NULL: accepted */
		const char *filter; /* what the filter list holds (substring) */
	} cases[] = {
		{ NULL, NULL,
		  "[{\"cidr\":\"10.1.0.0/16\",\"ports\":\"443\",\"protocol\":\"tcp\"},"
		  "{\"cidr\":\"10.96.0.10/32\",\"ports\":\"53\",\"protocol\":\"any\"}]" },
		{ "[{\\\"cidr\\\": \\\"10.199.5.0/24\\\", \\\"ports\\\": \\\"8443\\\", \\\"protocol\\\": \\\"tcp\\\"}]", NULL,
		  "{\"cidr\":\"10.199.5.0/24\",\"ports\":\"8443\",\"protocol\":\"tcp\"}" },
		{ "[{\\\"cidr\\\": \\\"fd12::1\\\", \\\"ports\\\": \\\"53\\\", \\\"protocol\\\": \\\"udp\\\"}]", NULL,
		  "{\"cidr\":\"fd12::1/128\",\"ports\":\"53\",\"protocol\":\"udp\"}" },
		{ "[{\\\"cidr\\\": \\\"10.0.0.0/8\\\", \\\"ports\\\": \\\"8443\\\", \\\"protocol\\\": \\\"tcp\\\"}]",
		  "10.0.0.0/8 ports 8443 tcp is not within the profile's egress.podAllow", NULL },
		{ "[{\\\"cidr\\\": \\\"10.199.5.0/24\\\", \\\"ports\\\": \\\"7999-8001\\\", \\\"protocol\\\": \\\"tcp\\\"}]",
		  "10.199.5.0/24 ports 7999-8001 tcp is not within", NULL },
		{ "[{\\\"cidr\\\": \\\"10.199.5.0/24\\\", \\\"ports\\\": \\\"8443\\\"}]",
		  "10.199.5.0/24 ports 8443 any is not within", NULL },
		{ "[{\\\"cidr\\\": \\\"::ffff:10.199.5.1\\\", \\\"ports\\\": \\\"8443\\\", \\\"protocol\\\": \\\"tcp\\\"}]",
		  "::ffff:10.199.5.1/128 ports 8443 tcp is not within", NULL },
	};

	cleanup_policy struct ward_policy *pol = policy("", eg);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char ann[512];
		snprintf(ann, sizeof(ann), "%s%s%s", cases[i].pod ? "\"run.ward.egress\": \"" : "",
			 cases[i].pod ? cases[i].pod : "", cases[i].pod ? "\"" : "");
		cleanup_spec struct spec *s = config(&(struct cfg){ .annotations = ann });
		cleanup_verdict struct verdict v = evaluate(pol, s);
		const char *f = spec_annotation(s, WARD_EGRESS_FILTER_ANNOTATION);

		if (cases[i].err) {
			ok(v.rc < 0 && has(v.err, "policy p: annotations[\"run.ward.egress\"][0]: ") &&
				   has(v.err, cases[i].err),
			   "egress: pod entry %zu refused: %s", i, cases[i].err);
			if (!has(v.err, cases[i].err))
				diag("got: %s", v.err);
			continue;
		}
		ok(v.rc == 0 && has(f, cases[i].filter) && !has(f, "0.0.0.0/0"),
		   "egress: pod entry %zu: the filter holds %s", i, cases[i].filter);
		if (!has(f, cases[i].filter))
			diag("filter: %s", f);
	}
	/* audit mode hands no filter to create */
	cleanup_policy struct ward_policy *audit = policy("", "\"mode\": \"audit\"");
	cleanup_spec struct spec *s = config(&(struct cfg){ 0 });
	cleanup_verdict struct verdict v = evaluate(audit, s);
	ok(v.rc == 0 && spec_annotation(s, WARD_EGRESS_FILTER_ANNOTATION) == NULL &&
		   has(v.report, "enforce would allow only loopback"),
	   "egress audit: nothing attached, the list enforce would apply is logged");
}

/* ---- reserved annotations ---- */

/* The policy's decision records cannot come from the requested spec: the
 * check alone (create without a policy) and the evaluation refuse them by
 * name; what a pod may set passes. */
static void test_reserved(void)
{
	static const char *const keys[] = { WARD_SECCOMP_FLOOR_ANNOTATION, WARD_IDMAP_ROOTFS_ANNOTATION,
					    WARD_ID_RANGE_ANNOTATION, WARD_EGRESS_FILTER_ANNOTATION };
	static const char *const pod_keys[] = {
		"\"run.ward.profile\": \"p\"",
		"\"run.ward.egress\": \"[]\"",
		"\"run.ward.landlock\": \"true\", \"run.ward.landlock.tcp-bind\": \"80\"",
		"\"run.ward.seccomp-floorx\": \"default\", \"io.kubernetes.cri.sandbox-id\": \"pod\"",
	};
	cleanup_policy struct ward_policy *pol = policy("", NULL);

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char ann[256], want[256];
		struct ward_error err = { 0 };

		/* behind another annotation, and its value the policy's own */
		snprintf(ann, sizeof(ann), "\"io.kubernetes.cri.sandbox-id\": \"pod\", \"%s\": \"%s\"",
			 keys[i], strcmp(keys[i], WARD_EGRESS_FILTER_ANNOTATION) == 0 ? "[]" : "true");
		snprintf(want, sizeof(want), "annotations[\"%s\"]: reserved for the node policy", keys[i]);
		cleanup_spec struct spec *s = config(&(struct cfg){ .annotations = ann });
		ok(policy_annotation_reserved(keys[i]) && policy_check_requested(s, &err) < 0 &&
			   has(err.msg, want) && err.errnum == EPERM,
		   "reserved: %s is refused without a policy", keys[i]);
		if (!has(err.msg, want))
			diag("got: %s", err.msg);
		cleanup_verdict struct verdict v = evaluate(pol, s);
		ok(v.rc < 0 && has(v.err, want), "reserved: %s is refused under a policy", keys[i]);
		if (!has(v.err, want))
			diag("got: %s", v.err);
	}
	for (size_t i = 0; i < sizeof(pod_keys) / sizeof(pod_keys[0]); i++) {
		struct ward_error err = { 0 };
		cleanup_spec struct spec *s = config(&(struct cfg){ .annotations = pod_keys[i] });

		ok(policy_check_requested(s, &err) == 0, "reserved: a pod may set %s", pod_keys[i]);
		if (err.msg[0])
			diag("got: %s", err.msg);
	}
}

/* What an evaluation writes into the spec that a pod could also write must
 * only tighten (run.ward.landlock); everything else is reserved. Run for
 * real (not a dry run), so that the id range is taken and recorded. */
static void test_written_reserved(void)
{
	char json[2048], pool[PATH_MAX], logp[PATH_MAX];
	struct ward_error err = { 0 };
	cleanup_policy struct ward_policy *pol = NULL;
	cleanup_spec struct spec *s = config(&(struct cfg){
		.linux = ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\"}" });
	size_t before = s->annotations.len;
	bool all = true;
	int rc;

	snprintf(pool, sizeof(pool), "%s/pool", tmpdir);
	snprintf(logp, sizeof(logp), "%s/audit.log", tmpdir);
	snprintf(json, sizeof(json),
		 "{\"version\": 1, \"defaultProfile\": \"p\", \"auditLog\": \"%s\","
		 " \"idPool\": {\"start\": 3221225472, \"ranges\": 2, \"stateDir\": \"%s\"},"
		 " \"profiles\": {\"p\": {\"level\": 1, \"rules\": {"
		 "  \"seccomp\": {\"mode\": \"default\"}, \"landlock\": {\"mode\": \"default\"},"
		 "  \"userNamespace\": {\"mode\": \"default\"}},"
		 "  \"egress\": {\"mode\": \"enforce\"}}}}",
		 logp, pool);
	pol = policy_parse(json, strlen(json), "policy.json", &err);
	if (pol == NULL) {
		diag("policy: %s", err.msg);
		abort();
	}
	struct policy_eval x = { .pol = pol, .spec = s, .id = "ct", .state_root = tmpdir };
	rc = policy_evaluate(&x, &err);
	policy_eval_release(&x);
	ok(rc == 0 && spec_annotation(s, WARD_SECCOMP_FLOOR_ANNOTATION) &&
		   spec_annotation(s, WARD_IDMAP_ROOTFS_ANNOTATION) &&
		   spec_annotation(s, WARD_ID_RANGE_ANNOTATION) &&
		   spec_annotation(s, WARD_EGRESS_FILTER_ANNOTATION),
	   "reserved: an evaluation records the floor, the id-mapped rootfs, the id range, the egress list");
	if (rc < 0)
		diag("got: %s", err.msg);
	for (size_t i = before; i < s->annotations.len; i++) {
		const char *k = s->annotations.items[i].key;
		if (!policy_annotation_reserved(k) && strcmp(k, WARD_LANDLOCK_ANNOTATION) != 0) {
			diag("written, not reserved: %s", k);
			all = false;
		}
	}
	ok(s->annotations.len > before && all, "reserved: every annotation the policy writes is reserved");
	/* the effective spec is ward's alone: fed back as a request, refused */
	ok(policy_check_requested(s, &err) < 0, "reserved: an effective spec is not a request");
	ok(policy_release_ids(s, "ct", &err) == 0, "reserved: the id range is given back");
}

/* ---- id ranges ---- */

/* A release names its table through an annotation a pod can also set:
 * where no table was made, nothing is created. */
static void test_release_elsewhere(void)
{
	char dir[PATH_MAX], ann[PATH_MAX + 64];
	struct ward_error err = { 0 };
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/not-a-table", tmpdir);
	snprintf(ann, sizeof(ann), "\"%s\": \"%s\"", WARD_ID_RANGE_ANNOTATION, dir);
	cleanup_spec struct spec *s = config(&(struct cfg){ .annotations = ann });
	ok(policy_release_ids(s, "ct", &err) == 0 && stat(dir, &st) < 0,
	   "id ranges: a release pointed at a directory without a table creates nothing there");
}

int main(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ward-test-policy.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_profile_choice();
	test_exec_profile();
	test_modes();
	test_no_new_privileges();
	test_limits();
	test_seccomp_floor();
	test_sysctls();
	test_host_paths();
	test_egress();
	test_release_elsewhere();
	test_reserved();
	test_written_reserved();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return tap_done();
}
