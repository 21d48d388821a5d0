/* safepath.c: resolution inside a root that symlinks, ".." and /proc magic
 * links cannot escape. Every case runs twice, in two child processes: once
 * with openat2(RESOLVE_IN_ROOT) and once with the fallback walk
 * (WARD_TEST_NO_OPENAT2=1, read once per process). The children report
 * each result through a pipe; this process prints TAP. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "tap.h"

static char top[64];      /* the temp dir */
static char root[128];    /* top/root: the container root */
static char outside[128]; /* top/outside: must never be touched */
static int report_fd = -1;

/* ---- child side: results go up the pipe as "<0|1> <description>" ---- */

static __attribute__((format(printf, 2, 3))) bool check(bool cond, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		buf[0] = '\0';
	dprintf(report_fd, "%d %s\n", cond ? 1 : 0, buf);
	return cond;
}

static void note(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dprintf(report_fd, "# %s\n", buf);
}

static bool same_file(int fd, const char *path)
{
	struct stat a, b;

	return fd >= 0 && fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static char *in_root(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, rel);
	return buf[i];
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* safe_openat; checks the result is `expect` (a path) or fails with `err`. */
static void expect_open(int rootfd, const char *path, int flags, const char *expect, int want_errno)
{
	struct ward_error err = { 0 };
	int fd = safe_openat(rootfd, path, flags, 0644, &err);
	int e = errno;

	if (expect) {
		if (!check(same_file(fd, expect), "open %s resolves to %s", path, expect))
			note("got fd %d: %s", fd, fd < 0 ? err.msg : "another file");
	} else {
		if (!check(fd < 0 && e == want_errno && err.errnum == want_errno, "open %s fails with %s", path,
			   strerror(want_errno)))
			note("got fd %d, errno %d (%s)", fd, e, err.msg);
	}
	if (fd >= 0)
		close(fd);
}

static void test_open(int rootfd)
{
	char outside_secret[PATH_MAX];

	snprintf(outside_secret, sizeof(outside_secret), "%s/secret", outside);
	expect_open(rootfd, "a/b/c", O_DIRECTORY | O_RDONLY, in_root("a/b/c"), 0);
	expect_open(rootfd, "/a/b/../b/c/", O_PATH, in_root("a/b/c"), 0);
	expect_open(rootfd, "", O_PATH, root, 0);
	expect_open(rootfd, "../../../a", O_PATH, in_root("a"), 0);
	expect_open(rootfd, "abs/b", O_PATH, in_root("a/b"), 0);
	expect_open(rootfd, "esc/file", O_RDONLY, in_root("file"), 0);
	expect_open(rootfd, "rel_esc/marker", O_RDONLY, in_root("etc/marker"), 0);
	expect_open(rootfd, "a/up/secret", O_RDONLY, NULL, ENOENT);
	expect_open(rootfd, "host_abs/secret", O_RDONLY, NULL, ENOENT);
	expect_open(rootfd, "loop1", O_RDONLY, NULL, ELOOP);
	expect_open(rootfd, "loop1/x", O_PATH, NULL, ELOOP);
	expect_open(rootfd, "dangling", O_RDONLY, NULL, ENOENT);
	expect_open(rootfd, "abs", O_RDONLY | O_NOFOLLOW, NULL, ELOOP);
	expect_open(rootfd, "file/x", O_RDONLY, NULL, ENOTDIR);
	expect_open(rootfd, "file/", O_RDONLY, NULL, ENOTDIR);
	expect_open(rootfd, "chain30", O_RDONLY, in_root("file"), 0);
	expect_open(rootfd, "chain41", O_RDONLY, NULL, ELOOP);
	expect_open(rootfd, "selfroot/etc/marker", O_RDONLY, NULL, ENOENT);
	expect_open(rootfd, "nothere", O_RDONLY, NULL, ENOENT);

	{
		struct ward_error err = { 0 };
		int fd = safe_openat(rootfd, "abs", O_PATH | O_NOFOLLOW, 0, &err);
		struct stat st;

		check(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode),
		      "O_PATH|O_NOFOLLOW on a symlink opens the symlink");
		if (fd >= 0)
			close(fd);
	}
	{
		/* O_CREAT through a dangling absolute symlink: created in the root. */
		struct ward_error err = { 0 };
		int fd = safe_openat(rootfd, "dangling", O_CREAT | O_WRONLY, 0600, &err);

		check(fd >= 0 && same_file(fd, in_root("ward-test-nonexistent")) &&
			      !exists("/ward-test-nonexistent"),
		      "O_CREAT through a dangling absolute symlink creates inside the root");
		if (fd >= 0)
			close(fd);
		unlink(in_root("ward-test-nonexistent"));
		fd = safe_openat(rootfd, "file", O_CREAT | O_EXCL | O_WRONLY, 0600, &err);
		check(fd < 0 && errno == EEXIST, "O_CREAT|O_EXCL on an existing file fails with EEXIST");
		if (fd >= 0)
			close(fd);
	}
	check(!exists(outside_secret) || access(outside_secret, F_OK) == 0, "outside/secret untouched");
}

static void expect_mkdir(int rootfd, const char *path, const char *expect, int want_errno)
{
	struct ward_error err = { 0 };
	int fd = safe_mkdir_all(rootfd, path, 0755, &err);
	int e = errno;
	struct stat st;

	if (expect) {
		if (!check(same_file(fd, expect) && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode),
			   "mkdir -p %s makes %s", path, expect))
			note("got fd %d: %s", fd, err.msg);
	} else {
		if (!check(fd < 0 && e == want_errno, "mkdir -p %s fails with %s", path, strerror(want_errno)))
			note("got fd %d, errno %d (%s)", fd, e, err.msg);
	}
	if (fd >= 0)
		close(fd);
}

static void test_mkdir(int rootfd)
{
	char victim[PATH_MAX];

	expect_mkdir(rootfd, "abs/new/deep", in_root("a/new/deep"), 0);
	expect_mkdir(rootfd, "esc/x/y", in_root("x/y"), 0);
	expect_mkdir(rootfd, "/a/b/c", in_root("a/b/c"), 0);
	expect_mkdir(rootfd, "../../z/./w/..", in_root("z"), 0);
	expect_mkdir(rootfd, "a/up/victim", NULL, ENOENT);
	snprintf(victim, sizeof(victim), "%s/victim", outside);
	check(!exists(victim), "nothing made outside through a relative escape");
	expect_mkdir(rootfd, "dangling_dir/x", NULL, ENOENT);
	check(!exists("/ward-test-nonexistent-dir"), "nothing made on the host through a dangling symlink");
	expect_mkdir(rootfd, "loop1/x", NULL, ELOOP);
	expect_mkdir(rootfd, "file/x", NULL, ENOTDIR);
	expect_mkdir(rootfd, "host_abs/x", NULL, ENOENT);

	{
		struct ward_error err = { 0 };
		int fd = safe_create_file(rootfd, "abs/newfile", 0644, &err);
		struct stat st;

		check(fd >= 0 && same_file(fd, in_root("a/newfile")) && fstat(fd, &st) == 0 && S_ISREG(st.st_mode),
		      "create abs/newfile makes a/newfile");
		if (fd >= 0)
			close(fd);
		fd = safe_create_file(rootfd, "file", 0644, &err);
		check(same_file(fd, in_root("file")), "create of an existing file opens it");
		if (fd >= 0)
			close(fd);
		fd = safe_create_file(rootfd, "a/b/c", 0644, &err);
		check(fd < 0 && errno == EISDIR, "create over a directory fails with EISDIR");
		if (fd >= 0)
			close(fd);
		fd = safe_create_file(rootfd, "esc/../../created/f", 0644, &err);
		check(same_file(fd, in_root("created/f")), "create esc/../../created/f stays in the root");
		if (fd >= 0)
			close(fd);
		fd = safe_create_file(rootfd, "a/up/victim_file", 0644, &err);
		check(fd < 0, "create through a relative escape fails");
		if (fd >= 0)
			close(fd);
	}
}

/* ---- CVE-2024-45310: a racing process swaps a directory for a symlink ---- */

static volatile int racing;

static void *swapper(void *arg)
{
	int rootfd = *(int *)arg;

	while (racing)
		renameat2(rootfd, "race", rootfd, "race_alt", RENAME_EXCHANGE);
	return NULL;
}

static void test_race(int rootfd)
{
	char vdir[PATH_MAX], vfile[PATH_MAX], secret[PATH_MAX];
	struct stat sst;
	int leaked = 0, opened_outside = 0, made = 0;
	pthread_t t;

	snprintf(vdir, sizeof(vdir), "%s/victim_dir", outside);
	snprintf(vfile, sizeof(vfile), "%s/victim_file", outside);
	snprintf(secret, sizeof(secret), "%s/secret", outside);
	stat(secret, &sst);

	racing = 1;
	pthread_create(&t, NULL, swapper, &rootfd);
	for (int i = 0; i < 3000; i++) {
		struct ward_error err = { 0 };
		struct stat st;
		int fd;

		fd = safe_mkdir_all(rootfd, "race/victim_dir", 0755, &err);
		if (fd >= 0) {
			made++;
			close(fd);
		}
		fd = safe_create_file(rootfd, "race/victim_file", 0644, &err);
		if (fd >= 0)
			close(fd);
		fd = safe_openat(rootfd, "race/secret", O_RDONLY, 0, &err);
		if (fd >= 0) {
			if (fstat(fd, &st) == 0 && st.st_ino == sst.st_ino && st.st_dev == sst.st_dev)
				opened_outside++;
			close(fd);
		}
		if (exists(vdir) || exists(vfile))
			leaked++;
	}
	racing = 0;
	pthread_join(t, NULL);
	note("race: %d mkdirs succeeded inside the root", made);
	check(leaked == 0 && !exists(vdir) && !exists(vfile),
	      "racing symlink swap: nothing created outside the root");
	check(opened_outside == 0, "racing symlink swap: nothing opened outside the root");
}

/* ---- /proc magic links (needs a mount namespace: root only) ---- */

static void test_magic(int rootfd)
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		note("skipping magic-link cases: not root");
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct ward_error err = { 0 };
		char path[64], secret[PATH_MAX];
		int out, fd;
		bool bad = false;

		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(2);
		mkdir(in_root("proc"), 0755);
		if (mount("/proc", in_root("proc"), NULL, MS_BIND | MS_REC, NULL) < 0)
			_exit(3);
		/* The inherited fd still points into the old mount namespace. */
		rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		snprintf(secret, sizeof(secret), "%s/secret", outside);
		out = open(outside, O_RDONLY | O_DIRECTORY);
		fd = safe_openat(rootfd, "proc/self/root/etc/passwd", O_RDONLY, 0, &err);
		bad |= fd >= 0 && same_file(fd, "/etc/passwd");
		if (fd >= 0)
			close(fd);
		if (bad)
			_exit(4);
		snprintf(path, sizeof(path), "proc/self/fd/%d/secret", out);
		fd = safe_openat(rootfd, path, O_RDONLY, 0, &err);
		bad |= fd >= 0 && same_file(fd, secret);
		if (fd >= 0)
			close(fd);
		if (bad)
			_exit(5);
		fd = safe_openat(rootfd, "proc/1/root/etc/passwd", O_RDONLY, 0, &err);
		bad |= fd >= 0 && same_file(fd, "/etc/passwd");
		if (fd >= 0)
			close(fd);
		/* a normal /proc file is still reachable */
		fd = safe_openat(rootfd, "proc/self/status", O_RDONLY, 0, &err);
		if (fd < 0)
			_exit(6);
		close(fd);
		_exit(bad ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		note("magic-link child: status %#x", status);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "magic links under /proc (self/root, self/fd/N, 1/root) do not leave the root");
	rmdir(in_root("proc"));
}

static int run_mode(bool fallback)
{
	int rootfd;

	if (fallback)
		setenv("WARD_TEST_NO_OPENAT2", "1", 1);
	else
		unsetenv("WARD_TEST_NO_OPENAT2");
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return 1;
	check(safe_have_openat2() == !fallback, "openat2 %s", fallback ? "disabled by the environment" : "in use");
	test_open(rootfd);
	test_mkdir(rootfd);
	test_race(rootfd);
	test_magic(rootfd);
	close(rootfd);
	return 0;
}

/* ---- parent: the tree, the two runs, TAP ---- */

static void put(const char *rel, const char *content)
{
	FILE *f = fopen(in_root(rel), "w");

	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static void make_tree(void)
{
	char buf[PATH_MAX];

	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	mkdir(root, 0755);
	mkdir(outside, 0755);
	snprintf(buf, sizeof(buf), "%s/secret", outside);
	fclose(fopen(buf, "w"));
	mkdir(in_root("a"), 0755);
	mkdir(in_root("a/b"), 0755);
	mkdir(in_root("a/b/c"), 0755);
	mkdir(in_root("etc"), 0755);
	put("file", "in-root\n");
	put("etc/marker", "root-etc\n");
	symlink("/a", in_root("abs"));
	symlink("/../../../../..", in_root("esc"));
	symlink("../../../../../../etc", in_root("rel_esc"));
	symlink("../../outside", in_root("a/up"));
	symlink(outside, in_root("host_abs"));
	symlink("loop2", in_root("loop1"));
	symlink("loop1", in_root("loop2"));
	symlink("/ward-test-nonexistent", in_root("dangling"));
	symlink("/ward-test-nonexistent-dir", in_root("dangling_dir"));
	symlink("/proc/self/root", in_root("selfroot"));
	for (int i = 0; i < 41; i++) {
		char name[32], target[32];

		snprintf(name, sizeof(name), "c%d", i);
		snprintf(target, sizeof(target), i == 40 ? "file" : "c%d", i + 1);
		symlink(target, in_root(name));
	}
	symlink("c11", in_root("chain30"));  /* c11 .. c40 -> file: 30 links */
	symlink("c0", in_root("chain41"));   /* 41 links + this one */
	mkdir(in_root("race"), 0755);
	symlink("../outside", in_root("race_alt"));
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void run_child(bool fallback)
{
	int p[2];
	pid_t pid;
	FILE *in;
	char *line = NULL;
	size_t cap = 0;
	int status;

	if (pipe(p) < 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		_exit(run_mode(fallback));
	}
	close(p[1]);
	in = fdopen(p[0], "r");
	while (getline(&line, &cap, in) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			diag("%s", line + 2);
		else
			ok(line[0] == '1', "[%s] %s", fallback ? "fallback" : "openat2", line + 2);
	}
	free(line);
	fclose(in);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "[%s] child finished", fallback ? "fallback" : "openat2");
}

int main(void)
{
	char *before = read_file("/proc/self/mountinfo"), *after;

	snprintf(top, sizeof(top), "/tmp/ward-safepath-XXXXXX");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 99;
	}
	make_tree();
	run_child(false);
	run_child(true);
	after = read_file("/proc/self/mountinfo");
	ok(before && after && strcmp(before, after) == 0, "host mountinfo unchanged");
	nftw(top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	ok(!exists(top), "temp dir removed");
	free(before);
	free(after);
	return tap_done();
}
