/* The child-side filesystem end to end: rootfs_prepare, mounts_setup,
 * devices_setup, rootfs_pivot and rootfs_finalize on a busybox rootfs, each
 * scenario in a forked child with its own mount and pid namespaces (and a
 * user or cgroup namespace where the scenario needs one). The container's
 * init (pid 1 of the new pid namespace) checks the result from inside and
 * reports through a pipe; this process prints TAP, and checks that the
 * host's mount table and the directory outside the rootfs are untouched. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "tap.h"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

static char top[64];           /* temp dir of the whole test */
static char bundle[128];       /* top/bundle */
static char rootfs[160];       /* top/bundle/rootfs */
static char hostdir[128];      /* top/hostdir: bind sources */
static char outside[128];      /* top/outside: must stay empty */
static int report_fd = -1;
static bool legacy;            /* the new mount API and openat2 are refused */

/* ---- reporting (container side) ---- */

static __attribute__((format(printf, 2, 3))) bool check(bool cond, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dprintf(report_fd, "%d %s\n", cond ? 1 : 0, buf);
	return cond;
}

static __attribute__((format(printf, 1, 2))) void note(const char *fmt, ...)
{
	char buf[2600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	dprintf(report_fd, "# %s\n", buf);
}

/* ---- a spec built by hand ---- */

struct tspec {
	struct spec s;
	struct spec_linux l;
	struct spec_root root;
	struct spec_process proc;
	struct spec_mount mounts[32];
	struct spec_namespace ns[8];
	struct spec_device devs[8];
};

static void strv(struct spec_strv *v, const char *csv)
{
	char *copy = strdup(csv ? csv : ""), *save = NULL;

	v->items = calloc(strlen(copy) + 2, sizeof(char *));
	v->len = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		v->items[v->len++] = t;
}

static void tspec_init(struct tspec *t)
{
	memset(t, 0, sizeof(*t));
	t->s.oci_version = "1.3.0";
	t->s.linux = &t->l;
	t->s.root = &t->root;
	t->s.process = &t->proc;
	t->s.mounts = t->mounts;
	t->root.path = "rootfs";
	t->l.namespaces = t->ns;
	t->l.devices = t->devs;
	strv(&t->l.masked_paths, "");
	strv(&t->l.readonly_paths, "");
	t->l.n_namespaces = 0;
	t->ns[t->l.n_namespaces++].type = SPEC_NS_MOUNT;
	t->ns[t->l.n_namespaces++].type = SPEC_NS_PID;
}

static void add_mount(struct tspec *t, const char *dest, const char *type, const char *src, const char *opts)
{
	struct spec_mount *m = &t->mounts[t->s.n_mounts++];

	m->destination = (char *)dest;
	m->type = (char *)type;
	m->source = (char *)src;
	strv(&m->options, opts);
}

static void add_ns(struct tspec *t, enum spec_ns_type type)
{
	t->ns[t->l.n_namespaces++].type = type;
}

static void add_default_mounts(struct tspec *t, bool with_sys, bool rootless)
{
	add_mount(t, "/proc", "proc", "proc", "nosuid,noexec,nodev");
	add_mount(t, "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k");
	/* gid 5 is not mapped in the user namespace scenario */
	add_mount(t, "/dev/pts", "devpts", "devpts",
		  rootless ? "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620"
			   : "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
	add_mount(t, "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k");
	add_mount(t, "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev");
	if (with_sys) {
		add_mount(t, "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro");
		add_mount(t, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro");
	}
}

static void default_paths(struct tspec *t)
{
	strv(&t->l.masked_paths, "/proc/acpi,/proc/kcore,/proc/keys,/proc/timer_list,/proc/ward-nonexistent,"
				 "/sys/firmware,/proc/scsi");
	strv(&t->l.readonly_paths, "/proc/bus,/proc/fs,/proc/irq,/proc/sys,/proc/sysrq-trigger,/proc/cmdline");
}

static void init_container(struct container *c, struct tspec *t)
{
	memset(c, 0, sizeof(*c));
	c->id = "ward-test";
	c->bundle = bundle;
	c->rootfs = rootfs;
	c->spec = &t->s;
	c->console_socket_fd = -1;
}

/* Runs the steps before pivot_root; reports the first error. */
static bool setup(struct container *c)
{
	struct ward_error err = { 0 };

	if (rootfs_prepare(c, &err) < 0 || mounts_setup(c, &err) < 0 || devices_setup(c, &err) < 0) {
		note("setup failed: %s", err.msg);
		return false;
	}
	return true;
}

static bool enter(struct container *c)
{
	struct ward_error err = { 0 };

	if (rootfs_pivot(c, &err) < 0 || rootfs_finalize(c, &err) < 0) {
		note("pivot/finalize failed: %s", err.msg);
		return false;
	}
	return true;
}

/* hostdir/<rel>, for bind sources (never freed: the process exits). */
static char *host_path(const char *rel)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", hostdir, rel) < 0)
		abort();
	return p;
}

/* ---- checks ---- */

static long fstype(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 ? (long)s.f_type : -1;
}

static unsigned long vfsflags(const char *path)
{
	struct statvfs s;

	return statvfs(path, &s) == 0 ? s.f_flag : 0;
}

static bool is_dev(const char *path, mode_t type, unsigned int maj, unsigned int min, mode_t perm)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return false;
	if ((st.st_mode & S_IFMT) != type || (st.st_mode & 07777) != perm)
		return false;
	return type == S_IFIFO || st.st_rdev == makedev(maj, min);
}

static bool link_is(const char *path, const char *target)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, target) == 0;
}

static int write_errno(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

static bool content_is(const char *path, const char *want)
{
	char buf[256] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n >= 0 && strcmp(buf, want) == 0;
}

/* The mountinfo line of the topmost mount at `point`, or "". */
static const char *mount_line(const char *point)
{
	static char found[1024];
	char line[1024], mp[512];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	found[0] = '\0';
	if (!f)
		return found;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %511s", mp) == 1 && strcmp(mp, point) == 0)
			snprintf(found, sizeof(found), "%s", line);
	fclose(f);
	return found;
}

static int sh(const char *script)
{
	char *const env[] = { "PATH=/bin", NULL };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execle("/bin/sh", "sh", "-c", script, (char *)NULL, env);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool dir_empty(const char *path)
{
	int n = 0;
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d)
		return false;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n == 0;
}

static void check_common(bool userns)
{
	struct stat st;
	char buf[64];
	int fd;

	check(getpid() == 1, "init is pid 1 of its pid namespace");
	check(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0, "cwd is / after the pivot");
	check(access("/bin/busybox", X_OK) == 0, "the rootfs is the new /");
	check(stat(top, &st) < 0 && errno == ENOENT, "the host's temp dir is not reachable");
	check(!strstr(mount_line("/dev"), "devtmpfs"), "the host's /dev is gone");
	check(fstype("/proc") == PROC_SUPER_MAGIC && access("/proc/self/status", R_OK) == 0,
	      "/proc is a procfs of the container");
	check(fstype("/dev") == TMPFS_MAGIC, "/dev is a tmpfs");
	check(is_dev("/dev/null", S_IFCHR, 1, 3, 0666) && is_dev("/dev/zero", S_IFCHR, 1, 5, 0666) &&
		      is_dev("/dev/full", S_IFCHR, 1, 7, 0666) && is_dev("/dev/random", S_IFCHR, 1, 8, 0666) &&
		      is_dev("/dev/urandom", S_IFCHR, 1, 9, 0666) && is_dev("/dev/tty", S_IFCHR, 5, 0, 0666),
	      "default devices null zero full random urandom tty (%s)", userns ? "bound from the host" : "mknod");
	check(link_is("/dev/fd", "/proc/self/fd") && link_is("/dev/stdin", "/proc/self/fd/0") &&
		      link_is("/dev/stdout", "/proc/self/fd/1") && link_is("/dev/stderr", "/proc/self/fd/2"),
	      "/dev/fd, stdin, stdout, stderr links");
	check(access("/proc/kcore", F_OK) != 0 || link_is("/dev/core", "/proc/kcore"), "/dev/core link");
	check(link_is("/dev/ptmx", "pts/ptmx"), "/dev/ptmx -> pts/ptmx");
	check(fstype("/dev/pts") == DEVPTS_SUPER_MAGIC, "/dev/pts is a devpts");
	fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	check(fd >= 0, "a pty can be opened through /dev/ptmx");
	if (fd >= 0)
		close(fd);
	check(fstype("/dev/shm") == TMPFS_MAGIC && fstype("/dev/mqueue") == MQUEUE_MAGIC, "/dev/shm and /dev/mqueue");
}

static void check_masked_readonly(bool sys)
{
	char buf[16];
	int fd = open("/proc/keys", O_RDONLY | O_CLOEXEC);
	struct stat st;

	check(fd >= 0 && read(fd, buf, sizeof(buf)) == 0 && fstat(fd, &st) == 0 && st.st_rdev == makedev(1, 3),
	      "masked /proc/keys reads as /dev/null");
	if (fd >= 0)
		close(fd);
	check(access("/proc/acpi", F_OK) != 0 ||
		      (fstype("/proc/acpi") == TMPFS_MAGIC && dir_empty("/proc/acpi") &&
		       (vfsflags("/proc/acpi") & ST_RDONLY)),
	      "masked /proc/acpi is an empty read-only tmpfs");
	if (sys)
		check(fstype("/sys/firmware") == TMPFS_MAGIC && (vfsflags("/sys/firmware") & ST_RDONLY) &&
			      dir_empty("/sys/firmware"),
		      "masked /sys/firmware is an empty read-only tmpfs");
	check(write_errno("/proc/sys/kernel/hostname") == EROFS, "readonly /proc/sys refuses writes (EROFS)");
	check(write_errno("/proc/cmdline") == EROFS, "readonly file /proc/cmdline refuses writes (EROFS)");
	check((vfsflags("/proc/sys") & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC)) ==
		      (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC),
	      "readonly /proc/sys is ro,nosuid,nodev,noexec");
}

/* ---- scenario A: a runc-like default spec and then some ---- */

static void scen_full(void)
{
	struct tspec t;
	struct container c;
	struct stat st;

	tspec_init(&t);
	add_default_mounts(&t, true, false);
	add_mount(&t, "/etc/hostfile", "bind", host_path("hostfile"), "bind,ro");
	/* rro needs mount_setattr(2): there is no fallback for it */
	if (!legacy) {
		add_mount(&t, "/mnt/rro", "none", host_path("tree"), "rbind,rro");
	}
	add_mount(&t, "/mnt/rel", "bind", "relsrc", "rbind");
	add_mount(&t, "/mnt/nosuid", "bind", host_path("tree"), "bind,nosuid,noexec");
	add_mount(&t, "/mnt/shared", "tmpfs", "tmpfs", "shared");
	add_mount(&t, "/var/run/x", "tmpfs", "tmpfs", "nodev");
	add_mount(&t, "/opt/copy", "tmpfs", "tmpfs", "tmpcopyup,nosuid");
	add_mount(&t, "/tmp", "tmpfs", "tmpfs", "nosuid,nodev");
	add_mount(&t, "/opt/rocopy", "tmpfs", "tmpfs", "tmpcopyup,ro");
	t.devs[0] = (struct spec_device){ .type = "c", .path = "/dev/mydev", .major = 1, .minor = 7,
					  .file_mode = { true, 0640 }, .uid = { true, 1000 }, .gid = { true, 1001 } };
	t.devs[1] = (struct spec_device){ .type = "p", .path = "/dev/sub/myfifo", .file_mode = { true, 0600 } };
	t.l.n_devices = 2;
	default_paths(&t);
	t.root.readonly = true;
	t.proc.terminal = true;
	init_container(&c, &t);

	if (!check(setup(&c), "prepare, mounts and devices") || !check(enter(&c), "pivot_root and finalize"))
		return;
	check_common(false);
	check(is_dev("/dev/mydev", S_IFCHR, 1, 7, 0640) && stat("/dev/mydev", &st) == 0 && st.st_uid == 1000 &&
		      st.st_gid == 1001,
	      "linux.devices: /dev/mydev c 1:7 0640 1000:1001");
	check(is_dev("/dev/sub/myfifo", S_IFIFO, 0, 0, 0600), "linux.devices: fifo in a new subdirectory");
	check(stat("/dev/console", &st) == 0 && S_ISREG(st.st_mode), "/dev/console placeholder for the terminal");
	check(fstype("/sys") == SYSFS_MAGIC && (vfsflags("/sys") & ST_RDONLY), "/sys is a read-only sysfs");
	check(fstype("/sys/fs/cgroup") == TMPFS_MAGIC && (vfsflags("/sys/fs/cgroup") & ST_RDONLY),
	      "/sys/fs/cgroup is a read-only tmpfs (cgroup v1 host)");
	check(fstype("/sys/fs/cgroup/cpu") == CGROUP_SUPER_MAGIC && fstype("/sys/fs/cgroup/memory") == CGROUP_SUPER_MAGIC &&
		      (vfsflags("/sys/fs/cgroup/memory") & ST_RDONLY),
	      "cgroup v1 hierarchies bound read-only");
	check_masked_readonly(true);
	check(write_errno("/newfile") == EROFS, "root.readonly: / refuses writes");
	check(write_errno("/tmp/newfile") == 0, "/tmp tmpfs is writable");
	check(content_is("/etc/hostfile", "host file\n") && write_errno("/etc/hostfile") == EROFS,
	      "file bind mount, ro");
	if (!legacy)
		check(access("/mnt/rro/sub", F_OK) == 0 && fstype("/mnt/rro/sub") == TMPFS_MAGIC &&
			      write_errno("/mnt/rro/sub/x") == EROFS && write_errno("/mnt/rro/y") == EROFS,
		      "rro: the bind and its submount are read-only");
	else
		check(!safe_have_openat2(), "safepath falls back to its own walk");
	check(content_is("/mnt/rel/hello", "relative\n"), "relative bind source is relative to the bundle");
	check((vfsflags("/mnt/nosuid") & (ST_NOSUID | ST_NOEXEC)) == (ST_NOSUID | ST_NOEXEC) &&
		      !(vfsflags("/mnt/nosuid") & ST_RDONLY),
	      "bind remount applies nosuid,noexec");
	check(strstr(mount_line("/mnt/shared"), " shared:") != NULL, "propagation option \"shared\"");
	check(fstype("/run/x") == TMPFS_MAGIC && (vfsflags("/run/x") & ST_NODEV),
	      "destination through the image's /var/run -> /run symlink lands in /run");
	check(content_is("/opt/copy/file1", "copyme\n") && link_is("/opt/copy/sub/link", "../file1") &&
		      stat("/opt/copy/file1", &st) == 0 && (st.st_mode & 07777) == 0640 &&
		      fstype("/opt/copy") == TMPFS_MAGIC && write_errno("/opt/copy/new") == 0,
	      "tmpcopyup copies the image's files into the tmpfs");
	check(content_is("/opt/rocopy/f", "ro\n") && write_errno("/opt/rocopy/new") == EROFS,
	      "tmpcopyup with ro: filled, then read-only");
	check(sh("test -c /dev/null && test -L /dev/fd && busybox cat /etc/hostfile >/dev/null") == 0,
	      "busybox sh runs inside");
}

/* ---- scenario B: --no-pivot, a cgroup namespace ---- */

static void scen_nopivot(void)
{
	struct tspec t;
	struct container c;
	struct stat a, b;
	char line[256];
	bool cpu_root = false;
	FILE *f;

	tspec_init(&t);
	add_default_mounts(&t, false, false);
	add_mount(&t, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime");
	add_ns(&t, SPEC_NS_CGROUP);
	default_paths(&t);
	init_container(&c, &t);
	c.no_pivot = true;

	if (!check(setup(&c), "prepare, mounts and devices") || !check(enter(&c), "MS_MOVE + chroot and finalize"))
		return;
	check_common(false);
	check(stat("/", &a) == 0 && stat("/bin/..", &b) == 0 && a.st_ino == b.st_ino, "/ is the rootfs");
	check(fstype("/sys/fs/cgroup/cpu") == CGROUP_SUPER_MAGIC && !(vfsflags("/sys/fs/cgroup/cpu") & ST_RDONLY),
	      "cgroup namespace: v1 hierarchies are fresh cgroup mounts");
	f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, ":cpu:/\n") || strstr(line, ":cpu,cpuacct:/\n"))
			cpu_root = true;
	if (f)
		fclose(f);
	check(cpu_root, "the container sees itself at the root of its cgroup namespace");
	check(strstr(mount_line("/sys/fs/cgroup/cpu"), " / /sys/fs/cgroup/cpu ") != NULL,
	      "the cpu mount is rooted at the namespace's cgroup");
	check_masked_readonly(false);
}

/* ---- scenario C: rootfsPropagation ---- */

static void scen_propagation(void)
{
	struct tspec t;
	struct container c;

	tspec_init(&t);
	add_default_mounts(&t, false, false);
	strv(&t.mounts[1].options, "nosuid,strictatime,mode=755,size=65536k,ro");
	t.l.rootfs_propagation = "shared";
	init_container(&c, &t);
	if (!check(setup(&c), "prepare, mounts and devices") || !check(enter(&c), "pivot_root and finalize"))
		return;
	check((vfsflags("/dev") & ST_RDONLY) && is_dev("/dev/null", S_IFCHR, 1, 3, 0666) &&
		      link_is("/dev/ptmx", "pts/ptmx") && write_errno("/dev/x") == EROFS &&
		      !(vfsflags("/dev/shm") & ST_RDONLY),
	      "a read-only /dev gets its nodes first, then becomes read-only (not its submounts)");
	check(strstr(mount_line("/"), " shared:") != NULL, "rootfsPropagation shared is applied to the new /");
	check(strstr(mount_line("/proc"), " shared:") == NULL, "other mounts keep their own propagation");
}

/* ---- id-mapped bind mounts (made in place: no parent to make them) ---- */

static void scen_idmap(void)
{
	static struct spec_id_mapping uid = { .container_id = 0, .host_id = 1000, .size = 1 };
	static struct spec_id_mapping gid = { .container_id = 0, .host_id = 2000, .size = 1 };
	struct tspec t;
	struct container c;
	struct stat st, sub;

	tspec_init(&t);
	add_default_mounts(&t, false, false);
	add_mount(&t, "/idm", "bind", host_path(""), "bind,idmap");
	add_mount(&t, "/ridm", "bind", host_path("tree"), "rbind,ridmap");
	for (size_t i = t.s.n_mounts - 2; i < t.s.n_mounts; i++) {
		t.mounts[i].uid_mappings = &uid;
		t.mounts[i].n_uid_mappings = 1;
		t.mounts[i].gid_mappings = &gid;
		t.mounts[i].n_gid_mappings = 1;
	}
	init_container(&c, &t);
	if (!check(setup(&c), "prepare, mounts and devices") || !check(enter(&c), "pivot_root and finalize"))
		return;
	check(stat("/idm/hostfile", &st) == 0 && st.st_uid == 1000 && st.st_gid == 2000,
	      "idmap: a root-owned source file is seen as 1000:2000");
	check(stat("/ridm/sub", &sub) == 0 && sub.st_uid == 1000 && sub.st_gid == 2000,
	      "ridmap: the submount of the rbind is id-mapped too");
	check(content_is("/idm/hostfile", "host file\n"), "the id-mapped mount shows the source");
}

/* ---- scenario D: a user namespace ---- */

static void scen_userns(void)
{
	struct tspec t, t2;
	struct container c, c2;
	struct ward_error err = { 0 };
	char src[256];

	tspec_init(&t);
	add_default_mounts(&t, true, true);
	add_ns(&t, SPEC_NS_USER);
	add_ns(&t, SPEC_NS_IPC);
	snprintf(src, sizeof(src), "%s/locked", top);
	add_mount(&t, "/mnt/locked", "bind", src, "bind,ro");
	/* bound from the host's node at the same path */
	t.devs[0] = (struct spec_device){ .type = "c", .path = "/dev/full", .major = 1, .minor = 7 };
	t.devs[1] = (struct spec_device){ .type = "c", .path = "/dev/zero", .major = 1, .minor = 5 };
	t.l.n_devices = 1;
	default_paths(&t);
	t.root.readonly = true;
	init_container(&c, &t);
	c.created_userns = true;

	if (!check(setup(&c), "prepare, mounts and devices in a user namespace"))
		return;
	/* "suid" would clear a flag the kernel locked: refused, not ignored. */
	tspec_init(&t2);
	add_mount(&t2, "/mnt/locked2", "bind", src, "bind,suid");
	init_container(&c2, &t2);
	check(mounts_setup(&c2, &err) < 0 && err.errnum == EPERM, "clearing a locked flag is refused");
	note("%s", err.msg);
	/* the host's node is checked before it is bound */
	t.l.n_devices = 2;
	t.devs[1].minor = 3;
	ward_error_clear(&err);
	check(devices_setup(&c, &err) < 0 && strstr(err.msg, "is not device 1:3"),
	      "a host node that is not the device asked for is refused");
	t.l.n_devices = 1;

	if (!check(enter(&c), "pivot_root and finalize in a user namespace"))
		return;
	check_common(true);
	check(is_dev("/dev/full", S_IFCHR, 1, 7, 0666), "linux.devices bound from the host path");
	check(fstype("/sys") == SYSFS_MAGIC && (vfsflags("/sys") & ST_RDONLY),
	      "sysfs without a network namespace: /sys bound read-only instead");
	check((vfsflags("/mnt/locked") & (ST_RDONLY | ST_NOSUID | ST_NODEV)) == (ST_RDONLY | ST_NOSUID | ST_NODEV),
	      "bind ro of a source with locked nosuid,nodev keeps them");
	check_masked_readonly(true);
	check(write_errno("/newfile") == EROFS, "root.readonly in a user namespace");
}

/* ---- scenario E: images that try to get out ---- */

static bool host_untouched(void)
{
	return dir_empty(outside);
}

static void scen_proc_symlink(void)
{
	struct tspec t;
	struct container c;
	struct ward_error err = { 0 };
	char p[256];

	snprintf(p, sizeof(p), "%s/proc", rootfs);
	rmdir(p);
	symlink(outside, p);
	tspec_init(&t);
	add_mount(&t, "/proc", "proc", "proc", "nosuid");
	init_container(&c, &t);
	if (rootfs_prepare(&c, &err) < 0) {
		note("%s", err.msg);
		return;
	}
	check(mounts_setup(&c, &err) < 0 && strstr(err.msg, "ordinary directory"),
	      "proc over a symlink in the image is refused");
	note("%s", err.msg);
	check(host_untouched() && fstype(outside) != PROC_SUPER_MAGIC, "nothing mounted at the symlink's target");
}

static void scen_dev_symlink(void)
{
	struct tspec t;
	struct container c;
	struct ward_error err = { 0 };
	char p[256];

	snprintf(p, sizeof(p), "%s/dev", rootfs);
	rmdir(p);
	symlink(outside, p);
	tspec_init(&t);
	init_container(&c, &t);
	if (rootfs_prepare(&c, &err) < 0 || mounts_setup(&c, &err) < 0) {
		note("%s", err.msg);
		return;
	}
	check(devices_setup(&c, &err) < 0 && strstr(err.msg, "symlink"), "/dev as a symlink in the image is refused");
	note("%s", err.msg);
	check(host_untouched(), "no device node made at the symlink's target");
}

static void scen_escapes(void)
{
	struct tspec t;
	struct container c;
	struct ward_error err = { 0 };
	char p[256], rel[256], inside[512];

	/* evil -> ../../../../../../../..<outside>: for the host, a way out;
	 * inside the root it names <rootfs><outside>, which does not exist. */
	snprintf(p, sizeof(p), "%s/evil", rootfs);
	snprintf(rel, sizeof(rel), "../../../../../../../..%s", outside);
	symlink(rel, p);
	snprintf(p, sizeof(p), "%s/procsym", rootfs);
	symlink("/proc", p);

	tspec_init(&t);
	add_mount(&t, "/evil/x", "tmpfs", "tmpfs", "");
	init_container(&c, &t);
	if (rootfs_prepare(&c, &err) < 0) {
		note("%s", err.msg);
		return;
	}
	check(mounts_setup(&c, &err) < 0 && err.errnum == ENOENT,
	      "a destination through a symlink dangling inside the root is refused");
	note("%s", err.msg);
	check(host_untouched(), "nothing made outside");

	/* Now the symlink's target exists inside the root: mounts land there. */
	snprintf(inside, sizeof(inside), "mkdir -p %s%s", rootfs, outside);
	if (system(inside) != 0)
		note("mkdir failed");
	tspec_init(&t);
	add_mount(&t, "/evil/x", "tmpfs", "tmpfs", "");
	add_mount(&t, "/evil/y", "bind", host_path("hostfile"), "bind");
	init_container(&c, &t);
	if (!check(mounts_setup(&c, &err) == 0, "mounts through an escaping relative symlink"))
		note("%s", err.msg);
	snprintf(inside, sizeof(inside), "%s%s/x", rootfs, outside);
	check(host_untouched() && fstype(inside) == TMPFS_MAGIC,
	      "they land inside the rootfs, nothing outside is touched");

	tspec_init(&t);
	add_mount(&t, "/proc/sys/foo", "tmpfs", "tmpfs", "");
	init_container(&c, &t);
	check(mounts_setup(&c, &err) < 0 && strstr(err.msg, "inside /proc"), "a mount inside /proc is refused");
	note("%s", err.msg);

	tspec_init(&t);
	add_mount(&t, "/procsym/sys/kernel", "tmpfs", "tmpfs", "");
	init_container(&c, &t);
	check(mounts_setup(&c, &err) < 0 && strstr(err.msg, "inside /proc"),
	      "a mount inside /proc through a symlink is refused");
	note("%s", err.msg);

	tspec_init(&t);
	add_mount(&t, "/proc", "bind", host_path(""), "rbind");
	init_container(&c, &t);
	check(mounts_setup(&c, &err) < 0 && strstr(err.msg, "not of type proc"),
	      "a bind of something else over /proc is refused");
	note("%s", err.msg);

	tspec_init(&t);
	add_mount(&t, "/", "tmpfs", "tmpfs", "");
	init_container(&c, &t);
	check(mounts_setup(&c, &err) < 0, "a mount over / is refused");
}

static void scen_fake_null(void)
{
	struct tspec t;
	struct container c;
	struct ward_error err = { 0 };
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/dev/null", rootfs);
	f = fopen(p, "w");
	if (f)
		fclose(f);
	tspec_init(&t);
	add_mount(&t, "/proc", "proc", "proc", "");
	strv(&t.l.masked_paths, "/proc/keys");
	init_container(&c, &t);
	if (!setup(&c))
		return;
	check(rootfs_pivot(&c, &err) == 0, "pivot_root");
	check(rootfs_finalize(&c, &err) < 0 && strstr(err.msg, "not the null device"),
	      "masking with an image's fake /dev/null is refused (CVE-2025-31133)");
	note("%s", err.msg);
}

/* ---- driver (test process) ---- */

enum { SC_USERNS = 1, SC_CGROUPNS = 2, SC_LEGACY = 4 };

/* An old kernel, or a seccomp profile that predates the new mount API:
 * those calls and openat2 fail with ENOSYS. */
static int refuse_new_api(void)
{
	static const int calls[] = { SYS_open_tree, SYS_move_mount, SYS_mount_setattr, SYS_fsopen,
				     SYS_fsconfig, SYS_fsmount, SYS_openat2 };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = ctx ? 0 : -1;

	for (size_t i = 0; r == 0 && i < sizeof(calls) / sizeof(calls[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), calls[i], 0);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

static void write_file(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd >= 0) {
		if (write(fd, content, strlen(content)) < 0)
			perror(path);
		fchmod(fd, mode);
		close(fd);
	}
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n;

	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return -1;
	close(in);
	close(out);
	return n < 0 ? -1 : 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void build_rootfs(void)
{
	static const char *const dirs[] = { "", "/bin", "/etc", "/proc", "/sys", "/dev", "/tmp", "/opt",
					    "/opt/copy", "/opt/copy/sub", "/opt/rocopy", "/var", "/run", "/mnt",
					    NULL };
	char p[512];

	nftw(rootfs, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; dirs[i]; i++) {
		snprintf(p, sizeof(p), "%s%s", rootfs, dirs[i]);
		mkdir(p, 0755);
	}
	snprintf(p, sizeof(p), "%s/bin/busybox", rootfs);
	copy_file("/bin/busybox", p, 0755);
	snprintf(p, sizeof(p), "%s/bin/sh", rootfs);
	symlink("busybox", p);
	snprintf(p, sizeof(p), "%s/var/run", rootfs);
	symlink("/run", p);
	snprintf(p, sizeof(p), "%s/opt/copy/file1", rootfs);
	write_file(p, "copyme\n", 0640);
	snprintf(p, sizeof(p), "%s/opt/copy/sub/link", rootfs);
	symlink("../file1", p);
	snprintf(p, sizeof(p), "%s/opt/rocopy/f", rootfs);
	write_file(p, "ro\n", 0644);
}

/* Namespaces for one scenario; runs `fn` as pid 1 of a new pid namespace. */
static void run_scenario(const char *name, void (*fn)(void), int flags)
{
	int p[2], status;
	pid_t pid;
	FILE *in;
	char *line = NULL;
	size_t cap = 0;

	build_rootfs();
	if (pipe(p) < 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char sub[256], locked[256];
		pid_t init;

		close(p[0]);
		report_fd = p[1];
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
			note("unshare: %s", strerror(errno));
			_exit(1);
		}
		/* Bind sources with properties the scenarios look for: a
		 * submount (rro), flags that a user namespace locks. */
		snprintf(sub, sizeof(sub), "%s/tree/sub", hostdir);
		snprintf(locked, sizeof(locked), "%s/locked", top);
		if (mount("tmpfs", sub, "tmpfs", 0, "size=64k") < 0 ||
		    mount("tmpfs", locked, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") < 0) {
			note("source mounts: %s", strerror(errno));
			_exit(1);
		}
		if (flags & SC_USERNS) {
			/* Map our own id only: no helper needed for the maps. */
			if (unshare(CLONE_NEWUSER) < 0) {
				note("unshare user: %s", strerror(errno));
				_exit(1);
			}
			write_file("/proc/self/setgroups", "deny", 0644);
			write_file("/proc/self/uid_map", "0 0 1", 0644);
			write_file("/proc/self/gid_map", "0 0 1", 0644);
			if (unshare(CLONE_NEWNS) < 0) {
				note("unshare mnt in userns: %s", strerror(errno));
				_exit(1);
			}
		}
		/* mqueue needs an IPC namespace owned by the user namespace */
		if (unshare(CLONE_NEWPID | ((flags & SC_CGROUPNS) ? CLONE_NEWCGROUP : 0) |
			    ((flags & SC_USERNS) ? CLONE_NEWIPC : 0)) < 0) {
			note("unshare pid: %s", strerror(errno));
			_exit(1);
		}
		init = fork();
		if (init == 0) {
			if (flags & SC_LEGACY) {
				legacy = true;
				if (refuse_new_api() < 0) {
					note("seccomp filter failed");
					_exit(1);
				}
			}
			fn();
			_exit(0);
		}
		close(p[1]);
		if (init < 0 || waitpid(init, &status, 0) < 0)
			_exit(1);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 2);
	}
	close(p[1]);
	in = fdopen(p[0], "r");
	while (getline(&line, &cap, in) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			diag("[%s] %s", name, line + 2);
		else
			ok(line[0] == '1', "[%s] %s", name, line + 2);
	}
	free(line);
	fclose(in);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "[%s] container init exited cleanly", name);
}

static char *read_all(const char *path)
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

int main(void)
{
	char *before, *after, p[512];

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (mount namespaces)\n");
		return 77;
	}
	if (access("/bin/busybox", X_OK) != 0) {
		printf("1..0 # SKIP needs /bin/busybox (busybox-static)\n");
		return 77;
	}
	before = read_all("/proc/self/mountinfo");
	snprintf(top, sizeof(top), "/tmp/ward-rootfs-XXXXXX");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 99;
	}
	chmod(top, 0755);
	snprintf(bundle, sizeof(bundle), "%s/bundle", top);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	snprintf(hostdir, sizeof(hostdir), "%s/hostdir", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	mkdir(bundle, 0755);
	mkdir(hostdir, 0755);
	mkdir(outside, 0755);
	snprintf(p, sizeof(p), "%s/locked", top);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/tree", hostdir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/tree/sub", hostdir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/hostfile", hostdir);
	write_file(p, "host file\n", 0644);
	snprintf(p, sizeof(p), "%s/relsrc", bundle);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/relsrc/hello", bundle);
	write_file(p, "relative\n", 0644);

	run_scenario("default", scen_full, 0);
	run_scenario("legacy-api", scen_full, SC_LEGACY);
	run_scenario("no-pivot", scen_nopivot, SC_CGROUPNS);
	run_scenario("propagation", scen_propagation, 0);
	run_scenario("userns", scen_userns, SC_USERNS);
	run_scenario("proc-symlink", scen_proc_symlink, 0);
	run_scenario("dev-symlink", scen_dev_symlink, 0);
	run_scenario("escapes", scen_escapes, 0);
	run_scenario("fake-null", scen_fake_null, 0);
	run_scenario("idmap", scen_idmap, 0);

	after = read_all("/proc/self/mountinfo");
	ok(before && after && strcmp(before, after) == 0, "host mountinfo unchanged");
	ok(dir_empty(outside), "nothing was created outside the rootfs");
	nftw(top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	ok(access(top, F_OK) != 0, "temp dir removed");
	free(before);
	free(after);
	return tap_done();
}
