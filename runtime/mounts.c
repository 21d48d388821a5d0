/* linux.mounts[] (config.md "Mounts"), in order, in the child's new mount
 * namespace, before pivot_root. Each destination is resolved inside the
 * rootfs (safepath) and mounted through its fd; bind sources are host
 * paths, relative ones relative to the bundle. Semantics follow runc's
 * (libcontainer/rootfs_linux.go): bind options applied by a remount that
 * keeps the flags the kernel locks in a user namespace, /proc only for a
 * procfs, sysfs falling back to a bind of /sys, tmpfs keeping the mode of
 * the directory it covers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fs.h"
#include "mountfd.h"

int fs_open_root(const struct container *c, struct ward_error *err)
{
	int fd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return ward_error_errno(err, "open rootfs %s", c->rootfs);
	return fd;
}

bool fs_in_userns(const struct container *c)
{
	return c->created_userns || (c->spec && spec_find_namespace(c->spec, SPEC_NS_USER)) ||
	       mnt_in_userns();
}

char *fs_path_clean(const char *path)
{
	size_t len = path ? strlen(path) : 0;
	char *out = malloc(len + 2);
	size_t o = 0;
	const char *p = path ? path : "";

	if (!out)
		return NULL;
	for (;;) {
		const char *end;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		if (end - p == 1 && p[0] == '.') {
			/* skip */
		} else if (end - p == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, p, end - p);
			o += end - p;
		}
		p = end;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

void fs_unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static bool is_bind(const struct spec_mount *m, const struct mount_opts *o)
{
	return (o->flags & MS_BIND) || (m->type && (strcmp(m->type, "bind") == 0 || strcmp(m->type, "rbind") == 0));
}

int fs_dev_mount(const struct spec *s, bool *bind, struct mount_opts *opts, struct ward_error *err)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		cleanup_free char *dest = fs_path_clean(s->mounts[i].destination);

		if (!dest)
			return ward_error_set(err, ENOMEM, "mounts");
		if (strcmp(dest, "/dev") != 0)
			continue;
		if (mountopts_parse(&s->mounts[i].options, opts, err) < 0)
			return -1;
		*bind = is_bind(&s->mounts[i], opts);
		return 1;
	}
	return 0;
}

int fs_label_data(const struct container *c, const char *fstype, const char *data, char **out,
		  struct ward_error *err)
{
	const char *label = c->spec->linux ? c->spec->linux->mount_label : NULL;

	*out = NULL;
	/* linux.mountLabel: the context= option of every filesystem mounted
	 * fresh (proc, sysfs and cgroup files carry their own labels). */
	if (label && label[0] && strcmp(fstype, "proc") != 0 && strcmp(fstype, "sysfs") != 0 &&
	    strncmp(fstype, "cgroup", 6) != 0) {
		if (!selinux_host_enabled())
			return ward_error_set(err, 0,
					      "linux.mountLabel is specified in config, but selinux is disabled or not supported");
		/* Quoted: MCS categories hold commas ("s0:c1,c2"). */
		if (asprintf(out, "%s%scontext=\"%s\"", data ? data : "", data && data[0] ? "," : "",
			     label) < 0) {
			*out = NULL;
			return ward_error_set(err, ENOMEM, "mount data");
		}
		return 0;
	}
	if (data && !(*out = strdup(data)))
		return ward_error_set(err, ENOMEM, "mount data");
	return 0;
}

/* The path of `fd` inside the rootfs `rootfd`, as the kernel sees it now. */
static int container_path(int rootfd, int fd, char *buf, size_t size, struct ward_error *err)
{
	char rp[SAFE_FD_PATH_MAX], fp[SAFE_FD_PATH_MAX], root[PATH_MAX], path[PATH_MAX];
	ssize_t rn, fn;

	safe_fd_path(rootfd, rp);
	safe_fd_path(fd, fp);
	rn = readlink(rp, root, sizeof(root) - 1);
	fn = readlink(fp, path, sizeof(path) - 1);
	if (rn < 0 || fn < 0)
		return ward_error_errno(err, "readlink");
	root[rn] = path[fn] = '\0';
	if (strcmp(root, "/") == 0)
		rn = 0;
	if (strncmp(path, root, rn) != 0 || (path[rn] != '\0' && path[rn] != '/'))
		return ward_error_set(err, EXDEV, "%s is outside the rootfs", path);
	snprintf(buf, size, "%s", path[rn] ? path + rn : "/");
	return 0;
}

/* Entries lxcfs-style tools may cover; nothing else inside /proc
 * (CVE-2019-16884, CVE-2019-19921: a mount there can hide what an LSM or
 * the runtime relies on). */
static const char *const proc_allowed[] = {
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
	"/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/pressure/cpu",
	"/proc/pressure/io", "/proc/pressure/memory", "/proc/net/dev",
	"/proc/sys/kernel/ns_last_pid", "/proc/sys/crypto/fips_enabled", NULL,
};

/* `srcfd`: the bind source, or -1 for a new filesystem of `type`. */
static int check_proc_dest(const char *dest, const char *type, int srcfd, struct ward_error *err)
{
	if (strcmp(dest, "/proc") == 0) {
		struct statfs sfs;
		struct stat st;

		if (srcfd < 0 && type && strcmp(type, "proc") == 0)
			return 0;
		/* A bind is fine only of the root of a procfs. */
		if (srcfd >= 0 && fstatfs(srcfd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC &&
		    fstat(srcfd, &st) == 0 && st.st_ino == 1)
			return 0;
		return ward_error_set(err, EPERM, "%s cannot be mounted because it is not of type proc", dest);
	}
	if (strncmp(dest, "/proc/", 6) != 0)
		return 0;
	for (size_t i = 0; proc_allowed[i]; i++)
		if (strcmp(dest, proc_allowed[i]) == 0)
			return 0;
	return ward_error_set(err, EPERM, "%s cannot be mounted because it is inside /proc", dest);
}

/* The same check on where the destination really is, symlinks resolved. */
static int check_proc_resolved(int rootfd, int dstfd, const char *type, int srcfd, struct ward_error *err)
{
	char where[PATH_MAX];

	if (container_path(rootfd, dstfd, where, sizeof(where), err) < 0)
		return -1;
	return check_proc_dest(where, type, srcfd, err);
}

int fs_mount_apply(int mfd, const struct mount_opts *o, struct ward_error *err)
{
	for (size_t i = 0; i < o->n_prop; i++)
		if (mnt_propagation(mfd, o->prop[i], err) < 0)
			return -1;
	if ((o->attr_set || o->attr_clr) && mnt_setattr(mfd, true, o->attr_set, o->attr_clr, err) < 0)
		return -1;
	return 0;
}

/* A directory to mount a filesystem on: the existing one, or made. */
static int dir_target(int rootfd, const char *dest, struct stat *st, struct ward_error *err)
{
	int fd = safe_openat(rootfd, dest, O_PATH | O_DIRECTORY, 0, err);

	if (fd >= 0) {
		if (st && fstat(fd, st) < 0) {
			close(fd);
			return ward_error_errno(err, "stat %s", dest);
		}
		return fd;
	}
	if (errno != ENOENT)
		return -1;
	if (st)
		st->st_mode = 0;
	return safe_mkdir_all(rootfd, dest, 0755, err);
}

/* A new filesystem on `dstfd` (`dest` in the root); returns a handle on
 * that mount. fsmount + move_mount: the fd is the mount itself; mount(2)
 * on old kernels, then a lookup checked to reach the mount just made. */
static int new_fs(int rootfd, const char *source, int dstfd, const char *dest, const char *type,
		  unsigned long flags, const char *data, struct ward_error *err)
{
	cleanup_close int tree = mnt_fs_tree(source, type, flags, data, err);

	if (tree == -1)
		return -1;
	if (tree >= 0)
		return mnt_attach(tree, dstfd, err) < 0 ? -1 : steal_fd(tree);
	if (mnt_fs(source, dstfd, type, flags, data, err) < 0)
		return -1;
	return mnt_reopen(rootfd, dest, dstfd, err);
}

/* `tree`: an id-mapped copy of the source (idmap.c) to attach, or -1. */
static int mount_bind(struct container *c, int rootfd, const struct spec_mount *m, const char *dest,
		      struct mount_opts *o, int tree, int src_fd, struct ward_error *err)
{
	cleanup_free char *src = NULL;
	cleanup_close int srcfd = -1, dstfd = -1, mfd = -1, own_tree = -1;
	bool second = (o->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) || o->cleared;
	struct stat st;

	if (!m->source || !*m->source)
		return ward_error_set(err, EINVAL, "bind mount without a source");
	if (m->source[0] == '/')
		src = strdup(m->source);
	else if (asprintf(&src, "%s/%s", c->bundle, m->source) < 0)
		src = NULL;
	if (!src)
		return ward_error_set(err, ENOMEM, "bind source");
	/* src_fd: the source as the host opened it (mountsrc.c) */
	srcfd = tree >= 0     ? fcntl(tree, F_DUPFD_CLOEXEC, 0) :
		src_fd >= 0   ? fcntl(src_fd, F_DUPFD_CLOEXEC, 0) :
				open(src, O_PATH | O_CLOEXEC);
	if (srcfd < 0 || fstat(srcfd, &st) < 0)
		return ward_error_errno(err, "bind source %s", src);
	if (check_proc_dest(dest, NULL, srcfd, err) < 0)
		return -1;
	if (S_ISDIR(st.st_mode))
		dstfd = safe_mkdir_all(rootfd, dest, 0755, err);
	else
		dstfd = safe_create_file(rootfd, dest, 0644, err);
	if (dstfd < 0 || check_proc_resolved(rootfd, dstfd, NULL, srcfd, err) < 0)
		return -1;
	if (tree < 0) {
		own_tree = mnt_bind_tree(srcfd, o->flags & MS_REC, err);
		if (own_tree == -1)
			return -1;
		tree = own_tree;
	}
	if (tree >= 0) {
		/* The options go onto the detached copy, which becomes visible
		 * with them; the tree fd then is the attached mount, so nothing
		 * is looked up again by path (CVE-2021-30465). */
		if (second && mnt_tree_flags(tree, o->flags, o->cleared, err) < 0)
			return -1;
		if ((o->attr_set || o->attr_clr) && mnt_setattr(tree, true, o->attr_set, o->attr_clr, err) < 0)
			return -1;
		if (mnt_attach(tree, dstfd, err) < 0)
			return -1;
		for (size_t i = 0; i < o->n_prop; i++)
			if (mnt_propagation(tree, o->prop[i], err) < 0)
				return -1;
		return 0;
	}
	/* No open_tree: mount(2), then the checked lookup of the new mount. */
	if (mnt_bind(srcfd, dstfd, o->flags & MS_REC, err) < 0)
		return -1;
	mfd = mnt_reopen(rootfd, dest, dstfd, err);
	if (mfd < 0)
		return -1;
	/* A bind copies the source's flags; options need a remount. Skip it
	 * when none were given, so the source's flags are kept as they are.
	 * Before the recursive attributes: a remount resets the top mount. */
	if (second) {
		if (mnt_remount_bind(mfd, o->flags, o->cleared, err) < 0)
			return -1;
	}
	return fs_mount_apply(mfd, o, err);
}

/* proc and sysfs: only on a real directory of the image, never through a
 * symlink in its place (CVE-2019-19921, CVE-2023-27561). */
static int mount_procsys(struct container *c, int rootfd, const struct spec_mount *m, const char *dest,
			 struct mount_opts *o, struct ward_error *err)
{
	cleanup_close int dstfd = -1, mfd = -1;
	struct stat st;

	if (check_proc_dest(dest, m->type, -1, err) < 0)
		return -1;
	dstfd = safe_openat(rootfd, dest, O_PATH | O_NOFOLLOW, 0, err);
	if (dstfd >= 0) {
		if (fstat(dstfd, &st) < 0)
			return ward_error_errno(err, "stat %s", dest);
		if (!S_ISDIR(st.st_mode))
			return ward_error_set(err, ENOTDIR, "filesystem \"%s\" must be mounted on ordinary directory",
					      m->type);
	} else if (errno == ENOENT) {
		dstfd = safe_mkdir_all(rootfd, dest, 0755, err);
		if (dstfd < 0)
			return -1;
	} else {
		return -1;
	}
	if (check_proc_resolved(rootfd, dstfd, m->type, -1, err) < 0)
		return -1;

	mfd = new_fs(rootfd, m->source, dstfd, dest, m->type, o->flags & ~MS_REC, o->data, err);
	if (mfd < 0) {
		cleanup_close int sys = -1, tree = -1;

		/* sysfs belongs to the network namespace: in a user namespace
		 * without a network namespace of its own the kernel refuses
		 * it. Show the host's /sys instead, like runc. */
		if (strcmp(m->type, "sysfs") != 0 || errno != EPERM || !fs_in_userns(c))
			return -1;
		sys = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (sys < 0)
			return ward_error_errno(err, "open /sys");
		ward_error_clear(err);
		tree = mnt_bind_tree(sys, true, err);
		if (tree == -1)
			return -1;
		if (tree >= 0) {
			if (mnt_tree_flags(tree, o->flags, o->cleared, err) < 0 || mnt_attach(tree, dstfd, err) < 0)
				return -1;
			return fs_mount_apply(tree, o, err);
		}
		if (mnt_bind(sys, dstfd, true, err) < 0)
			return -1;
		mfd = mnt_reopen(rootfd, dest, dstfd, err);
		if (mfd < 0)
			return -1;
		if (mnt_remount_bind(mfd, o->flags, o->cleared, err) < 0)
			return -1;
		return fs_mount_apply(mfd, o, err);
	}
	return fs_mount_apply(mfd, o, err);
}

/* tmpfs: keeps the mode of the directory it covers unless the options
 * say otherwise; "tmpcopyup" fills it with what that directory held. */
static int mount_tmpfs(struct container *c, int rootfd, const struct spec_mount *m, const char *dest,
		       struct mount_opts *o, struct ward_error *err)
{
	cleanup_close int dstfd = -1, mfd = -1, olddir = -1, newdir = -1, tree = -1;
	cleanup_free char *data = NULL, *labeled = NULL;
	unsigned long flags = o->flags & ~MS_REC;
	bool is_dev = strcmp(dest, "/dev") == 0;
	bool late_ro = (flags & MS_RDONLY) && (o->copyup || is_dev);
	bool detached;
	struct stat st;

	if (check_proc_dest(dest, m->type, -1, err) < 0)
		return -1;
	dstfd = dir_target(rootfd, dest, &st, err);
	if (dstfd < 0 || check_proc_resolved(rootfd, dstfd, m->type, -1, err) < 0)
		return -1;
	if (st.st_mode) {
		/* tmpfs takes the last mode=, so the config's still wins. */
		if (asprintf(&data, "mode=%04o%s%s", st.st_mode & 07777, o->data ? "," : "",
			     o->data ? o->data : "") < 0) {
			data = NULL;
			return ward_error_set(err, ENOMEM, "tmpfs options");
		}
	} else if (o->data && !(data = strdup(o->data))) {
		return ward_error_set(err, ENOMEM, "tmpfs options");
	}
	if (fs_label_data(c, "tmpfs", data, &labeled, err) < 0)
		return -1;
	if (o->copyup) {
		/* Before the mount covers it: the image's directory. */
		olddir = openat(dstfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (olddir < 0)
			return ward_error_errno(err, "tmpcopyup: open %s", dest);
	}
	if (late_ro)
		flags &= ~MS_RDONLY;
	/* Detached (fsmount): filled and made read-only before it is seen;
	 * mount(2) on old kernels, found again by a checked lookup. */
	tree = mnt_fs_tree(m->source, "tmpfs", flags, labeled, err);
	if (tree == -1)
		return -1;
	detached = tree >= 0;
	if (detached) {
		mfd = steal_fd(tree);
	} else {
		if (mnt_fs(m->source, dstfd, "tmpfs", flags, labeled, err) < 0)
			return -1;
		mfd = mnt_reopen(rootfd, dest, dstfd, err);
		if (mfd < 0)
			return -1;
	}
	if (o->copyup) {
		newdir = openat(mfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (newdir < 0)
			return ward_error_errno(err, "tmpcopyup: open the new tmpfs");
		if (fs_copy_tree(olddir, newdir, err) < 0)
			return ward_error_wrap(err, "tmpcopyup");
	}
	/* /dev stays writable for the device nodes; rootfs_finalize makes it
	 * read-only. */
	if (late_ro && !is_dev && mnt_make_ro(mfd, false, 0, err) < 0)
		return -1;
	if (detached && mnt_attach(mfd, dstfd, err) < 0)
		return -1;
	return fs_mount_apply(mfd, o, err);
}

static int mount_generic(struct container *c, int rootfd, const struct spec_mount *m, const char *dest,
			 struct mount_opts *o, struct ward_error *err)
{
	cleanup_close int dstfd = -1, mfd = -1;
	cleanup_free char *labeled = NULL;
	unsigned long flags = o->flags;
	bool remount = flags & MS_REMOUNT;

	if (!m->type || !*m->type)
		return ward_error_set(err, EINVAL, "mount type is required");
	if (check_proc_dest(dest, m->type, -1, err) < 0)
		return -1;
	if (remount)
		dstfd = safe_openat(rootfd, dest, O_PATH, 0, err);
	else
		dstfd = dir_target(rootfd, dest, NULL, err);
	if (dstfd < 0 || check_proc_resolved(rootfd, dstfd, m->type, -1, err) < 0)
		return -1;
	if (strcmp(dest, "/dev") == 0)
		flags &= ~MS_RDONLY;
	if (fs_label_data(c, m->type, o->data, &labeled, err) < 0)
		return -1;
	if (remount) {
		/* The mount dstfd is on, changed in place: dstfd is its handle. */
		if (mnt_fs(m->source, dstfd, m->type, flags, labeled, err) < 0)
			return -1;
		return fs_mount_apply(dstfd, o, err);
	}
	mfd = new_fs(rootfd, m->source, dstfd, dest, m->type, flags, labeled, err);
	if (mfd < 0)
		return -1;
	return fs_mount_apply(mfd, o, err);
}

/* `tree`: the id-mapped copy the parent made for this mount, or -1. */
static int mount_one(struct container *c, int rootfd, const struct spec_mount *m, int tree,
		     int src_fd, struct ward_error *err)
{
	cleanup_mountopts struct mount_opts o = { 0 };
	cleanup_free char *dest = fs_path_clean(m->destination);
	const char *type = m->type ? m->type : "";
	cleanup_close int own_tree = -1;

	if (!dest)
		return ward_error_set(err, ENOMEM, "mount");
	if (mountopts_parse(&m->options, &o, err) < 0)
		return -1;
	if (idmap_wanted(m, &o) && tree < 0) {
		/* Not made by the parent (a caller without it): only works
		 * with host privileges, i.e. without a user namespace. */
		own_tree = idmap_tree_open(c, m, &o, err);
		if (own_tree < 0)
			return -1;
		tree = own_tree;
	}
	if (strcmp(dest, "/") == 0)
		return ward_error_set(err, EINVAL, "mounting over the container's root is not supported");
	if (strcmp(type, "rbind") == 0)
		o.flags |= MS_BIND | MS_REC;
	else if (strcmp(type, "bind") == 0)
		o.flags |= MS_BIND;

	/* The "bind" option decides, whatever the type says (runc). */
	if (o.flags & MS_BIND)
		return mount_bind(c, rootfd, m, dest, &o, tree, src_fd, err);
	if (strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0)
		return mount_procsys(c, rootfd, m, dest, &o, err);
	if (strcmp(type, "cgroup") == 0) {
		if (check_proc_dest(dest, type, -1, err) < 0)
			return -1;
		return fs_mount_cgroup(c, rootfd, m, dest, &o, err);
	}
	if (strcmp(type, "tmpfs") == 0)
		return mount_tmpfs(c, rootfd, m, dest, &o, err);
	return mount_generic(c, rootfd, m, dest, &o, err);
}

/* The kernel caps the mounts of a namespace (fs.mount-max); a config over
 * it fails with a plain ENOSPC half-way, so say so first. */
static int check_mount_max(const struct spec *s, struct ward_error *err)
{
	cleanup_file FILE *f = fopen("/proc/sys/fs/mount-max", "re");
	unsigned long max;

	if (f == NULL || fscanf(f, "%lu", &max) != 1 || s->n_mounts <= max)
		return 0;
	return ward_error_set(err, ENOSPC, "the config has %zu mounts, more than fs.mount-max (%lu)",
			      s->n_mounts, max);
}

int mounts_setup(struct container *c, struct ward_error *err)
{
	cleanup_close int rootfd = -1;

	if (check_mount_max(c->spec, err) < 0)
		return -1;
	rootfd = fs_open_root(c, err);
	if (rootfd < 0)
		return -1;
	for (size_t i = 0; i < c->spec->n_mounts; i++) {
		const struct spec_mount *m = &c->spec->mounts[i];
		int tree = c->mount_fds ? c->mount_fds[i] : -1;
		int src_fd = c->mount_src_fds ? c->mount_src_fds[i] : -1;
		int r = mount_one(c, rootfd, m, tree, src_fd, err);

		if (src_fd >= 0) {
			close(src_fd);
			c->mount_src_fds[i] = -1;
		}

		/* An attached tree is the mount now; the fd is done with. */
		if (tree >= 0) {
			close(tree);
			c->mount_fds[i] = -1;
		}
		if (r < 0)
			return ward_error_wrap(err, "mounting \"%s\" to rootfs at \"%s\"",
					       m->source ? m->source : "", m->destination ? m->destination : "");
	}
	return 0;
}
