/* runtime/landlock.c, tested for real: annotation parsing in-process; each
 * enforcement case in a forked child that applies a ruleset built from a
 * hand-made spec whose "/" is a temporary tree (landlock_apply_at), then
 * probes the filesystem, TCP and scoping and reports errno values through
 * a pipe as "name value" lines. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "landlock.h"
#include "tap.h"

#define STRV(...)                                                                      \
	((struct spec_strv){ .items = (char *[]){ __VA_ARGS__, NULL },                 \
			     .len = sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *) })
#define KV(k, v) ((struct spec_kv){ .key = (char *)(k), .value = (char *)(v) })
#define MAP(...)                                                                       \
	((struct spec_map){ .items = (struct spec_kv[]){ __VA_ARGS__ },                \
			    .len = sizeof((struct spec_kv[]){ __VA_ARGS__ }) / sizeof(struct spec_kv) })
#define ON KV(WARD_LANDLOCK_ANNOTATION, "true")

static char tmp[] = "/tmp/ward-landlock-XXXXXX";
static char root[256], outside[256];
static bool have_busybox;
static int abi;
static int devnull = -1; /* opened before any ruleset: /dev is outside the tree */

static const char *P(const char *base, const char *rel)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", base, rel);
	return buf[i];
}

/* ---- parsing ---- */

static int prep(const struct spec_map *ann, int with_abi, struct ward_landlock **out,
		struct ward_error *e)
{
	struct spec s = { .annotations = *ann };

	ward_error_clear(e);
	return landlock_prepare_abi(&s, with_abi, out, e);
}

static void expect_error(struct spec_map ann, int with_abi, const char *needle, const char *what)
{
	struct ward_landlock *l = NULL;
	struct ward_error e;
	int r = prep(&ann, with_abi, &l, &e);

	ok(r < 0 && l == NULL && strstr(e.msg, needle) != NULL, "%s: error naming %s", what, needle);
	if (r == 0 || !strstr(e.msg, needle))
		diag("r=%d msg=%s", r, e.msg);
	landlock_free(l);
}

static void expect_plan(struct spec_map ann, int with_abi, bool enabled, const char *what)
{
	struct ward_landlock *l = NULL;
	struct ward_error e;
	int r = prep(&ann, with_abi, &l, &e);

	ok(r == 0 && (l != NULL) == enabled, "%s", what);
	if (r < 0)
		diag("%s", e.msg);
	landlock_free(l);
}

static void test_parse(void)
{
	struct spec none = { 0 };
	struct ward_landlock *l = (struct ward_landlock *)&none; /* must become NULL */
	struct ward_error e = { 0 };

	ok(landlock_prepare(&none, &l, &e) == 0 && l == NULL, "no annotation: not enabled");
	expect_plan(MAP(KV(WARD_LANDLOCK_ANNOTATION, "false")), 7, false, "\"false\": not enabled");
	expect_plan(MAP(ON), 7, true, "\"true\": enabled");
	expect_plan(MAP(KV("run.ward.landlockish", "x")), 7, false, "a key outside the prefix is not ours");
	expect_error(MAP(KV(WARD_LANDLOCK_ANNOTATION, "yes")), 7, "\"run.ward.landlock\": \"yes\"",
		     "bad boolean");
	expect_error(MAP(KV(WARD_LANDLOCK_ANNOTATION, "TRUE")), 7, "run.ward.landlock", "booleans are exact");
	expect_error(MAP(KV(WARD_LANDLOCK_ANNOTATION_TCP_BIND, "80")), 7, "is not \"true\"",
		     "option without enabling");
	expect_error(MAP(KV(WARD_LANDLOCK_ANNOTATION, "false"), KV(WARD_LANDLOCK_ANNOTATION_SCOPE, "")), 7,
		     "is not \"true\"", "option with \"false\"");
	expect_error(MAP(ON, KV("run.ward.landlock.tcp_bind", "80")), 7, "run.ward.landlock.tcp_bind",
		     "unknown option (typo)");

	static const char *const bad_ports[] = { "80,x", "80,", ",80", "80,,443", "70000", "9-3",
						 " 80", "-1", "+80", "80-", "1e3", "0x50" };
	for (size_t i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "tcp-bind \"%s\"", bad_ports[i]);
		expect_error(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_TCP_BIND, bad_ports[i])), 7,
			     WARD_LANDLOCK_ANNOTATION_TCP_BIND, what);
	}
	expect_error(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_TCP_CONNECT, "443,0")), 7,
		     WARD_LANDLOCK_ANNOTATION_TCP_CONNECT, "connect to port 0");
	expect_plan(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_TCP_BIND, "")), 7, true, "tcp-bind \"\" (none)");
	expect_plan(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_TCP_BIND, "0,80,8000-8009,65535"),
			KV(WARD_LANDLOCK_ANNOTATION_TCP_CONNECT, "443,80")),
		    7, true, "ports and ranges");
	expect_plan(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_TCP_BIND, "0-65535")), 7, true, "the whole range");
	expect_error(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_TCP_BIND, "80")), 3, "ABI 4",
		     "ports on ABI 3: fail closed");
	expect_error(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_TCP_CONNECT, "")), 3, "ABI 4",
		     "empty connect list on ABI 3: fail closed");

	expect_error(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_SCOPE, "signals")), 7,
		     WARD_LANDLOCK_ANNOTATION_SCOPE, "bad scope");
	expect_error(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_SCOPE, "signal,")), 7,
		     WARD_LANDLOCK_ANNOTATION_SCOPE, "scope trailing comma");
	expect_plan(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_SCOPE, "abstract-unix-socket,signal")), 7, true,
		    "both scopes");
	expect_error(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_SCOPE, "signal")), 5, "ABI 6",
		     "explicit scope on ABI 5: fail closed");
	expect_plan(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_SCOPE, "")), 5, true, "no scope on ABI 5");
	expect_plan(MAP(ON), 1, true, "default scope on ABI 1 is best effort");

	expect_error(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_MIN_ABI, "x")), 7,
		     WARD_LANDLOCK_ANNOTATION_MIN_ABI, "min-abi not a number");
	expect_error(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_MIN_ABI, "0")), 7,
		     WARD_LANDLOCK_ANNOTATION_MIN_ABI, "min-abi 0");
	expect_error(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_MIN_ABI, "3")), 2, "asks for Landlock ABI 3",
		     "min-abi above the kernel's");
	expect_plan(MAP(ON, KV(WARD_LANDLOCK_ANNOTATION_MIN_ABI, "3")), 3, true, "min-abi met");

	expect_error(MAP(ON), 0, "offers no Landlock", "enabled without kernel support: fail closed");

	/* The test-only override: "0" simulates a kernel without Landlock. */
	setenv("WARD_TEST_LANDLOCK_ABI", "0", 1);
	is_int(landlock_abi(), 0, "WARD_TEST_LANDLOCK_ABI=0: no Landlock");
	{
		struct spec s = { .annotations = MAP(ON) };

		l = NULL;
		ok(landlock_prepare(&s, &l, &e) < 0 && l == NULL && strstr(e.msg, "refusing to run unconfined"),
		   "landlock_prepare refuses when Landlock is missing");
	}
	setenv("WARD_TEST_LANDLOCK_ABI", "1", 1);
	is_int(landlock_abi(), abi, "other override values are ignored (cannot lower confinement)");
	unsetenv("WARD_TEST_LANDLOCK_ABI");
}

/* ---- running a case in a child ---- */

struct result {
	char buf[8192];
	int status;
};

typedef void (*child_fn)(int out, void *arg);

static void rec(int out, const char *name, int value)
{
	dprintf(out, "%s %d\n", name, value);
}

static void run_child(child_fn fn, void *arg, struct result *r)
{
	int p[2];
	size_t len = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		close(p[0]);
		fn(p[1], arg);
		_exit(0);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], r->buf + len, sizeof(r->buf) - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	waitpid(pid, &r->status, 0);
}

/* The value reported for `name`, or -9999 when the child did not report. */
static int got(const struct result *r, const char *name)
{
	size_t n = strlen(name);

	for (const char *l = r->buf; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
		if (strncmp(l, name, n) == 0 && l[n] == ' ')
			return atoi(l + n + 1);
	return -9999;
}

static void expect(const struct result *r, const char *name, int want, const char *what)
{
	int v = got(r, name);

	if (!is_int(v, want, "%s", what) && v == -9999)
		diag("child said:\n%s", r->buf);
}

static int errno_of(int rc)
{
	return rc < 0 ? errno : 0;
}

static int try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int try_create(const char *path)
{
	int r = try_open(path, O_WRONLY | O_CREAT | O_EXCL);

	if (r == 0)
		unlink(path);
	return r;
}

/* Run argv in a grandchild: its exit status, or 1000 + errno of execv. */
static int try_exec(char *const argv[])
{
	int st;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		dup2(devnull, 1);
		dup2(devnull, 2);
		execv(argv[0], argv);
		_exit(errno == EACCES ? 126 : 127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Prepare from `s` with the kernel's ABI and apply with "/" = root; report
 * "apply" (0 or -1) and keep the message. */
static bool child_apply(int out, const struct spec *s)
{
	struct ward_landlock *l = NULL;
	struct ward_error e = { 0 };
	int r;

	/* Without CAP_SYS_ADMIN (tests run as a user), Landlock needs NNP. */
	if (geteuid() != 0)
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	r = landlock_prepare(s, &l, &e);
	if (r == 0)
		r = landlock_apply_at(l, root, &e);
	landlock_free(l);
	rec(out, "apply", r);
	if (r < 0)
		dprintf(out, "msg %s\n", e.msg);
	return r == 0;
}

/* ---- filesystem, read-write root ---- */

static void child_rw_root(int out, void *arg)
{
	struct spec_mount mounts[] = {
		{ .destination = "/data", .type = "bind", .source = "/x", .options = STRV("rbind") },
		{ .destination = "/ro", .type = "bind", .source = "/x", .options = STRV("rbind", "ro") },
	};
	struct spec_root r = { .path = root, .readonly = false };
	struct spec s = { .root = &r, .mounts = mounts, .n_mounts = 2, .annotations = MAP(ON) };
	char procroot[600];
	int outfd, logfd;
	bool can_mount;

	(void)arg;
	outfd = open(outside, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* stdin: a host file outside the tree, write-only (see apply_stdio). */
	logfd = open(P(outside, "log"), O_WRONLY | O_CLOEXEC);
	if (logfd < 0 || dup2(logfd, 0) < 0)
		rec(out, "setup", errno);
	/* A private mount namespace of our own, so the mount probe below can
	 * never touch the host's even if it were allowed. */
	can_mount = unshare(CLONE_NEWNS) == 0 &&
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	if (!child_apply(out, &s))
		return;

	rec(out, "read-in", try_open(P(root, "file"), O_RDONLY));
	rec(out, "write-in", try_open(P(root, "file"), O_WRONLY));
	rec(out, "create-in", try_create(P(root, "new")));
	rec(out, "mkdir-in", errno_of(mkdir(P(root, "newdir"), 0755)));
	rmdir(P(root, "newdir"));
	rec(out, "create-ro-mount", try_create(P(root, "ro/new")));
	rec(out, "rename-across", errno_of(rename(P(root, "a/f"), P(root, "b/f"))));
	rename(P(root, "b/f"), P(root, "a/f"));
	rec(out, "read-out", try_open(P(outside, "secret"), O_RDONLY));
	rec(out, "list-out", try_open(outside, O_RDONLY | O_DIRECTORY));
	rec(out, "create-out", try_create(P(outside, "new")));
	rec(out, "read-etc", try_open("/etc/hostname", O_RDONLY));
	rec(out, "fd-out", outfd >= 0 ? errno_of(openat(outfd, "secret", O_RDONLY | O_CLOEXEC)) : -1);
	snprintf(procroot, sizeof(procroot), "/proc/%d/root%s/secret", (int)getppid(), outside);
	rec(out, "procroot-out", try_open(procroot, O_RDONLY));
	rec(out, "stdin-reopen-w", try_open("/proc/self/fd/0", O_WRONLY | O_APPEND));
	rec(out, "stdin-reopen-trunc", try_open("/proc/self/fd/0", O_WRONLY | O_TRUNC));
	rec(out, "stdin-reopen-r", try_open("/proc/self/fd/0", O_RDONLY));
	if (can_mount)
		rec(out, "mount", errno_of(mount("ward-ll", P(root, "data"), "tmpfs", 0, NULL)));
	if (have_busybox) {
		rec(out, "exec-in", try_exec((char *[]){ (char *)P(root, "bin/busybox"), "true", NULL }));
		rec(out, "exec-out", try_exec((char *[]){ "/bin/true", NULL }));
		rec(out, "exec-in-read-out",
		    try_exec((char *[]){ (char *)P(root, "bin/busybox"), "cat", (char *)P(outside, "secret"),
					 NULL }));
	}
}

static void test_rw_root(void)
{
	struct result r;

	run_child(child_rw_root, NULL, &r);
	if (!is_int(got(&r, "apply"), 0, "rw root: ruleset applied"))
		diag("%s", r.buf);
	expect(&r, "read-in", 0, "rw root: read inside");
	expect(&r, "write-in", 0, "rw root: write inside");
	expect(&r, "create-in", 0, "rw root: create inside");
	expect(&r, "mkdir-in", 0, "rw root: mkdir inside");
	expect(&r, "create-ro-mount", 0,
	       "rw root: a ro mount gets write from the \"/\" rule (rules add up; the mount flag protects it)");
	expect(&r, "rename-across", abi >= 2 ? 0 : EXDEV, "rw root: rename across directories (REFER)");
	expect(&r, "read-out", EACCES, "outside the root: read refused");
	expect(&r, "list-out", EACCES, "outside the root: readdir refused");
	expect(&r, "create-out", EACCES, "outside the root: create refused");
	expect(&r, "read-etc", EACCES, "the host's /etc is outside");
	expect(&r, "fd-out", EACCES, "a directory fd from outside cannot be used to open files");
	expect(&r, "procroot-out", EACCES, "/proc/<pid>/root of a process outside: refused");
	expect(&r, "stdin-reopen-w", 0, "stdio file outside: reopen with its own mode works");
	expect(&r, "stdin-reopen-trunc", 0, "stdio file outside: reopen with O_TRUNC works");
	expect(&r, "stdin-reopen-r", EACCES, "stdio file outside: reopen cannot widen the mode");
	if (got(&r, "mount") != -9999)
		expect(&r, "mount", EPERM, "mount(2) refused once confined");
	else
		ok(true, "# SKIP no private mount namespace");
	if (have_busybox) {
		expect(&r, "exec-in", 0, "exec inside the root");
		expect(&r, "exec-out", 126, "exec outside the root refused");
		expect(&r, "exec-in-read-out", 1, "confinement survives execve");
	} else {
		for (int i = 0; i < 3; i++)
			ok(true, "# SKIP no /bin/busybox");
	}
	is_int(WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1, 0, "rw root: child exited cleanly");
}

/* ---- filesystem, read-only root ---- */

static void child_ro_root(int out, void *arg)
{
	struct spec_mount mounts[] = {
		{ .destination = "/data/", .type = "bind", .source = "/x", .options = STRV("rbind", "noexec") },
		{ .destination = "//ro", .type = "bind", .source = "/x", .options = STRV("rbind", "rro") },
		{ .destination = "/rw", .type = "tmpfs", .source = "tmpfs", .options = STRV("ro", "rw") },
		{ .destination = "/etc/hosts", .type = "bind", .source = "/x", .options = STRV("bind") },
		/* A symlink in the image pointing up and out: resolved inside the root. */
		{ .destination = "/evil", .type = "bind", .source = "/x", .options = STRV("bind") },
		{ .destination = "/nd", .type = "tmpfs", .source = "tmpfs", .options = STRV("nodev") },
	};
	struct spec_device dev = { .type = "c", .path = "/null", .major = 1, .minor = 3 };
	struct spec_linux lx = { .devices = &dev, .n_devices = 1 };
	struct spec_root r = { .path = root, .readonly = true };
	struct spec s = { .root = &r, .mounts = mounts, .n_mounts = 6, .linux = &lx,
			  .annotations = MAP(ON) };

	(void)arg;
	if (!child_apply(out, &s))
		return;
	rec(out, "read-in", try_open(P(root, "file"), O_RDONLY));
	rec(out, "write-in", try_open(P(root, "file"), O_WRONLY));
	rec(out, "create-in", try_create(P(root, "new")));
	rec(out, "create-data", try_create(P(root, "data/new")));
	rec(out, "create-ro", try_create(P(root, "ro/new")));
	rec(out, "create-rw", try_create(P(root, "rw/new")));
	rec(out, "write-hosts", try_open(P(root, "etc/hosts"), O_WRONLY));
	rec(out, "write-etc-other", try_open(P(root, "etc/other"), O_WRONLY));
	rec(out, "create-symlink-target", try_create(P(root, "outside/new")));
	rec(out, "create-out", try_create(P(outside, "new")));
	rec(out, "write-dev", try_open(P(root, "dev/null"), O_WRONLY));
	rec(out, "write-device", try_open(P(root, "null"), O_WRONLY));
	if (geteuid() == 0) {
		rec(out, "mknod-rw", errno_of(mknod(P(root, "data/c"), S_IFCHR | 0600, makedev(1, 3))));
		unlink(P(root, "data/c"));
		rec(out, "mknod-nodev", errno_of(mknod(P(root, "nd/c"), S_IFCHR | 0600, makedev(1, 3))));
		unlink(P(root, "nd/c"));
	}
	if (have_busybox) {
		rec(out, "exec-in", try_exec((char *[]){ (char *)P(root, "bin/busybox"), "true", NULL }));
		rec(out, "exec-noexec",
		    try_exec((char *[]){ (char *)P(root, "data/busybox"), "true", NULL }));
	}
}

static void test_ro_root(void)
{
	struct result r;

	run_child(child_ro_root, NULL, &r);
	if (!is_int(got(&r, "apply"), 0, "ro root: ruleset applied"))
		diag("%s", r.buf);
	expect(&r, "read-in", 0, "ro root: read inside");
	expect(&r, "write-in", EACCES, "ro root: write refused");
	expect(&r, "create-in", EACCES, "ro root: create refused");
	expect(&r, "create-data", 0, "ro root: create in a rw bind mount");
	expect(&r, "create-ro", EACCES, "ro root: create in a \"rro\" mount refused");
	expect(&r, "create-rw", 0, "ro root: \"ro\" then \"rw\": the last one wins");
	expect(&r, "write-hosts", 0, "ro root: write a rw file mount");
	expect(&r, "write-etc-other", EACCES, "ro root: its neighbour stays read-only");
	expect(&r, "create-symlink-target", 0, "a symlinked destination resolves inside the root");
	expect(&r, "create-out", EACCES, "... and grants nothing outside it");
	expect(&r, "write-dev", 0, "ro root: /dev (no mount of its own) stays writable");
	expect(&r, "write-device", 0, "ro root: a linux.devices path outside /dev stays writable");
	if (geteuid() == 0) {
		expect(&r, "mknod-rw", 0, "ro root: mknod in a rw mount");
		expect(&r, "mknod-nodev", EACCES, "ro root: mknod in a nodev mount refused");
	} else {
		ok(true, "# SKIP needs CAP_MKNOD");
		ok(true, "# SKIP needs CAP_MKNOD");
	}
	if (have_busybox) {
		expect(&r, "exec-in", 0, "ro root: exec allowed");
		expect(&r, "exec-noexec", 0,
		       "noexec is the mount flag's job: the \"/\" rule grants execute beneath it");
	} else {
		ok(true, "# SKIP no /bin/busybox");
		ok(true, "# SKIP no /bin/busybox");
	}
}

/* ---- errors while applying ---- */

static void child_missing_mount(int out, void *arg)
{
	struct spec_mount m = { .destination = "/does/not/exist", .type = "tmpfs", .source = "tmpfs",
				.options = STRV("rw") };
	struct spec_root r = { .path = root, .readonly = true };
	struct spec s = { .root = &r, .mounts = &m, .n_mounts = 1, .annotations = MAP(ON) };

	(void)arg;
	child_apply(out, &s);
	/* Not applied: nothing may have been enforced half-way. */
	rec(out, "read-out", try_open(P(outside, "secret"), O_RDONLY));
}

static void child_no_privilege(int out, void *arg)
{
	struct spec s = { .annotations = MAP(ON) };
	struct ward_landlock *l = NULL;
	struct ward_error e = { 0 };
	cap_t caps = cap_get_proc();
	cap_value_t sysadmin = CAP_SYS_ADMIN;
	int r;

	(void)arg;
	if (!caps || cap_set_flag(caps, CAP_EFFECTIVE, 1, &sysadmin, CAP_CLEAR) < 0 ||
	    cap_set_proc(caps) < 0) {
		rec(out, "setup", errno);
		return;
	}
	cap_free(caps);
	if (landlock_prepare(&s, &l, &e) < 0) {
		rec(out, "prepare", -1);
		return;
	}
	r = landlock_apply_at(l, root, &e);
	rec(out, "apply-no-cap", r);
	rec(out, "apply-no-cap-eperm", e.errnum == EPERM && strstr(e.msg, "no_new_privileges") != NULL);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	ward_error_clear(&e);
	rec(out, "apply-nnp", landlock_apply_at(l, root, &e));
	landlock_free(l);
}

static void test_apply_errors(void)
{
	struct result r;

	run_child(child_missing_mount, NULL, &r);
	ok(got(&r, "apply") == -1 && strstr(r.buf, "/does/not/exist") != NULL,
	   "a missing mount destination is an error naming it");
	expect(&r, "read-out", 0, "... and nothing was enforced");

	if (geteuid() != 0) {
		ok(true, "# SKIP needs root");
		ok(true, "# SKIP needs root");
		ok(true, "# SKIP needs root");
		return;
	}
	run_child(child_no_privilege, NULL, &r);
	expect(&r, "apply-no-cap", -1, "without CAP_SYS_ADMIN nor no_new_privileges: refused");
	expect(&r, "apply-no-cap-eperm", 1, "... with EPERM and a message saying why");
	expect(&r, "apply-nnp", 0, "with no_new_privileges: applied");
}

/* ---- TCP ---- */

struct net_arg {
	const char *bind_list, *connect_list;
	int port_ok, port_other, listen_port, closed_port;
};

static int try_bind(int type, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	int r;

	if (fd < 0)
		return errno;
	r = bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ? errno : 0;
	close(fd);
	return r;
}

static int try_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r;

	if (fd < 0)
		return errno;
	r = connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ? errno : 0;
	close(fd);
	return r;
}

static void child_net(int out, void *arg)
{
	struct net_arg *n = arg;
	struct spec_kv kv[3] = { ON };
	size_t len = 1;
	struct spec s = { 0 };

	if (n->bind_list)
		kv[len++] = KV(WARD_LANDLOCK_ANNOTATION_TCP_BIND, n->bind_list);
	if (n->connect_list)
		kv[len++] = KV(WARD_LANDLOCK_ANNOTATION_TCP_CONNECT, n->connect_list);
	s.annotations = (struct spec_map){ .items = kv, .len = len };
	if (!child_apply(out, &s))
		return;
	rec(out, "bind-listed", try_bind(SOCK_STREAM, n->port_ok));
	rec(out, "bind-other", try_bind(SOCK_STREAM, n->port_other));
	rec(out, "bind-udp-other", try_bind(SOCK_DGRAM, n->port_other));
	rec(out, "connect-listed", try_connect(n->listen_port));
	rec(out, "connect-other", try_connect(n->closed_port));
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int port;

	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void test_net(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char bind_list[16], connect_list[16];
	struct net_arg n = { 0 };
	struct result r;

	if (abi < 4) {
		for (int i = 0; i < 10; i++)
			ok(true, "# SKIP Landlock ABI %d < 4", abi);
		return;
	}
	bind(lfd, (struct sockaddr *)&a, sizeof(a));
	listen(lfd, 8);
	getsockname(lfd, (struct sockaddr *)&a, &alen);
	n.listen_port = ntohs(a.sin_port);
	n.port_ok = free_port();
	do
		n.port_other = free_port();
	while (n.port_other == n.port_ok);
	n.closed_port = n.port_other;
	snprintf(bind_list, sizeof(bind_list), "%d", n.port_ok);
	snprintf(connect_list, sizeof(connect_list), "%d", n.listen_port);

	n.bind_list = bind_list;
	n.connect_list = connect_list;
	run_child(child_net, &n, &r);
	expect(&r, "apply", 0, "tcp: ruleset applied");
	expect(&r, "bind-listed", 0, "tcp: bind to a listed port");
	expect(&r, "bind-other", EACCES, "tcp: bind to another port refused");
	expect(&r, "bind-udp-other", 0, "udp is not restricted");
	expect(&r, "connect-listed", 0, "tcp: connect to a listed port");
	expect(&r, "connect-other", EACCES, "tcp: connect to another port refused");

	n.bind_list = NULL;
	n.connect_list = "";
	run_child(child_net, &n, &r);
	expect(&r, "connect-listed", EACCES, "tcp-connect \"\": every connect refused");
	expect(&r, "bind-other", 0, "tcp-bind absent: bind unrestricted");

	n.bind_list = "";
	n.connect_list = NULL;
	run_child(child_net, &n, &r);
	expect(&r, "bind-listed", EACCES, "tcp-bind \"\": every bind refused");
	expect(&r, "connect-other", ECONNREFUSED,
	       "tcp-connect absent: connect unrestricted (the kernel answers, not Landlock)");
	close(lfd);
}

/* ---- scoping ---- */

static struct sockaddr_un abstract_addr;
static socklen_t abstract_len;

struct scope_arg {
	const char *scope; /* NULL: absent */
	bool netns, pidns; /* namespace entries in the spec */
};

static void child_scope(int out, void *arg)
{
	struct scope_arg *a = arg;
	struct spec_kv kv[2] = { ON, KV(WARD_LANDLOCK_ANNOTATION_SCOPE, a->scope) };
	struct spec_namespace ns[2];
	struct spec_linux lx = { .namespaces = ns };
	struct spec s = { .linux = &lx };
	int fd;

	s.annotations = (struct spec_map){ .items = kv, .len = a->scope ? 2 : 1 };
	if (a->netns)
		ns[lx.n_namespaces++] = (struct spec_namespace){ .type = SPEC_NS_NETWORK };
	if (a->pidns)
		ns[lx.n_namespaces++] = (struct spec_namespace){ .type = SPEC_NS_PID };
	if (!child_apply(out, &s))
		return;
	rec(out, "kill-parent", errno_of(kill(getppid(), 0)));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	rec(out, "abstract-connect",
	    errno_of(connect(fd, (struct sockaddr *)&abstract_addr, abstract_len)));
	close(fd);
}

static void test_scope(void)
{
	struct scope_arg a = { 0 };
	struct result r;
	int lfd;

	if (abi < 6) {
		for (int i = 0; i < 8; i++)
			ok(true, "# SKIP Landlock ABI %d < 6", abi);
		return;
	}
	abstract_addr.sun_family = AF_UNIX;
	snprintf(abstract_addr.sun_path + 1, sizeof(abstract_addr.sun_path) - 1, "ward-ll-test-%d",
		 (int)getpid());
	abstract_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				   strlen(abstract_addr.sun_path + 1));
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bind(lfd, (struct sockaddr *)&abstract_addr, abstract_len);
	listen(lfd, 8);

	a.scope = "signal,abstract-unix-socket";
	run_child(child_scope, &a, &r);
	expect(&r, "kill-parent", EPERM, "scope signal: cannot signal outside the domain");
	expect(&r, "abstract-connect", EPERM, "scope abstract-unix-socket: cannot connect outside");

	a.scope = "";
	run_child(child_scope, &a, &r);
	expect(&r, "kill-parent", 0, "scope \"\": signals allowed");
	expect(&r, "abstract-connect", 0, "scope \"\": abstract sockets allowed");

	a.scope = NULL; /* default, sharing the host's net and pid namespaces */
	run_child(child_scope, &a, &r);
	expect(&r, "kill-parent", EPERM, "default, host pid namespace: signals scoped");
	expect(&r, "abstract-connect", EPERM, "default, host network: abstract sockets scoped");

	a.netns = a.pidns = true;
	run_child(child_scope, &a, &r);
	expect(&r, "kill-parent", 0, "default, own pid namespace: signals not scoped");
	expect(&r, "abstract-connect", 0, "default, own network namespace: not scoped");
	close(lfd);
}

/* ---- the tree ---- */

static int write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, strlen(data));
	close(fd);
	return n < 0 ? -1 : 0;
}

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), outfd;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -1;
	outfd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	while (outfd >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(outfd, buf, (size_t)n) != n)
			break;
	close(in);
	if (outfd < 0)
		return -1;
	close(outfd);
	return 0;
}

static void make_tree(void)
{
	static const char *const dirs[] = { "root", "root/a", "root/b", "root/data", "root/ro",
					    "root/rw", "root/nd", "root/etc", "root/bin", "root/outside",
					    "root/dev", "outside" };

	if (!mkdtemp(tmp))
		abort();
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		mkdir(P(tmp, dirs[i]), 0755);
	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	write_file(P(root, "file"), "inside\n", 0644);
	write_file(P(root, "a/f"), "f\n", 0644);
	write_file(P(root, "etc/hosts"), "127.0.0.1 localhost\n", 0644);
	write_file(P(root, "etc/other"), "x\n", 0644);
	write_file(P(outside, "secret"), "secret\n", 0644);
	write_file(P(outside, "log"), "", 0644);
	symlink("../../../outside", P(root, "evil"));
	/* Device nodes: mknod needs CAP_MKNOD; without it, regular files
	 * stand in (the rules are the same). */
	if (mknod(P(root, "dev/null"), S_IFCHR | 0666, makedev(1, 3)) < 0)
		write_file(P(root, "dev/null"), "", 0666);
	if (mknod(P(root, "null"), S_IFCHR | 0666, makedev(1, 3)) < 0)
		write_file(P(root, "null"), "", 0666);
	have_busybox = copy_file("/bin/busybox", P(root, "bin/busybox")) == 0 &&
		       copy_file("/bin/busybox", P(root, "data/busybox")) == 0;
}

static void remove_tree(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (strncmp(tmp, "/tmp/ward-landlock-", 19) == 0 && system(cmd) != 0)
		diag("could not remove %s", tmp);
}

int main(void)
{
	abi = landlock_abi();
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	diag("Landlock ABI %d", abi);
	test_parse();
	if (abi < 1) {
		diag("no Landlock on this kernel: enforcement cases skipped");
		return tap_done();
	}
	make_tree();
	test_rw_root();
	test_ro_root();
	test_apply_errors();
	test_net();
	test_scope();
	remove_tree();
	return tap_done();
}
