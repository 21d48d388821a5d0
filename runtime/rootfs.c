/* The container's root: prepared before the spec mounts, entered with
 * pivot_root(2) (or MS_MOVE + chroot with --no-pivot), finished after
 * (config-linux.md "Rootfs Mount Propagation", "Masked Paths", "Readonly
 * Paths"; config.md "Root"). Everything here runs in the child's own mount
 * namespace. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs.h"
#include "mountfd.h"

/* linux.rootfsPropagation as mount flags; runc's default is rslave. */
static int root_propagation(const struct container *c, unsigned long *flag, bool *set,
			    struct ward_error *err)
{
	const char *name = c->spec->linux ? c->spec->linux->rootfs_propagation : NULL;

	*set = name && *name;
	*flag = MS_SLAVE | MS_REC;
	if (*set && mountopts_propagation(name, flag) < 0)
		return ward_error_set(err, EINVAL, "rootfsPropagation=%s is not supported", name);
	return 0;
}

/* pivot_root(2) refuses a new root whose parent mount is shared, and the
 * bind of the rootfs would propagate to the host: make the mount holding
 * the rootfs private (walking up to the nearest mount point). */
static int parent_mount_private(const char *rootfs, struct ward_error *err)
{
	cleanup_free char *path = strdup(rootfs);

	if (!path)
		return ward_error_set(err, ENOMEM, "rootfs");
	for (;;) {
		char *slash;

		if (mount(NULL, path, NULL, MS_PRIVATE, NULL) == 0)
			return 0;
		if (errno != EINVAL || strcmp(path, "/") == 0)
			return ward_error_errno(err, "make the parent mount of %s private", rootfs);
		slash = strrchr(path, '/');
		if (slash == path)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

int rootfs_prepare(struct container *c, struct ward_error *err)
{
	cleanup_close int fd = -1;
	unsigned long flag;
	bool set;

	if (root_propagation(c, &flag, &set, err) < 0)
		return -1;
	/* Without pivot_root the host's mounts stay underneath: a private
	 * root would hide their unmounts from us forever (runc refuses too). */
	if (c->no_pivot && set && (flag & MS_PRIVATE))
		return ward_error_set(err, EINVAL, "rootfsPropagation of [r]private is not safe without pivot_root");
	/* rslave by default: the host's mount events still reach us, ours
	 * never reach the host (unless the config asks for shared). */
	if (mount(NULL, "/", NULL, flag, NULL) < 0)
		return ward_error_errno(err, "set the propagation of /");
	if (parent_mount_private(c->rootfs, err) < 0)
		return -1;
	/* pivot_root needs the new root to be a mount point. */
	fd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ward_error_errno(err, "open rootfs %s", c->rootfs);
	if (c->rootfs_idmapped) {
		/* The parent's id-mapped copy goes where the bind would. */
		int r = mnt_attach(c->rootfs_tree, fd, err);

		close(c->rootfs_tree);
		c->rootfs_idmapped = false;
		if (r < 0)
			return ward_error_wrap(err, "attach the id-mapped rootfs %s", c->rootfs);
		return 0;
	}
	if (mnt_bind(fd, fd, true, err) < 0)
		return ward_error_wrap(err, "bind mount rootfs %s", c->rootfs);
	return 0;
}

static int do_pivot_root(const char *rootfs, struct ward_error *err)
{
	cleanup_close int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	cleanup_close int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

	if (oldroot < 0)
		return ward_error_errno(err, "open /");
	if (newroot < 0)
		return ward_error_errno(err, "open rootfs %s", rootfs);
	if (fchdir(newroot) < 0)
		return ward_error_errno(err, "chdir into rootfs");
	/* pivot_root(".", "."): the old root ends up stacked on top of the
	 * new one, reachable only through `oldroot`, and is lazily detached
	 * without ever needing a directory for it in the image. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return ward_error_errno(err, "pivot_root");
	if (fchdir(oldroot) < 0)
		return ward_error_errno(err, "chdir into the old root");
	/* The unmount must not propagate to the host. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return ward_error_errno(err, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return ward_error_errno(err, "unmount the old root");
	if (fchdir(newroot) < 0 || chdir("/") < 0)
		return ward_error_errno(err, "chdir /");
	return 0;
}

/* Full proc and sysfs mounts of the host outside the rootfs stay in the
 * mount namespace with chroot: the kernel would let the container mount
 * another procfs because of them. Hide them first (runc's msMoveRoot). */
static int hide_host_procfs(const char *rootfs, struct ward_error *err)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	cleanup_free char *line = NULL;
	char **points = NULL;
	size_t n = 0, cap = 0, rl = strlen(rootfs);
	int ret = 0;

	if (!f)
		return ward_error_errno(err, "open /proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		char root[PATH_MAX], point[PATH_MAX], fstype[64], **nv;
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 ||
		    sscanf(sep, " - %63s", fstype) != 1)
			continue;
		fs_unescape(root);
		fs_unescape(point);
		if (strcmp(root, "/") != 0 || (strcmp(fstype, "proc") != 0 && strcmp(fstype, "sysfs") != 0))
			continue;
		if (strncmp(point, rootfs, rl) == 0 && (point[rl] == '/' || !point[rl]))
			continue;
		nv = realloc(points, (n + 1) * sizeof(*nv));
		if (!nv || !(nv[n] = strdup(point))) {
			points = nv ? nv : points;
			ret = ward_error_set(err, ENOMEM, "mountinfo");
			goto out;
		}
		points = nv;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		if (mount(NULL, points[i], NULL, MS_SLAVE | MS_REC, NULL) < 0) {
			if (errno == ENOENT) /* under something already gone */
				continue;
			ret = ward_error_errno(err, "make %s rslave", points[i]);
			goto out;
		}
		if (umount2(points[i], MNT_DETACH) == 0)
			continue;
		/* Not allowed to unmount (locked in a user namespace): cover. */
		if ((errno != EINVAL && errno != EPERM) || mount("tmpfs", points[i], "tmpfs", 0, NULL) < 0) {
			ret = ward_error_errno(err, "hide %s", points[i]);
			goto out;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		free(points[i]);
	free(points);
	return ret;
}

static int move_root(const char *rootfs, struct ward_error *err)
{
	if (chdir(rootfs) < 0)
		return ward_error_errno(err, "chdir into rootfs %s", rootfs);
	if (hide_host_procfs(rootfs, err) < 0)
		return -1;
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return ward_error_errno(err, "move the rootfs onto /");
	if (chroot(".") < 0)
		return ward_error_errno(err, "chroot");
	if (chdir("/") < 0)
		return ward_error_errno(err, "chdir /");
	return 0;
}

/* stdio left on the host's /dev/null moves to the container's, so that
 * no fd keeps the host's /dev mount reachable (runc's reOpenDevNull). */
static void reopen_dev_null(void)
{
	cleanup_close int null = -1;
	struct stat nst, st;

	/* Look before opening: only the real null device is opened. */
	if (lstat("/dev/null", &nst) < 0 || !S_ISCHR(nst.st_mode) || nst.st_rdev != makedev(1, 3))
		return;
	null = open("/dev/null", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (null < 0 || fstat(null, &nst) < 0 || !S_ISCHR(nst.st_mode) || nst.st_rdev != makedev(1, 3))
		return;
	for (int fd = 0; fd < 3; fd++) {
		if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != nst.st_rdev)
			continue;
		if (st.st_dev == nst.st_dev && st.st_ino == nst.st_ino)
			continue;
		dup3(null, fd, 0);
	}
}

int rootfs_pivot(struct container *c, struct ward_error *err)
{
	int r = c->no_pivot ? move_root(c->rootfs, err) : do_pivot_root(c->rootfs, err);

	if (r < 0)
		return ward_error_wrap(err, "jailing process inside rootfs");
	reopen_dev_null();
	return 0;
}

int rootfs_finalize(struct container *c, struct ward_error *err)
{
	const struct spec_linux *l = c->spec->linux;
	cleanup_mountopts struct mount_opts dev_opts = { 0 };
	cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	unsigned long flag;
	bool set, dev_bind = false;
	int r;

	if (rootfd < 0)
		return ward_error_errno(err, "open /");
	if (l && fs_readonly_paths(rootfd, &l->readonly_paths, err) < 0)
		return -1;
	if (l && fs_masked_paths(rootfd, &l->masked_paths, err) < 0)
		return -1;

	/* A read-only /dev was mounted writable for the device nodes. */
	r = fs_dev_mount(c->spec, &dev_bind, &dev_opts, err);
	if (r < 0)
		return -1;
	if (r > 0 && !dev_bind && (dev_opts.flags & MS_RDONLY)) {
		cleanup_close int dev = safe_openat(rootfd, "/dev", O_PATH | O_DIRECTORY, 0, err);

		if (dev < 0 || mnt_make_ro(dev, false, 0, err) < 0)
			return ward_error_wrap(err, "remount /dev read-only");
	}

	if (c->spec->root && c->spec->root->readonly && mnt_make_ro(rootfd, false, 0, err) < 0)
		return ward_error_wrap(err, "make the rootfs read-only");

	/* Propagation of the new "/" itself can only be set now; private was
	 * already made sure of before pivot_root. */
	if (root_propagation(c, &flag, &set, err) < 0)
		return -1;
	if (set && !(flag & MS_PRIVATE) && mount(NULL, "/", NULL, flag, NULL) < 0)
		return ward_error_errno(err, "set rootfsPropagation");
	return 0;
}
