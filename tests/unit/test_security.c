/* Security and process attributes of a container process, tested for real:
 * every case forks a child that applies the function under test to itself
 * and reports what the kernel then says (via /proc/self/status, getters or
 * the exit signal) through a pipe. Host-wide state (sysctls, hostname) is
 * only touched in children that first made namespaces of their own. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"

#include "tap.h"

/* ---- building specs by hand ---- */

#define STRV(...)                                                                      \
	((struct spec_strv){ .items = (char *[]){ __VA_ARGS__, NULL },                 \
			     .len = sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *) })
#define NO_STRV ((struct spec_strv){ .items = NULL, .len = 0 })

#define CAPBIT(n) (UINT64_C(1) << (n))

/* ---- running a case in a child ---- */

struct run {
	int status;     /* as from waitpid */
	char out[16384];
};

typedef int (*child_fn)(void *arg);

/* The child's stdout is the pipe; stdin and stderr are /dev/null (so that
 * user_apply never hands a developer's terminal to another uid). */
static void run_child(child_fn fn, void *arg, struct run *r)
{
	int p[2];
	size_t len = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		dup2(null, 0);
		dup2(p[1], 1);
		/* TEST_VERBOSE=1 keeps stderr (sanitizer reports, debug logs). */
		if (getenv("TEST_VERBOSE") == NULL)
			dup2(null, 2);
		alarm(20);
		int rc = fn(arg);
		fflush(stdout);
		_exit(rc);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], r->out + len, sizeof(r->out) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(r->out) - 1)
			break;
	}
	r->out[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
		;
}

static bool exited_ok(const struct run *r)
{
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

/* The value of "key=" (or "key:" for /proc/self/status lines) in the
 * output, up to the end of its line; "" if absent. */
static const char *field(const struct run *r, const char *key)
{
	/* A few buffers in turn: one ok() line may show several fields. */
	static char bufs[8][1024];
	static unsigned turn;
	char *buf = bufs[turn++ % 8];
	size_t klen = strlen(key);
	const char *s = r->out;

	buf[0] = '\0';
	while (s && *s) {
		if (strncmp(s, key, klen) == 0 && (s[klen] == '=' || s[klen] == ':')) {
			const char *v = s + klen + 1;
			size_t n;

			while (*v == '\t' || (s[klen] == ':' && *v == ' '))
				v++;
			n = strcspn(v, "\n");
			if (n >= sizeof(bufs[0]))
				n = sizeof(bufs[0]) - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return buf;
		}
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return buf;
}

/* The output on one line, for TAP descriptions. */
static const char *oneline(const struct run *r)
{
	static char buf[512];
	size_t i;

	for (i = 0; r->out[i] && i < sizeof(buf) - 1; i++)
		buf[i] = r->out[i] == '\n' ? '|' : r->out[i];
	buf[i] = '\0';
	return buf;
}

static bool has_line(const struct run *r, const char *line)
{
	size_t n = strlen(line);

	for (const char *s = r->out; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
		if (strncmp(s, line, n) == 0 && (s[n] == '\n' || s[n] == '\0'))
			return true;
	return false;
}

static int report_err(const struct ward_error *err)
{
	printf("err=%s\n", err->msg);
	fflush(stdout);
	return 1;
}

/* /proc/self/status lines of interest, copied to the output. */
static void dump_status(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Cap", 3) == 0 || strncmp(line, "NoNewPrivs", 10) == 0 ||
		    strncmp(line, "Seccomp:", 8) == 0 || strncmp(line, "Uid", 3) == 0 ||
		    strncmp(line, "Gid", 3) == 0 || strncmp(line, "Groups", 6) == 0 ||
		    strncmp(line, "Umask", 5) == 0)
			fputs(line, stdout);
	fclose(f);
	fflush(stdout);
}

static uint64_t hex_field(const struct run *r, const char *key)
{
	return strtoull(field(r, key), NULL, 16);
}

/* Remove capabilities from our own effective and permitted sets, to test
 * the "not held" paths the same way on any host. */
static void drop_own_caps(const cap_value_t *caps, int n)
{
	cap_t c = cap_get_proc();

	cap_set_flag(c, CAP_EFFECTIVE, n, caps, CAP_CLEAR);
	cap_set_flag(c, CAP_PERMITTED, n, caps, CAP_CLEAR);
	cap_set_proc(c);
	cap_free(c);
}

static char tmpdir[] = "/tmp/ward-test-security.XXXXXX";

/* ==== capabilities ==== */

static int child_caps(void *arg)
{
	struct spec_process *p = arg;
	struct ward_error err = { 0 };
	uint64_t bset;

	if (caps_drop_bounding(p, &bset, &err) < 0 || caps_apply(p, bset, &err) < 0)
		return report_err(&err);
	dump_status();
	return 0;
}

static void test_caps(void)
{
	struct spec_capabilities caps = {
		.bounding = STRV("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETPCAP"),
		.effective = STRV("CAP_CHOWN", "CAP_KILL"),
		.permitted = STRV("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"),
		.inheritable = STRV("CAP_NET_BIND_SERVICE"),
		.ambient = STRV("CAP_NET_BIND_SERVICE"),
	};
	struct spec_process p = { .capabilities = &caps };
	struct run r;

	run_child(child_caps, &p, &r);
	ok(exited_ok(&r), "caps: five sets applied (%s)", field(&r, "err"));
	ok(hex_field(&r, "CapBnd") == (CAPBIT(0) | CAPBIT(5) | CAPBIT(10) | CAPBIT(8)),
	   "caps: bounding set is exactly the listed caps (%s)", field(&r, "CapBnd"));
	ok(hex_field(&r, "CapEff") == (CAPBIT(0) | CAPBIT(5)), "caps: effective set (%s)",
	   field(&r, "CapEff"));
	ok(hex_field(&r, "CapPrm") == (CAPBIT(0) | CAPBIT(5) | CAPBIT(10)), "caps: permitted set (%s)",
	   field(&r, "CapPrm"));
	ok(hex_field(&r, "CapInh") == CAPBIT(10), "caps: inheritable set (%s)", field(&r, "CapInh"));
	ok(hex_field(&r, "CapAmb") == CAPBIT(10), "caps: ambient set (%s)", field(&r, "CapAmb"));

	/* No capabilities object: nothing at all, as in runc. */
	struct spec_process none = { .capabilities = NULL };
	run_child(child_caps, &none, &r);
	ok(exited_ok(&r) && hex_field(&r, "CapBnd") == 0 && hex_field(&r, "CapEff") == 0 &&
		   hex_field(&r, "CapPrm") == 0 && strcmp(field(&r, "CapBnd"), "") != 0,
	   "caps: absent capabilities drop everything (Bnd %s Eff %s)", field(&r, "CapBnd"),
	   field(&r, "CapEff"));

	/* Names unknown to the kernel or to ward are skipped. */
	struct spec_capabilities unk = {
		.bounding = STRV("CAP_CHOWN", "CAP_NOT_A_CAP", "CAP_FROM_THE_FUTURE"),
		.effective = STRV("CAP_CHOWN", "CAP_NOT_A_CAP"),
		.permitted = STRV("CAP_CHOWN", "CAP_NOT_A_CAP"),
	};
	struct spec_process pu = { .capabilities = &unk };
	run_child(child_caps, &pu, &r);
	ok(exited_ok(&r) && hex_field(&r, "CapBnd") == CAPBIT(0) && hex_field(&r, "CapEff") == CAPBIT(0),
	   "caps: unknown names are skipped (%s)", field(&r, "err"));

	/* Ambient without inheritable (runc 1.1 configs): runc raises ambient
	 * caps best effort, so the process starts, with no ambient caps. */
	struct spec_capabilities amb = {
		.bounding = STRV("CAP_CHOWN"),
		.permitted = STRV("CAP_CHOWN"),
		.effective = STRV("CAP_CHOWN"),
		.ambient = STRV("CAP_CHOWN"),
	};
	struct spec_process pa = { .capabilities = &amb };
	run_child(child_caps, &pa, &r);
	ok(exited_ok(&r) && hex_field(&r, "CapAmb") == 0 && hex_field(&r, "CapPrm") == CAPBIT(0),
	   "caps: ambient without inheritable is skipped, not fatal (%s)", field(&r, "err"));

	/* Effective must be within permitted. */
	struct spec_capabilities eff = {
		.bounding = STRV("CAP_CHOWN", "CAP_KILL"),
		.permitted = STRV("CAP_CHOWN"),
		.effective = STRV("CAP_KILL"),
	};
	struct spec_process pe = { .capabilities = &eff };
	run_child(child_caps, &pe, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "CAP_KILL") != NULL,
	   "caps: effective outside permitted is a clear error (%s)", field(&r, "err"));
}

static int child_caps_not_held(void *arg)
{
	static const cap_value_t res[] = { CAP_SYS_RESOURCE };

	drop_own_caps(res, 1);
	return child_caps(arg);
}

static void test_caps_not_held(void)
{
	struct spec_capabilities caps = {
		.bounding = STRV("CAP_SYS_RESOURCE"),
		.permitted = STRV("CAP_SYS_RESOURCE"),
	};
	struct spec_process p = { .capabilities = &caps };
	struct run r;

	run_child(child_caps_not_held, &p, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "CAP_SYS_RESOURCE") != NULL &&
		   strstr(field(&r, "err"), "permitted") != NULL,
	   "caps: a capability ward does not hold is named in the error (%s)", field(&r, "err"));
}

/* ==== user ==== */

static int child_user(void *arg)
{
	struct spec_process *p = arg;
	struct ward_error err = { 0 };
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[16];
	int n;
	mode_t m;
	bool setgroups_ok;

	if (user_prepare(p, &setgroups_ok, &err) < 0 || user_apply(p, setgroups_ok, &err) < 0)
		return report_err(&err);
	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	n = getgroups(16, groups);
	m = umask(0);
	printf("uid=%u,%u,%u\ngid=%u,%u,%u\numask=%04o\ngroups=", ru, eu, su, rg, eg, sg, m);
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", groups[i]);
	printf("\nkeepcaps=%d\n", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	dump_status();
	return 0;
}

static void test_user(void)
{
	uint32_t gids[] = { 10, 20 };
	struct spec_process p = {
		.user = { .uid = 1000, .gid = 1001, .umask = { true, 027 },
			  .additional_gids = gids, .n_additional_gids = 2 },
	};
	struct run r;

	run_child(child_user, &p, &r);
	ok(exited_ok(&r), "user: applied (%s)", field(&r, "err"));
	ok(strcmp(field(&r, "uid"), "1000,1000,1000") == 0, "user: real/effective/saved uid (%s)",
	   field(&r, "uid"));
	ok(strcmp(field(&r, "gid"), "1001,1001,1001") == 0, "user: real/effective/saved gid (%s)",
	   field(&r, "gid"));
	ok(strcmp(field(&r, "groups"), "10,20") == 0, "user: additional gids (%s)", field(&r, "groups"));
	ok(strcmp(field(&r, "umask"), "0027") == 0, "user: umask (%s)", field(&r, "umask"));
	ok(strcmp(field(&r, "keepcaps"), "0") == 0, "user: keep-caps flag cleared again");
	/* Permitted survives the uid change for caps_apply to shape. */
	ok(hex_field(&r, "CapPrm") != 0 && hex_field(&r, "CapEff") == 0,
	   "user: permitted caps kept across the uid change (Prm %s Eff %s)", field(&r, "CapPrm"),
	   field(&r, "CapEff"));

	struct spec_process d = { .user = { .uid = 0, .gid = 0 } };
	run_child(child_user, &d, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "umask"), "0022") == 0 &&
		   strcmp(field(&r, "groups"), "") == 0,
	   "user: default umask 0022 and supplementary groups cleared (umask %s groups '%s')",
	   field(&r, "umask"), field(&r, "groups"));
}

/* In a user namespace with setgroups denied: skip setgroups when no
 * additional gids are asked for, refuse when some are. */
static int child_user_setgroups_deny(void *arg)
{
	char map[32];
	int fd;

	if (unshare(CLONE_NEWUSER) < 0)
		return printf("err=unshare: %s\n", strerror(errno)), 2;
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd < 0 || write(fd, "deny", 4) != 4)
		return printf("err=setgroups deny: %s\n", strerror(errno)), 2;
	close(fd);
	snprintf(map, sizeof(map), "0 0 1\n");
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) < 0)
		return printf("err=uid_map: %s\n", strerror(errno)), 2;
	close(fd);
	fd = open("/proc/self/gid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) < 0)
		return printf("err=gid_map: %s\n", strerror(errno)), 2;
	close(fd);
	return child_user(arg);
}

static void test_user_setgroups_deny(void)
{
	struct spec_process p = { .user = { .uid = 0, .gid = 0 } };
	uint32_t gids[] = { 0 };
	struct spec_process pg = { .user = { .uid = 0, .gid = 0, .additional_gids = gids,
					      .n_additional_gids = 1 } };
	struct run r;

	run_child(child_user_setgroups_deny, &p, &r);
	ok(exited_ok(&r), "user: setgroups denied and no additional gids: skipped (%s)", field(&r, "err"));
	run_child(child_user_setgroups_deny, &pg, &r);
	ok(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1 &&
		   strstr(field(&r, "err"), "setgroups is denied") != NULL,
	   "user: setgroups denied with additional gids: clear error (%s)", field(&r, "err"));
}

/* ==== rlimits ==== */

static int child_rlimits(void *arg)
{
	struct spec_process *p = arg;
	struct ward_error err = { 0 };
	struct rlimit nofile, core;

	if (rlimits_apply(p, &err) < 0)
		return report_err(&err);
	getrlimit(RLIMIT_NOFILE, &nofile);
	getrlimit(RLIMIT_CORE, &core);
	printf("nofile=%llu/%llu\ncore=%llu/%llu\n", (unsigned long long)nofile.rlim_cur,
	       (unsigned long long)nofile.rlim_max, (unsigned long long)core.rlim_cur,
	       (unsigned long long)core.rlim_max);
	return 0;
}

static int child_rlimits_unprivileged(void *arg)
{
	static const cap_value_t res[] = { CAP_SYS_RESOURCE };
	struct rlimit lim = { 1024, 4096 };

	drop_own_caps(res, 1);
	setrlimit(RLIMIT_NOFILE, &lim);
	return child_rlimits(arg);
}

static void test_rlimits(void)
{
	struct spec_rlimit lims[] = {
		{ .type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 512, .hard = 1024 },
		{ .type = "RLIMIT_CORE", .resource = RLIMIT_CORE, .soft = 0, .hard = 0 },
	};
	struct spec_process p = { .rlimits = lims, .n_rlimits = 2 };
	struct run r;

	run_child(child_rlimits, &p, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "nofile"), "512/1024") == 0 &&
		   strcmp(field(&r, "core"), "0/0") == 0,
	   "rlimits: applied (nofile %s core %s %s)", field(&r, "nofile"), field(&r, "core"),
	   field(&r, "err"));

	struct spec_rlimit big[] = {
		{ .type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 8192, .hard = 8192 },
	};
	struct spec_process pb = { .rlimits = big, .n_rlimits = 1 };
	run_child(child_rlimits_unprivileged, &pb, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "RLIMIT_NOFILE") != NULL &&
		   strstr(field(&r, "err"), "from 4096 to 8192") != NULL,
	   "rlimits: raising the hard limit names the rlimit (%s)", field(&r, "err"));

	struct spec_rlimit inv[] = {
		{ .type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 100, .hard = 50 },
	};
	struct spec_process pi = { .rlimits = inv, .n_rlimits = 1 };
	run_child(child_rlimits, &pi, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "soft limit is above the hard limit") != NULL,
	   "rlimits: soft above hard is a clear error (%s)", field(&r, "err"));
}

/* ==== oom_score_adj ==== */

static int child_oom(void *arg)
{
	static const cap_value_t res[] = { CAP_SYS_RESOURCE };
	struct spec_process *p = arg;
	struct ward_error err = { 0 };
	char buf[16] = { 0 };
	int fd;

	drop_own_caps(res, 1);
	if (oom_score_adj_apply(p, &err) < 0)
		return report_err(&err);
	fd = open("/proc/self/oom_score_adj", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
		return 2;
	printf("oom=%s", buf);
	return 0;
}

static void test_oom(void)
{
	struct spec_process p = { .oom_score_adj = { true, 500 } };
	struct spec_process neg = { .oom_score_adj = { true, -500 } };
	struct run r;

	run_child(child_oom, &p, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "oom"), "500") == 0, "oom_score_adj: raised to 500 (%s%s)",
	   field(&r, "oom"), field(&r, "err"));
	run_child(child_oom, &neg, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "oomScoreAdj to -500") != NULL &&
		   strstr(field(&r, "err"), "CAP_SYS_RESOURCE") != NULL,
	   "oom_score_adj: negative value without CAP_SYS_RESOURCE is a clear error (%s)",
	   field(&r, "err"));
}

/* ==== personality ==== */

static int child_personality(void *arg)
{
	struct spec_linux *l = arg;
	struct ward_error err = { 0 };
	struct utsname u;

	if (personality_apply(l, &err) < 0)
		return report_err(&err);
	uname(&u);
	printf("persona=%#x\nmachine=%s\n", (unsigned)personality(0xffffffff), u.machine);
	return 0;
}

static void test_personality(void)
{
	struct spec_personality p32 = { .domain = "LINUX32" };
	struct spec_linux l32 = { .personality = &p32 };
	struct spec_personality pf = { .domain = "LINUX", .flags = STRV("ADDR_NO_RANDOMIZE") };
	struct spec_linux lf = { .personality = &pf };
	struct spec_personality bad = { .domain = "BSD" };
	struct spec_linux lbad = { .personality = &bad };
	struct spec_personality badf = { .domain = "LINUX", .flags = STRV("NO_SUCH_FLAG") };
	struct spec_linux lbadf = { .personality = &badf };
	struct run r;
	char want[32];

	run_child(child_personality, &l32, &r);
	snprintf(want, sizeof(want), "%#x", PER_LINUX32);
	ok(exited_ok(&r) && strcmp(field(&r, "persona"), want) == 0 &&
		   strcmp(field(&r, "machine"), "i686") == 0,
	   "personality: LINUX32 (persona %s machine %s)", field(&r, "persona"), field(&r, "machine"));
	run_child(child_personality, &lf, &r);
	snprintf(want, sizeof(want), "%#x", ADDR_NO_RANDOMIZE);
	ok(exited_ok(&r) && strcmp(field(&r, "persona"), want) == 0,
	   "personality: LINUX with a flag (%s)", field(&r, "persona"));
	run_child(child_personality, &lbad, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "unknown domain BSD") != NULL,
	   "personality: unknown domain refused (%s)", field(&r, "err"));
	run_child(child_personality, &lbadf, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "unknown flag NO_SUCH_FLAG") != NULL,
	   "personality: unknown flag refused (%s)", field(&r, "err"));
}

/* ==== ioprio and scheduler ==== */

static int child_ioprio(void *arg)
{
	struct spec_process *p = arg;
	struct ward_error err = { 0 };
	long v;

	if (ioprio_apply(p, &err) < 0)
		return report_err(&err);
	v = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	printf("class=%ld\nlevel=%ld\n", v >> 13, v & 0x1fff);
	return 0;
}

static void test_ioprio(void)
{
	struct spec_io_priority be = { .klass = "IOPRIO_CLASS_BE", .priority = 3 };
	struct spec_io_priority idle = { .klass = "IOPRIO_CLASS_IDLE", .priority = 0 };
	struct spec_io_priority rt = { .klass = "IOPRIO_CLASS_RT", .priority = 7 };
	struct spec_io_priority bad = { .klass = "IOPRIO_CLASS_FAST", .priority = 0 };
	struct spec_io_priority range = { .klass = "IOPRIO_CLASS_BE", .priority = 8 };
	struct spec_process p = { .io_priority = &be };
	struct run r;

	run_child(child_ioprio, &p, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "class"), "2") == 0 && strcmp(field(&r, "level"), "3") == 0,
	   "ioprio: BE 3 (class %s level %s)", field(&r, "class"), field(&r, "level"));
	p.io_priority = &idle;
	run_child(child_ioprio, &p, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "class"), "3") == 0, "ioprio: IDLE (class %s)",
	   field(&r, "class"));
	p.io_priority = &rt;
	run_child(child_ioprio, &p, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "class"), "1") == 0 && strcmp(field(&r, "level"), "7") == 0,
	   "ioprio: RT 7 (class %s level %s)", field(&r, "class"), field(&r, "level"));
	p.io_priority = &bad;
	run_child(child_ioprio, &p, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "unknown class") != NULL,
	   "ioprio: unknown class refused (%s)", field(&r, "err"));
	p.io_priority = &range;
	run_child(child_ioprio, &p, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "out of range") != NULL,
	   "ioprio: priority out of range refused (%s)", field(&r, "err"));
}

struct test_sched_attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

static int child_sched(void *arg)
{
	struct spec_process *p = arg;
	struct ward_error err = { 0 };
	struct test_sched_attr a = { 0 };

	if (scheduler_apply(p, &err) < 0)
		return report_err(&err);
	if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) < 0)
		return printf("err=sched_getattr: %s\n", strerror(errno)), 2;
	printf("policy=%u\nnice=%d\nprio=%u\nflags=%#" PRIx64 "\nruntime=%" PRIu64 "\n", a.policy, a.nice,
	       a.priority, a.flags, a.runtime);
	return 0;
}

static void test_scheduler(void)
{
	struct spec_scheduler batch = { .policy = "SCHED_BATCH", .nice = { true, 5 } };
	struct spec_scheduler fork_reset = { .policy = "SCHED_OTHER", .nice = { true, 2 },
					     .flags = STRV("SCHED_FLAG_RESET_ON_FORK") };
	struct spec_scheduler fifo = { .policy = "SCHED_FIFO", .priority = { true, 10 } };
	struct spec_scheduler idle = { .policy = "SCHED_IDLE" };
	struct spec_scheduler bad_prio = { .policy = "SCHED_OTHER", .priority = { true, 3 } };
	struct spec_scheduler bad_pol = { .policy = "SCHED_FAST" };
	struct spec_scheduler bad_flag = { .policy = "SCHED_OTHER", .flags = STRV("SCHED_FLAG_TURBO") };
	struct spec_scheduler bad_dl = { .policy = "SCHED_OTHER", .runtime = { true, 1000 } };
	struct spec_process p = { .scheduler = &batch };
	struct run r;

	run_child(child_sched, &p, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "policy"), "3") == 0 && strcmp(field(&r, "nice"), "5") == 0,
	   "scheduler: SCHED_BATCH nice 5 (policy %s nice %s %s)", field(&r, "policy"), field(&r, "nice"),
	   field(&r, "err"));
	p.scheduler = &fork_reset;
	run_child(child_sched, &p, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "flags"), "0x1") == 0 && strcmp(field(&r, "nice"), "2") == 0,
	   "scheduler: SCHED_FLAG_RESET_ON_FORK (flags %s)", field(&r, "flags"));
	p.scheduler = &fifo;
	run_child(child_sched, &p, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "policy"), "1") == 0 && strcmp(field(&r, "prio"), "10") == 0,
	   "scheduler: SCHED_FIFO priority 10 (policy %s prio %s %s)", field(&r, "policy"),
	   field(&r, "prio"), field(&r, "err"));
	p.scheduler = &idle;
	run_child(child_sched, &p, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "policy"), "5") == 0, "scheduler: SCHED_IDLE (policy %s)",
	   field(&r, "policy"));
	p.scheduler = &bad_prio;
	run_child(child_sched, &p, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "priority can only be specified") != NULL,
	   "scheduler: priority with SCHED_OTHER refused (%s)", field(&r, "err"));
	p.scheduler = &bad_pol;
	run_child(child_sched, &p, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "unknown policy SCHED_FAST") != NULL,
	   "scheduler: unknown policy refused (%s)", field(&r, "err"));
	p.scheduler = &bad_flag;
	run_child(child_sched, &p, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "unknown flag SCHED_FLAG_TURBO") != NULL,
	   "scheduler: unknown flag refused (%s)", field(&r, "err"));
	p.scheduler = &bad_dl;
	run_child(child_sched, &p, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "SchedDeadline") != NULL,
	   "scheduler: runtime without SCHED_DEADLINE refused (%s)", field(&r, "err"));
}

/* ==== namespaces: hostname and sysctl ==== */

static ino_t ns_ino(const char *which)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", which);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* Enter fresh net, ipc and uts namespaces and prove it before anything is
 * written: the writes must never reach the host's. */
static int enter_private_namespaces(void)
{
	ino_t net = ns_ino("net"), ipc = ns_ino("ipc"), uts = ns_ino("uts");

	if (unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
		return -1;
	if (ns_ino("net") == net || ns_ino("ipc") == ipc || ns_ino("uts") == uts)
		return -1;
	return 0;
}

static void read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (fd >= 0)
		close(fd);
}

static int child_uts(void *arg)
{
	struct spec *s = arg;
	struct ward_error err = { 0 };
	char host[128] = "", dom[128] = "";

	if (enter_private_namespaces() < 0)
		return printf("err=namespaces: %s\n", strerror(errno)), 2;
	if (uts_setup(s, &err) < 0)
		return report_err(&err);
	gethostname(host, sizeof(host));
	getdomainname(dom, sizeof(dom));
	printf("hostname=%s\ndomainname=%s\n", host, dom);
	return 0;
}

static void test_uts(void)
{
	struct spec_namespace ns[] = { { SPEC_NS_UTS, NULL }, { SPEC_NS_MOUNT, NULL } };
	struct spec_linux l = { .namespaces = ns, .n_namespaces = 2 };
	struct spec s = { .hostname = "ward-box", .domainname = "example.test", .linux = &l };
	struct spec_linux l_no = { .namespaces = ns + 1, .n_namespaces = 1 };
	struct spec s_no = { .hostname = "ward-box", .linux = &l_no };
	struct spec s_nodom = { .domainname = "example.test", .linux = &l_no };
	char before[128] = "", after[128] = "";
	struct run r;

	gethostname(before, sizeof(before));
	run_child(child_uts, &s, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "hostname"), "ward-box") == 0 &&
		   strcmp(field(&r, "domainname"), "example.test") == 0,
	   "uts: hostname and domainname set (%s / %s %s)", field(&r, "hostname"),
	   field(&r, "domainname"), field(&r, "err"));
	run_child(child_uts, &s_no, &r);
	ok(!exited_ok(&r) &&
		   strcmp(field(&r, "err"), "unable to set hostname without a private UTS namespace") == 0,
	   "uts: hostname without a UTS namespace refused (%s)", field(&r, "err"));
	run_child(child_uts, &s_nodom, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "domainname without a private UTS") != NULL,
	   "uts: domainname without a UTS namespace refused (%s)", field(&r, "err"));
	gethostname(after, sizeof(after));
	ok(strcmp(before, after) == 0, "uts: the host's hostname is untouched (%s)", after);
}

static int child_sysctl(void *arg)
{
	struct spec *s = arg;
	struct ward_error err = { 0 };
	char buf[256];

	if (enter_private_namespaces() < 0)
		return printf("err=namespaces: %s\n", strerror(errno)), 2;
	if (sysctl_apply(s, &err) < 0) {
		read_file("/proc/sys/net/ipv4/ip_forward", buf, sizeof(buf));
		printf("ip_forward=%s\n", buf);
		return report_err(&err);
	}
	read_file("/proc/sys/net/ipv4/ip_forward", buf, sizeof(buf));
	printf("ip_forward=%s\n", buf);
	read_file("/proc/sys/net/ipv4/conf/lo/forwarding", buf, sizeof(buf));
	printf("lo_forwarding=%s\n", buf);
	read_file("/proc/sys/kernel/shmmni", buf, sizeof(buf));
	printf("shmmni=%s\n", buf);
	read_file("/proc/sys/fs/mqueue/msg_max", buf, sizeof(buf));
	printf("msg_max=%s\n", buf);
	getdomainname(buf, sizeof(buf));
	printf("domainname=%s\n", buf);
	return 0;
}

static void test_sysctl(void)
{
	struct spec_namespace ns[] = {
		{ SPEC_NS_NETWORK, NULL }, { SPEC_NS_IPC, NULL }, { SPEC_NS_UTS, NULL },
	};
	struct spec_linux l = { .namespaces = ns, .n_namespaces = 3 };
	struct spec_kv good[] = {
		{ "net.ipv4.ip_forward", "1" },
		{ "net/ipv4/conf/lo/forwarding", "1" },
		{ "kernel.shmmni", "1234" },
		{ "fs.mqueue.msg_max", "42" },
		{ "kernel.domainname", "sysctl.test" },
	};
	struct spec s = { .linux = &l };
	char host_fwd[32], host_shmmni[32], host_fwd2[32], host_shmmni2[32];
	struct run r;

	read_file("/proc/sys/net/ipv4/ip_forward", host_fwd, sizeof(host_fwd));
	read_file("/proc/sys/kernel/shmmni", host_shmmni, sizeof(host_shmmni));

	l.sysctl = (struct spec_map){ good, 5 };
	run_child(child_sysctl, &s, &r);
	ok(exited_ok(&r), "sysctl: net, ipc, mqueue and uts keys applied (%s)", field(&r, "err"));
	ok(strcmp(field(&r, "ip_forward"), "1") == 0 && strcmp(field(&r, "lo_forwarding"), "1") == 0,
	   "sysctl: dotted and slashed net keys (%s, %s)", field(&r, "ip_forward"),
	   field(&r, "lo_forwarding"));
	ok(strcmp(field(&r, "shmmni"), "1234") == 0 && strcmp(field(&r, "msg_max"), "42") == 0,
	   "sysctl: ipc keys (shmmni %s msg_max %s)", field(&r, "shmmni"), field(&r, "msg_max"));
	ok(strcmp(field(&r, "domainname"), "sysctl.test") == 0, "sysctl: kernel.domainname (%s)",
	   field(&r, "domainname"));

	read_file("/proc/sys/net/ipv4/ip_forward", host_fwd2, sizeof(host_fwd2));
	read_file("/proc/sys/kernel/shmmni", host_shmmni2, sizeof(host_shmmni2));
	ok(strcmp(host_fwd, host_fwd2) == 0 && strcmp(host_shmmni, host_shmmni2) == 0,
	   "sysctl: the host's values are untouched (ip_forward %s shmmni %s)", host_fwd2, host_shmmni2);

	static const struct {
		const char *key;
		int n_ns; /* how many of ns[] the spec lists */
		const char *want;
	} refused[] = {
		{ "net.ipv4.ip_forward", 0, "not allowed in host network namespace" },
		{ "kernel.shmmax", 1, "not allowed in the hosts ipc namespace" },
		{ "fs.mqueue.queues_max", 1, "not allowed in the hosts ipc namespace" },
		{ "kernel.hostname", 3, "conflicts with the OCI \"hostname\" field" },
		{ "kernel.domainname", 2, "not in a separate kernel namespace" },
		{ "kernel.pid_max", 3, "not in a separate kernel namespace" },
		{ "vm.swappiness", 3, "not in a separate kernel namespace" },
		{ "net.ipv4..ip_forward", 3, "invalid key" },
		{ "net.ipv4.//.//.//.//etc", 3, "invalid key" },
		{ "net/../../etc/passwd", 3, "invalid key" },
		{ "net.", 3, "invalid key" },
		{ "", 3, "empty key" },
		{ "net.ipv4.no_such_key", 3, "No such file or directory" },
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		/* A valid key first: nothing may be written when a later
		 * key is refused. */
		struct spec_kv kv[] = { { "net.ipv4.ip_forward", "1" }, { (char *)refused[i].key, "1" } };
		bool first_ok = refused[i].n_ns >= 1;

		l.n_namespaces = (size_t)refused[i].n_ns;
		l.sysctl = first_ok ? (struct spec_map){ kv, 2 } : (struct spec_map){ kv + 1, 1 };
		run_child(child_sysctl, &s, &r);
		ok(!exited_ok(&r) && strstr(field(&r, "err"), refused[i].want) != NULL,
		   "sysctl: \"%s\" refused (%s)", refused[i].key, field(&r, "err"));
		/* A fresh network namespace starts with ip_forward=0. */
		if (first_ok && strcmp(refused[i].want, "No such file or directory") != 0)
			ok(strcmp(field(&r, "ip_forward"), "0") == 0,
			   "sysctl: nothing written before \"%s\" was refused (ip_forward %s)",
			   refused[i].key, field(&r, "ip_forward"));
	}
}

/* ==== seccomp ==== */

struct seccomp_case {
	struct spec_seccomp sc;
	int (*probe)(void); /* runs after the filter is loaded */
};

static int child_seccomp(void *arg)
{
	struct seccomp_case *c = arg;
	struct ward_error err = { 0 };
	struct ward_seccomp *f = NULL;

	if (seccomp_prepare(&c->sc, &f, &err) < 0)
		return report_err(&err);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 2;
	fflush(stdout);
	if (seccomp_apply(f, &err) < 0)
		return report_err(&err);
	return c->probe ? c->probe() : 0;
}

/* Probes report through raw write(2): stdio may need syscalls a filter
 * denies. */
static void say(const char *key, long v)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%s=%ld\n", key, v);

	if (write(1, buf, (size_t)n) < 0)
		_exit(3);
}

static long errno_of(long rc)
{
	return rc < 0 ? errno : 0;
}

static int probe_getcwd_mkdir(void)
{
	char buf[256];

	say("getcwd", errno_of(syscall(SYS_getcwd, buf, sizeof(buf))));
	say("mkdir", errno_of(syscall(SYS_mkdir, "/nonexistent-dir/x", 0700)));
	say("getpid", errno_of(syscall(SYS_getpid)));
	return 0;
}

static int probe_getcwd(void)
{
	char buf[256];

	say("getcwd", errno_of(syscall(SYS_getcwd, buf, sizeof(buf))));
	return 0;
}

/* Descriptors 1000..1003 are never open here: dup2 fails with EBADF unless
 * the filter answers first. */
static int probe_dup2(void)
{
	say("d1000_1001", errno_of(syscall(SYS_dup2, 1000, 1001)));
	say("d1000_1002", errno_of(syscall(SYS_dup2, 1000, 1002)));
	say("d1001_1001", errno_of(syscall(SYS_dup2, 1001, 1001)));
	say("d1002_1003", errno_of(syscall(SYS_dup2, 1002, 1003)));
	say("d1003_1003", errno_of(syscall(SYS_dup2, 1003, 1003)));
	return 0;
}

static int probe_getppid(void)
{
	say("getppid", errno_of(syscall(SYS_getppid)));
	syscall(SYS_exit_group, 0);
	return 0;
}

static volatile sig_atomic_t trap_nr = -1;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	trap_nr = si->si_code == 1 /* SYS_SECCOMP */ ? si->si_syscall : -2;
}

static int probe_trap(void)
{
	char buf[64];

	syscall(SYS_getcwd, buf, sizeof(buf));
	say("trapped", trap_nr);
	return 0;
}

static struct spec_seccomp_syscall *one_rule(struct spec_seccomp_syscall *r, struct spec_strv names,
					     enum spec_seccomp_action a, int errno_ret)
{
	memset(r, 0, sizeof(*r));
	r->names = names;
	r->action = a;
	if (errno_ret >= 0)
		r->errno_ret = (opt_u32){ true, (uint32_t)errno_ret };
	return r;
}

static void test_seccomp_actions(void)
{
	struct spec_seccomp_syscall rules[3];
	struct seccomp_case c;
	struct run r;

	/* ERRNO with errnoRet, ERRNO defaulting to EPERM, unknown names. */
	memset(&c, 0, sizeof(c));
	c.sc.default_action = SPEC_SCMP_ACT_ALLOW;
	c.sc.architectures = STRV("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
	c.sc.syscalls = rules;
	c.sc.n_syscalls = 2;
	one_rule(&rules[0], STRV("getcwd", "no_such_syscall_xyz"), SPEC_SCMP_ACT_ERRNO, 38);
	one_rule(&rules[1], STRV("mkdir"), SPEC_SCMP_ACT_ERRNO, -1);
	c.probe = probe_getcwd_mkdir;
	run_child(child_seccomp, &c, &r);
	ok(exited_ok(&r), "seccomp: filter with unknown syscall names loads (%s)", field(&r, "err"));
	ok(strcmp(field(&r, "getcwd"), "38") == 0, "seccomp: ERRNO errnoRet 38 (getcwd -> %s)",
	   field(&r, "getcwd"));
	ok(strcmp(field(&r, "mkdir"), "1") == 0, "seccomp: ERRNO defaults to EPERM (mkdir -> %s)",
	   field(&r, "mkdir"));
	ok(strcmp(field(&r, "getpid"), "0") == 0, "seccomp: other syscalls allowed");

	/* KILL, KILL_THREAD and KILL_PROCESS end the process with SIGSYS. */
	static const enum spec_seccomp_action kills[] = {
		SPEC_SCMP_ACT_KILL, SPEC_SCMP_ACT_KILL_THREAD, SPEC_SCMP_ACT_KILL_PROCESS,
	};
	static const char *const kill_names[] = { "KILL", "KILL_THREAD", "KILL_PROCESS" };
	for (int i = 0; i < 3; i++) {
		c.sc.n_syscalls = 1;
		one_rule(&rules[0], STRV("getcwd"), kills[i], -1);
		c.probe = probe_getcwd;
		run_child(child_seccomp, &c, &r);
		ok(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSYS && strcmp(field(&r, "getcwd"), "") == 0,
		   "seccomp: %s kills with SIGSYS (status %#x)", kill_names[i], r.status);
	}

	/* TRAP delivers SIGSYS with the syscall number. */
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	sigaction(SIGSYS, &sa, NULL); /* inherited by the child */
	one_rule(&rules[0], STRV("getcwd"), SPEC_SCMP_ACT_TRAP, -1);
	c.probe = probe_trap;
	run_child(child_seccomp, &c, &r);
	signal(SIGSYS, SIG_DFL);
	ok(exited_ok(&r) && atol(field(&r, "trapped")) == SYS_getcwd, "seccomp: TRAP delivers SIGSYS (%s)",
	   field(&r, "trapped"));

	/* LOG lets the call through. */
	one_rule(&rules[0], STRV("getcwd"), SPEC_SCMP_ACT_LOG, -1);
	c.probe = probe_getcwd;
	run_child(child_seccomp, &c, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "getcwd"), "0") == 0, "seccomp: LOG allows (getcwd -> %s)",
	   field(&r, "getcwd"));

	/* TRACE with no tracer attached fails the call with ENOSYS. */
	one_rule(&rules[0], STRV("getcwd"), SPEC_SCMP_ACT_TRACE, 5);
	run_child(child_seccomp, &c, &r);
	ok(exited_ok(&r) && atoi(field(&r, "getcwd")) == ENOSYS,
	   "seccomp: TRACE without a tracer gives ENOSYS (getcwd -> %s)", field(&r, "getcwd"));

	/* A rule repeating the default action is skipped, not an error. */
	one_rule(&rules[0], STRV("getcwd"), SPEC_SCMP_ACT_ALLOW, -1);
	run_child(child_seccomp, &c, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "getcwd"), "0") == 0,
	   "seccomp: rule with the default action skipped (%s)", field(&r, "err"));

	/* Default ERRNO with defaultErrnoRet and an allow list. */
	memset(&c, 0, sizeof(c));
	c.sc.default_action = SPEC_SCMP_ACT_ERRNO;
	c.sc.default_errno_ret = (opt_u32){ true, 38 };
	c.sc.syscalls = rules;
	c.sc.n_syscalls = 1;
	one_rule(&rules[0], STRV("write", "exit_group", "exit", "rt_sigreturn"), SPEC_SCMP_ACT_ALLOW, -1);
	c.probe = probe_getppid;
	run_child(child_seccomp, &c, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "getppid"), "38") == 0,
	   "seccomp: default ERRNO with defaultErrnoRet 38 (getppid -> %s %s)", field(&r, "getppid"),
	   field(&r, "err"));
}

static void test_seccomp_args(void)
{
	static const struct {
		enum spec_seccomp_op op;
		uint64_t value, value_two;
		const char *name;
		/* errno of dup2(1000,x), dup2(1001,x), dup2(1002,x), dup2(1003,x) */
		const char *want[4];
	} ops[] = {
		{ SPEC_SCMP_EQ, 1001, 0, "EQ", { "9", "55", "9", "9" } },
		{ SPEC_SCMP_NE, 1001, 0, "NE", { "55", "9", "55", "55" } },
		{ SPEC_SCMP_LT, 1002, 0, "LT", { "55", "55", "9", "9" } },
		{ SPEC_SCMP_LE, 1002, 0, "LE", { "55", "55", "55", "9" } },
		{ SPEC_SCMP_GT, 1001, 0, "GT", { "9", "9", "55", "55" } },
		{ SPEC_SCMP_GE, 1001, 0, "GE", { "9", "55", "55", "55" } },
		/* (fd & 3) == 1: 1001 = 0x3e9 */
		{ SPEC_SCMP_MASKED_EQ, 3, 1, "MASKED_EQ", { "9", "55", "9", "9" } },
	};
	struct spec_seccomp_syscall rule;
	struct spec_seccomp_arg args[2];
	struct seccomp_case c;
	struct run r;

	memset(&c, 0, sizeof(c));
	c.sc.default_action = SPEC_SCMP_ACT_ALLOW;
	c.sc.syscalls = &rule;
	c.sc.n_syscalls = 1;
	c.probe = probe_dup2;
	/* Compound literals live to the end of their block: this one must
	 * outlast the loop. */
	struct spec_strv dup2_name = STRV("dup2");

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		one_rule(&rule, dup2_name, SPEC_SCMP_ACT_ERRNO, 55);
		args[0] = (struct spec_seccomp_arg){ .index = 0, .value = ops[i].value,
						     .value_two = ops[i].value_two, .op = ops[i].op };
		rule.args = args;
		rule.n_args = 1;
		run_child(child_seccomp, &c, &r);
		/* d1000_1001, d1001_1001, d1002_1003, d1003_1003 */
		ok(exited_ok(&r) && strcmp(field(&r, "d1000_1001"), ops[i].want[0]) == 0 &&
			   strcmp(field(&r, "d1001_1001"), ops[i].want[1]) == 0 &&
			   strcmp(field(&r, "d1002_1003"), ops[i].want[2]) == 0 &&
			   strcmp(field(&r, "d1003_1003"), ops[i].want[3]) == 0,
		   "seccomp: SCMP_CMP_%s on arg 0 (%s %s %s %s %s)", ops[i].name, field(&r, "d1000_1001"),
		   field(&r, "d1001_1001"), field(&r, "d1002_1003"), field(&r, "d1003_1003"),
		   field(&r, "err"));
	}

	/* Two different indexes: both must match (AND). */
	args[0] = (struct spec_seccomp_arg){ .index = 0, .value = 1000, .op = SPEC_SCMP_EQ };
	args[1] = (struct spec_seccomp_arg){ .index = 1, .value = 1001, .op = SPEC_SCMP_EQ };
	rule.n_args = 2;
	run_child(child_seccomp, &c, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "d1000_1001"), "55") == 0 &&
		   strcmp(field(&r, "d1000_1002"), "9") == 0 && strcmp(field(&r, "d1001_1001"), "9") == 0,
	   "seccomp: conditions on two arguments are ANDed (%s %s %s)", field(&r, "d1000_1001"),
	   field(&r, "d1000_1002"), field(&r, "d1001_1001"));

	/* The same index twice: one rule each, so either matches (runc). */
	args[0] = (struct spec_seccomp_arg){ .index = 0, .value = 1000, .op = SPEC_SCMP_EQ };
	args[1] = (struct spec_seccomp_arg){ .index = 0, .value = 1002, .op = SPEC_SCMP_EQ };
	run_child(child_seccomp, &c, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "d1000_1001"), "55") == 0 &&
		   strcmp(field(&r, "d1002_1003"), "55") == 0 && strcmp(field(&r, "d1001_1001"), "9") == 0,
	   "seccomp: conditions on the same argument become separate rules (%s %s %s)",
	   field(&r, "d1000_1001"), field(&r, "d1002_1003"), field(&r, "d1001_1001"));

	/* Index out of range. */
	args[0] = (struct spec_seccomp_arg){ .index = 6, .value = 1, .op = SPEC_SCMP_EQ };
	rule.n_args = 1;
	run_child(child_seccomp, &c, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "argument index 6") != NULL,
	   "seccomp: argument index 6 refused (%s)", field(&r, "err"));
}

/* syscall numbers no kernel has (yet), and one newer than the profile. */
static int probe_enosys_native(void)
{
	say("getpid", errno_of(syscall(SYS_getpid)));
	say("nr1000", errno_of(syscall(1000)));
	say("nr450", errno_of(syscall(450)));
	return 0;
}

/* These filters allow little beyond write and exit: leave through the raw
 * syscall, past any exit-time work of libc or a sanitizer runtime. */
static int probe_enosys_native_exit(void)
{
	probe_enosys_native();
	syscall(SYS_exit_group, 0);
	return 0;
}

/* x32 calls are only made when the filter lists x32 (else libseccomp's
 * bad-arch action kills the caller). */
static int probe_enosys(void)
{
	probe_enosys_native();
	say("x32_getpid", errno_of(syscall(0x40000000 | SYS_getpid)));
	say("x32_1000", errno_of(syscall(0x40000000 | 1000)));
	syscall(SYS_exit_group, 0);
	return 0;
}

static void test_seccomp_enosys(void)
{
	struct spec_seccomp_syscall rule;
	struct seccomp_case c;
	struct run r;

	/* Allowed: what the probe needs to report and exit; the highest is
	 * exit_group (231 on x86_64). */
	memset(&c, 0, sizeof(c));
	c.sc.default_action = SPEC_SCMP_ACT_ERRNO;
	c.sc.architectures = STRV("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
	c.sc.syscalls = one_rule(&rule, STRV("write", "exit_group", "exit", "rt_sigreturn"),
				 SPEC_SCMP_ACT_ALLOW, -1);
	c.sc.n_syscalls = 1;
	c.probe = probe_enosys;
	run_child(child_seccomp, &c, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "getpid"), "1") == 0,
	   "seccomp enosys: a known syscall gets the default action (getpid -> %s %s)",
	   field(&r, "getpid"), field(&r, "err"));
	ok(strcmp(field(&r, "nr1000"), "38") == 0 && strcmp(field(&r, "nr450"), "38") == 0,
	   "seccomp enosys: syscalls above the profile's newest get ENOSYS (1000 -> %s, 450 -> %s)",
	   field(&r, "nr1000"), field(&r, "nr450"));
	ok(strcmp(field(&r, "x32_getpid"), "1") == 0 && strcmp(field(&r, "x32_1000"), "38") == 0,
	   "seccomp enosys: x32 numbers are checked against x32's own maximum (%s, %s)",
	   field(&r, "x32_getpid"), field(&r, "x32_1000"));

	/* A killing default too: new syscalls get ENOSYS, known ones die. */
	c.sc.default_action = SPEC_SCMP_ACT_KILL_PROCESS;
	c.sc.architectures = STRV("SCMP_ARCH_X86_64");
	c.probe = probe_enosys_native_exit;
	run_child(child_seccomp, &c, &r);
	ok(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSYS && strcmp(field(&r, "getpid"), "") == 0,
	   "seccomp enosys: a known syscall still kills with a KILL default (status %#x)", r.status);

	/* Without architectures (as runc) and with ENOSYS as the default:
	 * no stub, the default action answers. */
	c.sc.default_action = SPEC_SCMP_ACT_ERRNO;
	c.sc.architectures = NO_STRV;
	run_child(child_seccomp, &c, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "nr1000"), "1") == 0,
	   "seccomp enosys: no stub without architectures (1000 -> %s)", field(&r, "nr1000"));
	c.sc.architectures = STRV("SCMP_ARCH_X86_64");
	c.sc.default_errno_ret = (opt_u32){ true, 13 };
	run_child(child_seccomp, &c, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "getpid"), "13") == 0 && strcmp(field(&r, "nr1000"), "38") == 0,
	   "seccomp enosys: with defaultErrnoRet (getpid -> %s, 1000 -> %s)", field(&r, "getpid"),
	   field(&r, "nr1000"));
}

static int prepare_error(struct spec_seccomp *sc, char *msg, size_t size)
{
	struct ward_error err = { 0 };
	struct ward_seccomp *f = NULL;
	int rc = seccomp_prepare(sc, &f, &err);

	snprintf(msg, size, "%s", err.msg);
	seccomp_free(f);
	return rc;
}

static void test_seccomp_config(void)
{
	struct spec_seccomp_syscall rule;
	struct spec_seccomp sc;
	struct seccomp_case c;
	struct run r;
	char msg[WARD_ERROR_MSG_MAX];

	/* Flags the kernel and libseccomp support load. */
	memset(&c, 0, sizeof(c));
	c.sc.default_action = SPEC_SCMP_ACT_ALLOW;
	c.sc.flags = STRV("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
			  "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
	c.sc.syscalls = one_rule(&rule, STRV("getcwd"), SPEC_SCMP_ACT_ERRNO, 38);
	c.sc.n_syscalls = 1;
	c.probe = probe_getcwd;
	run_child(child_seccomp, &c, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "getcwd"), "38") == 0,
	   "seccomp: TSYNC, LOG and SPEC_ALLOW flags (%s%s)", field(&r, "getcwd"), field(&r, "err"));

	memset(&sc, 0, sizeof(sc));
	sc.default_action = SPEC_SCMP_ACT_ALLOW;
	sc.flags = STRV("SECCOMP_FILTER_FLAG_FAST");
	ok(prepare_error(&sc, msg, sizeof(msg)) < 0 && strstr(msg, "FLAG_FAST is not known") != NULL,
	   "seccomp: unknown flag refused (%s)", msg);
	sc.flags = STRV("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
#if SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR < 6
	ok(prepare_error(&sc, msg, sizeof(msg)) < 0 && strstr(msg, "libseccomp >= 2.6") != NULL,
	   "seccomp: WAIT_KILLABLE_RECV needs a newer libseccomp (%s)", msg);
#else
	ok(prepare_error(&sc, msg, sizeof(msg)) == 0, "seccomp: WAIT_KILLABLE_RECV accepted (%s)", msg);
#endif
	sc.flags = NO_STRV;
	sc.architectures = STRV("SCMP_ARCH_VAX");
	ok(prepare_error(&sc, msg, sizeof(msg)) < 0 && strstr(msg, "SCMP_ARCH_VAX") != NULL,
	   "seccomp: unknown architecture refused (%s)", msg);
	sc.architectures = STRV("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_X86_64");
	ok(prepare_error(&sc, msg, sizeof(msg)) == 0, "seccomp: foreign architectures accepted (%s)", msg);
	sc.architectures = NO_STRV;

	/* NOTIFY: never silently dropped. */
	sc.syscalls = one_rule(&rule, STRV("getcwd"), SPEC_SCMP_ACT_NOTIFY, -1);
	sc.n_syscalls = 1;
	ok(prepare_error(&sc, msg, sizeof(msg)) < 0 && strstr(msg, "listenerPath is not set") != NULL,
	   "seccomp: NOTIFY without listenerPath refused (%s)", msg);
	sc.listener_path = "/run/ward-test-no-agent.sock";
	ok(prepare_error(&sc, msg, sizeof(msg)) < 0 && strstr(msg, "cannot connect to the agent") != NULL &&
		   strstr(msg, sc.listener_path) != NULL,
	   "seccomp: NOTIFY with no agent at listenerPath refused at prepare (%s)", msg);
	one_rule(&rule, STRV("write"), SPEC_SCMP_ACT_NOTIFY, -1);
	ok(prepare_error(&sc, msg, sizeof(msg)) < 0 && strstr(msg, "write syscall") != NULL,
	   "seccomp: NOTIFY on write refused (%s)", msg);
	sc.n_syscalls = 0;
	sc.default_action = SPEC_SCMP_ACT_NOTIFY;
	ok(prepare_error(&sc, msg, sizeof(msg)) < 0 && strstr(msg, "default action") != NULL,
	   "seccomp: NOTIFY as default action refused (%s)", msg);

	/* A NULL config means no filter. */
	struct ward_seccomp *f = (struct ward_seccomp *)1;
	struct ward_error err = { 0 };
	ok(seccomp_prepare(NULL, &f, &err) == 0 && f == NULL && seccomp_apply(NULL, &err) == 0,
	   "seccomp: no config, no filter");
}

/* Without no_new_privileges, loading needs CAP_SYS_ADMIN. */
static int child_seccomp_no_nnp(void *arg)
{
	static const cap_value_t admin[] = { CAP_SYS_ADMIN };
	struct seccomp_case *c = arg;
	struct ward_error err = { 0 };
	struct ward_seccomp *f = NULL;

	if (seccomp_prepare(&c->sc, &f, &err) < 0)
		return report_err(&err);
	drop_own_caps(admin, 1);
	if (seccomp_apply(f, &err) < 0)
		return report_err(&err);
	return 0;
}

static void test_seccomp_no_nnp(void)
{
	struct spec_seccomp_syscall rule;
	struct seccomp_case c;
	struct run r;

	memset(&c, 0, sizeof(c));
	c.sc.default_action = SPEC_SCMP_ACT_ALLOW;
	c.sc.syscalls = one_rule(&rule, STRV("getcwd"), SPEC_SCMP_ACT_ERRNO, 38);
	c.sc.n_syscalls = 1;
	run_child(child_seccomp_no_nnp, &c, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "no_new_privileges or CAP_SYS_ADMIN") != NULL,
	   "seccomp: loading without NNP or CAP_SYS_ADMIN is a clear error (%s)", field(&r, "err"));
}

/* ==== exec ==== */

struct exec_case {
	struct spec_process p;
};

static int child_exec(void *arg)
{
	struct exec_case *c = arg;
	struct ward_error err = { 0 };

	fflush(stdout);
	process_exec(&c->p, &err);
	return report_err(&err);
}

static void test_exec(void)
{
	char pathvar[512], cwd[512], file[512], link[512];
	struct exec_case c;
	struct run r;

	snprintf(link, sizeof(link), "%s/bin/echo", tmpdir);
	snprintf(file, sizeof(file), "%s/bin/not-exec", tmpdir);
	snprintf(pathvar, sizeof(pathvar), "PATH=/nonexistent::%s/bin", tmpdir);

	/* A bare name found through process.env's PATH. */
	memset(&c, 0, sizeof(c));
	c.p.args = STRV("echo", "hello", "from", "path");
	c.p.env = STRV(pathvar);
	c.p.cwd = "/";
	run_child(child_exec, &c, &r);
	ok(exited_ok(&r) && strcmp(r.out, "hello from path\n") == 0, "exec: PATH lookup (%s)", oneline(&r));

	/* Not found anywhere in PATH. */
	c.p.args = STRV("no-such-program-xyz");
	run_child(child_exec, &c, &r);
	ok(!exited_ok(&r) &&
		   strcmp(field(&r, "err"),
			  "exec: \"no-such-program-xyz\": executable file not found in $PATH") == 0,
	   "exec: not found in $PATH (%s)", field(&r, "err"));

	/* A path to a file without execute permission. */
	c.p.args = STRV(file);
	run_child(child_exec, &c, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "Permission denied") != NULL &&
		   strstr(field(&r, "err"), "exec: \"") != NULL,
	   "exec: permission denied (%s)", field(&r, "err"));

	/* A path that does not exist, and a directory. */
	c.p.args = STRV("/nonexistent/prog");
	run_child(child_exec, &c, &r);
	ok(!exited_ok(&r) &&
		   strcmp(field(&r, "err"),
			  "exec: \"/nonexistent/prog\": stat /nonexistent/prog: No such file or directory") == 0,
	   "exec: missing path (%s)", field(&r, "err"));
	c.p.args = STRV("/tmp");
	run_child(child_exec, &c, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "Is a directory") != NULL,
	   "exec: a directory (%s)", field(&r, "err"));

	/* No PATH in the env: runc's default PATH finds /bin/busybox. */
	c.p.args = STRV("busybox", "echo", "default-path");
	c.p.env = STRV("FOO=bar");
	run_child(child_exec, &c, &r);
	ok(exited_ok(&r) && strcmp(r.out, "default-path\n") == 0, "exec: default PATH (%s%s)", oneline(&r),
	   field(&r, "err"));

	/* The environment is process.env (+ HOME from passwd). */
	c.p.args = STRV("/bin/busybox", "env");
	c.p.env = STRV("A=1", "B=two", "A=3");
	c.p.user.uid = 0;
	run_child(child_exec, &c, &r);
	ok(exited_ok(&r) && has_line(&r, "A=3") && has_line(&r, "B=two") && !has_line(&r, "A=1") &&
		   has_line(&r, "HOME=/root") && strchr(r.out, '\n') && strlen(r.out) == strlen("A=3\nB=two\nHOME=/root\n"),
	   "exec: environment is exactly process.env plus HOME (%s)", oneline(&r));
	c.p.env = STRV("HOME=/custom");
	run_child(child_exec, &c, &r);
	ok(exited_ok(&r) && strcmp(r.out, "HOME=/custom\n") == 0, "exec: HOME from the config wins (%s)",
	   oneline(&r));
	c.p.env = STRV("NOEQUALS");
	run_child(child_exec, &c, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "missing '='") != NULL,
	   "exec: malformed env entry refused (%s)", field(&r, "err"));

	/* cwd. */
	snprintf(cwd, sizeof(cwd), "%s/bin", tmpdir);
	c.p.args = STRV("/bin/busybox", "pwd");
	c.p.env = NO_STRV;
	c.p.cwd = cwd;
	run_child(child_exec, &c, &r);
	ok(exited_ok(&r) && strncmp(r.out, cwd, strlen(cwd)) == 0, "exec: cwd (%s)", oneline(&r));
	c.p.cwd = "relative/dir";
	run_child(child_exec, &c, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "not an absolute path") != NULL,
	   "exec: relative cwd refused (%s)", field(&r, "err"));
	c.p.cwd = "/nonexistent-cwd";
	run_child(child_exec, &c, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "chdir to cwd (\"/nonexistent-cwd\")") != NULL,
	   "exec: missing cwd (%s)", field(&r, "err"));
	c.p.cwd = "/";
	c.p.args = NO_STRV;
	run_child(child_exec, &c, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "args must not be empty") != NULL,
	   "exec: empty args refused (%s)", field(&r, "err"));
}

/* ==== the whole tail ==== */

struct finalize_case {
	struct spec s;
	struct spec_process p;
	bool prepare_seccomp;
};

static int child_finalize(void *arg)
{
	struct finalize_case *c = arg;
	struct ward_error err = { 0 };
	struct ward_seccomp *f = NULL;

	if (c->prepare_seccomp && seccomp_prepare(c->s.linux->seccomp, &f, &err) < 0)
		return report_err(&err);
	fflush(stdout);
	process_finalize_and_exec(&c->s, &c->p, f, &err);
	return report_err(&err);
}

static void test_finalize(void)
{
	static const char script[] =
		"cat /proc/self/status; echo oom=$(cat /proc/self/oom_score_adj); "
		"echo machine=$(uname -m); echo pwd=$(pwd); "
		"grep 'Max open files' /proc/self/limits | tr -s ' ' | sed 's/^/limits=/'; "
		"mkdir /tmp/ward-finalize-should-fail 2>&1 | sed 's/^/mkdirmsg=/'; "
		"echo stat=$(cut -d')' -f2 /proc/self/stat | cut -d' ' -f18,40)";
	uint32_t gids[] = { 10 };
	struct spec_capabilities caps = {
		.bounding = STRV("CAP_NET_BIND_SERVICE"),
		.effective = STRV("CAP_NET_BIND_SERVICE"),
		.permitted = STRV("CAP_NET_BIND_SERVICE"),
		.inheritable = STRV("CAP_NET_BIND_SERVICE"),
		.ambient = STRV("CAP_NET_BIND_SERVICE"),
	};
	struct spec_rlimit lims[] = {
		{ .type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 1000, .hard = 2000 },
	};
	struct spec_scheduler sched = { .policy = "SCHED_BATCH", .nice = { true, 3 } };
	struct spec_io_priority io = { .klass = "IOPRIO_CLASS_BE", .priority = 6 };
	struct spec_seccomp_syscall rule;
	struct spec_seccomp sc = { .default_action = SPEC_SCMP_ACT_ALLOW };
	struct spec_personality pers = { .domain = "LINUX32" };
	struct spec_linux l = { .seccomp = &sc, .personality = &pers };
	struct finalize_case c;
	char cwd[512];
	struct run r;

	snprintf(cwd, sizeof(cwd), "%s/bin", tmpdir);
	one_rule(&rule, STRV("mkdir", "mkdirat"), SPEC_SCMP_ACT_ERRNO, 38);
	sc.syscalls = &rule;
	sc.n_syscalls = 1;

	memset(&c, 0, sizeof(c));
	c.s.linux = &l;
	c.p = (struct spec_process){
		.args = STRV("sh", "-c", (char *)script),
		.env = STRV("PATH=/bin"),
		.cwd = cwd,
		.user = { .uid = 1000, .gid = 1000, .umask = { true, 027 }, .additional_gids = gids,
			  .n_additional_gids = 1 },
		.capabilities = &caps,
		.rlimits = lims,
		.n_rlimits = 1,
		.no_new_privileges = true,
		.oom_score_adj = { true, 300 },
		.io_priority = &io,
		.scheduler = &sched,
	};
	c.prepare_seccomp = true;
	run_child(child_finalize, &c, &r);
	ok(exited_ok(&r), "finalize: container process ran (%s)", field(&r, "err"));
	ok(strncmp(field(&r, "Uid"), "1000\t1000\t1000", 14) == 0 &&
		   strncmp(field(&r, "Gid"), "1000\t1000\t1000", 14) == 0,
	   "finalize: uid and gid (%s / %s)", field(&r, "Uid"), field(&r, "Gid"));
	ok(strcmp(field(&r, "Groups"), "10") == 0 || strcmp(field(&r, "Groups"), "10 ") == 0,
	   "finalize: groups (%s)", field(&r, "Groups"));
	ok(strcmp(field(&r, "Umask"), "0027") == 0, "finalize: umask (%s)", field(&r, "Umask"));
	ok(hex_field(&r, "CapEff") == CAPBIT(10) && hex_field(&r, "CapPrm") == CAPBIT(10) &&
		   hex_field(&r, "CapAmb") == CAPBIT(10) && hex_field(&r, "CapBnd") == CAPBIT(10) &&
		   hex_field(&r, "CapInh") == CAPBIT(10),
	   "finalize: a non-root process keeps exactly its ambient caps across exec (Eff %s Bnd %s)",
	   field(&r, "CapEff"), field(&r, "CapBnd"));
	ok(strcmp(field(&r, "NoNewPrivs"), "1") == 0, "finalize: no_new_privileges (%s)",
	   field(&r, "NoNewPrivs"));
	ok(strcmp(field(&r, "Seccomp"), "2") == 0 &&
		   strstr(field(&r, "mkdirmsg"), "Function not implemented") != NULL,
	   "finalize: seccomp filter in force (Seccomp %s, %s)", field(&r, "Seccomp"),
	   field(&r, "mkdirmsg"));
	ok(strcmp(field(&r, "oom"), "300") == 0, "finalize: oom_score_adj (%s)", field(&r, "oom"));
	ok(strcmp(field(&r, "machine"), "i686") == 0, "finalize: personality (%s)", field(&r, "machine"));
	ok(strcmp(field(&r, "pwd"), cwd) == 0, "finalize: cwd (%s)", field(&r, "pwd"));
	ok(strcmp(field(&r, "limits"), "Max open files 1000 2000 files ") == 0, "finalize: rlimits (%s)",
	   field(&r, "limits"));
	/* /proc/self/stat fields 19 (nice) and 41 (policy). */
	ok(strcmp(field(&r, "stat"), "3 3") == 0, "finalize: scheduler (nice policy = %s)",
	   field(&r, "stat"));

	/* Without no_new_privileges the filter is loaded while still
	 * privileged, before the uid change. */
	c.p.no_new_privileges = false;
	run_child(child_finalize, &c, &r);
	ok(exited_ok(&r) && strcmp(field(&r, "NoNewPrivs"), "0") == 0 &&
		   strcmp(field(&r, "Seccomp"), "2") == 0 &&
		   strstr(field(&r, "mkdirmsg"), "Function not implemented") != NULL,
	   "finalize: seccomp without no_new_privileges (NNP %s Seccomp %s %s)", field(&r, "NoNewPrivs"),
	   field(&r, "Seccomp"), field(&r, "err"));

	/* A failure is returned, not exec'd past. */
	c.p.args = STRV("no-such-program-xyz");
	run_child(child_finalize, &c, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "executable file not found in $PATH") != NULL,
	   "finalize: exec failure returned (%s)", field(&r, "err"));
	c.p.args = STRV("sh", "-c", (char *)script);
	c.p.apparmor_profile = "ward-default";
	run_child(child_finalize, &c, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "AppArmor is not enabled") != NULL,
	   "finalize: apparmor profile on a host without AppArmor is an error (%s)", field(&r, "err"));
	c.p.apparmor_profile = NULL;
	c.p.selinux_label = "system_u:system_r:container_t:s0";
	run_child(child_finalize, &c, &r);
	ok(!exited_ok(&r) && strstr(field(&r, "err"), "selinux") != NULL,
	   "finalize: selinux label on a host without SELinux is an error (%s)", field(&r, "err"));
}

/* A profile in the shape of the usual container defaults: several hundred
 * rules (libseccomp's binary tree), three architectures, a denying
 * default and the -ENOSYS stub, with a real shell running under it. */
static void test_finalize_big_profile(void)
{
	static const char script[] = "echo start; mkdir /tmp/ward-big-should-fail 2>&1; "
				     "grep Seccomp: /proc/self/status; echo done";
	struct spec_seccomp_syscall *rules = calloc(600, sizeof(*rules));
	char **names = calloc(600, sizeof(char *));
	struct spec_seccomp sc = {
		.default_action = SPEC_SCMP_ACT_ERRNO,
		.architectures = STRV("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
		.syscalls = rules,
	};
	struct spec_linux l = { .seccomp = &sc };
	struct finalize_case c;
	struct run r;
	size_t n = 0;

	for (int nr = 0; nr < 600 && n < 598; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);

		if (name == NULL)
			continue;
		if (strcmp(name, "mkdir") == 0 || strcmp(name, "mkdirat") == 0) {
			free(name);
			continue;
		}
		names[n] = name;
		rules[n].names = (struct spec_strv){ &names[n], 1 };
		rules[n].action = SPEC_SCMP_ACT_ALLOW;
		n++;
	}
	rules[n].names = STRV("mkdir", "mkdirat");
	rules[n].action = SPEC_SCMP_ACT_ERRNO;
	rules[n].errno_ret = (opt_u32){ true, 38 };
	sc.n_syscalls = n + 1;

	memset(&c, 0, sizeof(c));
	c.s.linux = &l;
	c.p = (struct spec_process){
		.args = STRV("/bin/busybox", "sh", "-c", (char *)script),
		.cwd = "/",
		.user = { .uid = 1000, .gid = 1000 },
		.no_new_privileges = true,
	};
	c.prepare_seccomp = true;
	run_child(child_finalize, &c, &r);
	ok(exited_ok(&r) && has_line(&r, "done") && strstr(r.out, "Function not implemented") != NULL &&
		   strcmp(field(&r, "Seccomp"), "2") == 0,
	   "finalize: a shell runs under a %zu-rule profile (%s)", n + 1, oneline(&r));
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(rules);
	rmdir("/tmp/ward-big-should-fail");
}

/* In a private mount namespace with an empty /sys (a container that
 * mounts no sysfs), the AppArmor check falls back to procfs. */
static int child_apparmor_no_sysfs(void *arg)
{
	struct spec_process *p = arg;
	struct ward_error err = { 0 };

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/sys", "tmpfs", 0, NULL) < 0)
		return printf("err=mount: %s\n", strerror(errno)), 2;
	printf("sys_module=%d\n", access("/sys/module", F_OK) == 0);
	if (apparmor_apply(p, &err) < 0)
		return report_err(&err);
	return 0;
}

static void test_apparmor(void)
{
	struct spec_process p = { .apparmor_profile = "ward-default" };
	struct spec_process none = { .apparmor_profile = "" };
	bool host_has = access("/sys/module/apparmor/parameters/enabled", F_OK) == 0;
	struct ward_error err = { 0 };
	struct run r;

	ok(apparmor_apply(&none, &err) == 0, "apparmor: no profile, nothing to do");
	if (host_has) {
		diag("AppArmor is present on this host: its checks need a host without it");
		return;
	}
	run_child(child_apparmor_no_sysfs, &p, &r);
	ok(strcmp(field(&r, "sys_module"), "0") == 0 && !exited_ok(&r) &&
		   strstr(field(&r, "err"), "AppArmor is not enabled") != NULL,
	   "apparmor: without sysfs, procfs tells AppArmor is off (%s)", field(&r, "err"));
}

static void make_tmpdir(void)
{
	char path[512];
	int fd;

	if (mkdtemp(tmpdir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/bin", tmpdir);
	mkdir(path, 0755);
	chmod(tmpdir, 0755);
	snprintf(path, sizeof(path), "%s/bin/echo", tmpdir);
	if (symlink("/bin/busybox", path) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/bin/not-exec", tmpdir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "#!/bin/sh\n", 10) != 10)
		abort();
	close(fd);
}

static void remove_tmpdir(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/bin/echo", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bin/not-exec", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bin", tmpdir);
	rmdir(path);
	rmdir(tmpdir);
	rmdir("/tmp/ward-finalize-should-fail"); /* only there if seccomp failed */
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root\n");
		return 0;
	}
	make_tmpdir();
	test_caps();
	test_caps_not_held();
	test_user();
	test_user_setgroups_deny();
	test_rlimits();
	test_oom();
	test_personality();
	test_ioprio();
	test_scheduler();
	test_uts();
	test_sysctl();
	test_seccomp_actions();
	test_seccomp_args();
	test_seccomp_config();
	test_seccomp_enosys();
	test_seccomp_no_nnp();
	test_exec();
	test_finalize();
	test_finalize_big_profile();
	test_apparmor();
	remove_tmpdir();
	return tap_done();
}
