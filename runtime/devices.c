/* /dev inside the container (config-linux.md "Devices", "Default
 * Devices", "/dev symbolic links"), the way runc fills it: unless /dev is
 * a bind mount, create the default devices and linux.devices (mknod; a
 * bind of the host's node in a user namespace, where mknod is refused),
 * /dev/ptmx -> pts/ptmx, the fd/stdio/core links and, for a terminal, an
 * empty /dev/console for the pty to be bound onto. A /dev that is a
 * symlink in the image is refused: nothing may be made outside. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs.h"
#include "mountfd.h"

struct dev_node {
	const char *path; /* "/dev/...", clean: also the host's node to bind */
	mode_t type; /* S_IFCHR, S_IFBLK, S_IFIFO */
	unsigned int major, minor;
	mode_t perm;
	uid_t uid;
	gid_t gid;
};

static const struct dev_node default_devices[] = {
	{ "/dev/null", S_IFCHR, 1, 3, 0666, 0, 0 },
	{ "/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0 },
	{ "/dev/full", S_IFCHR, 1, 7, 0666, 0, 0 },
	{ "/dev/random", S_IFCHR, 1, 8, 0666, 0, 0 },
	{ "/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0 },
	{ "/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0 },
};

/* The node's path inside /dev: every lookup treats /dev as the root, so
 * a symlink under it (a rootfs without a /dev mount) cannot lead the node
 * anywhere else in the image. */
static const char *in_dev(const struct dev_node *d)
{
	return d->path + strlen("/dev");
}

/* Split "/dev/a/b/c" into a directory fd (made inside /dev) and "c";
 * -2 for a node right in /dev (devfd itself, most of them). */
static int parent_of(int devfd, const struct dev_node *d, char base[NAME_MAX + 1],
		     struct ward_error *err)
{
	cleanup_free char *dir = strdup(in_dev(d));
	char *slash;

	if (!dir)
		return ward_error_set(err, ENOMEM, "device");
	slash = strrchr(dir, '/');
	if (!slash[1] || strlen(slash + 1) > NAME_MAX)
		return ward_error_set(err, EINVAL, "invalid device path %s", d->path);
	strcpy(base, slash + 1);
	*slash = '\0';
	if (!*dir)
		return -2;
	return safe_mkdir_all(devfd, dir, 0755, err);
}

/* User namespace: an empty file with the host's node bound onto it,
 * after checking the host path really is that device. */
static int bind_node(int devfd, const struct dev_node *d, struct ward_error *err)
{
	cleanup_close int src = open(d->path, O_PATH | O_CLOEXEC);
	cleanup_close int dst = -1;
	struct stat st;

	if (src < 0 || fstat(src, &st) < 0)
		return ward_error_errno(err, "host device %s", d->path);
	if ((st.st_mode & S_IFMT) != d->type ||
	    (d->type != S_IFIFO && st.st_rdev != makedev(d->major, d->minor)))
		return ward_error_set(err, EINVAL, "host %s is not device %u:%u", d->path, d->major, d->minor);
	dst = safe_create_file(devfd, in_dev(d), 0000, err);
	if (dst < 0)
		return -1;
	return mnt_bind(src, dst, false, err);
}

static int make_node(int devfd, const struct dev_node *d, bool bind, struct ward_error *err)
{
	cleanup_close int sub = -1, fd = -1;
	char p[SAFE_FD_PATH_MAX], base[NAME_MAX + 1];
	struct stat st;
	int dir;

	if (bind)
		return bind_node(devfd, d, err);
	sub = parent_of(devfd, d, base, err);
	if (sub == -1)
		return -1;
	dir = sub == -2 ? devfd : sub;
	if (mknodat(dir, base, d->type | d->perm, makedev(d->major, d->minor)) < 0) {
		if (errno == EEXIST)
			return 0; /* runc leaves what the image has */
		if (errno == EPERM)
			return bind_node(devfd, d, err);
		return ward_error_errno(err, "mknod %s", d->path);
	}
	/* mknod made it right as a rule (our umask is 0 here, and the owner
	 * ours): a look without following links is all it takes then. */
	if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return ward_error_errno(err, "stat %s", d->path);
	if ((st.st_mode & S_IFMT) != d->type)
		return ward_error_set(err, EEXIST, "%s was replaced while being created", d->path);
	if ((st.st_mode & 07777) == (d->perm & 07777) && st.st_uid == d->uid && st.st_gid == d->gid)
		return 0;
	/* Otherwise owner and mode through an fd on what we made (never a
	 * symlink swapped in meanwhile); the mode again after the chown,
	 * which clears set-id bits. */
	fd = openat(dir, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return ward_error_errno(err, "open %s", d->path);
	if ((st.st_mode & S_IFMT) != d->type)
		return ward_error_set(err, EEXIST, "%s was replaced while being created", d->path);
	if ((st.st_uid != d->uid || st.st_gid != d->gid) &&
	    fchownat(fd, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
		return ward_error_errno(err, "chown %s", d->path);
	safe_fd_path(fd, p);
	if (chmod(p, d->perm) < 0)
		return ward_error_errno(err, "chmod %s", d->path);
	return 0;
}

/* d->path is set to a clean copy of the path, which *clean owns. */
static int spec_node(const struct spec_device *sd, struct dev_node *d, char **clean,
		     struct ward_error *err)
{
	if (!sd->type || !sd->path)
		return ward_error_set(err, EINVAL, "device without type or path");
	*clean = fs_path_clean(sd->path);
	if (*clean == NULL)
		return ward_error_set(err, ENOMEM, "device %s", sd->path);
	if (strncmp(*clean, "/dev/", 5) != 0 || (*clean)[5] == '\0')
		return ward_error_set(err, EINVAL, "device %s is not below /dev", sd->path);
	if (strcmp(sd->type, "c") == 0 || strcmp(sd->type, "u") == 0)
		d->type = S_IFCHR;
	else if (strcmp(sd->type, "b") == 0)
		d->type = S_IFBLK;
	else if (strcmp(sd->type, "p") == 0)
		d->type = S_IFIFO;
	else
		return ward_error_set(err, EINVAL, "device %s: invalid type %s", sd->path, sd->type);
	d->path = *clean;
	d->major = (unsigned int)sd->major;
	d->minor = (unsigned int)sd->minor;
	d->perm = sd->file_mode.set ? sd->file_mode.value & 07777 : 0666;
	d->uid = sd->uid.set ? sd->uid.value : 0;
	d->gid = sd->gid.set ? sd->gid.value : 0;
	return 0;
}

static bool overridden(const struct spec_linux *l, const char *path)
{
	for (size_t i = 0; l && i < l->n_devices; i++) {
		cleanup_free char *p = fs_path_clean(l->devices[i].path);

		if (p && strcmp(p, path) == 0)
			return true;
	}
	return false;
}

static int make_nodes(struct container *c, int devfd, struct ward_error *err)
{
	const struct spec_linux *l = c->spec->linux;
	bool bind = fs_in_userns(c);

	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
		if (overridden(l, default_devices[i].path))
			continue;
		if (make_node(devfd, &default_devices[i], bind, err) < 0)
			return -1;
	}
	for (size_t i = 0; l && i < l->n_devices; i++) {
		cleanup_free char *clean = NULL;
		struct dev_node d;

		if (spec_node(&l->devices[i], &d, &clean, err) < 0 ||
		    make_node(devfd, &d, bind, err) < 0)
			return -1;
	}
	return 0;
}

static int dev_links(int devfd, struct ward_error *err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },
		{ "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" },
		{ "/proc/self/fd/2", "stderr" },
	};

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][0], devfd, links[i][1]) < 0 && errno != EEXIST)
			return ward_error_errno(err, "symlink /dev/%s", links[i][1]);
	/* Only where the kernel has it (CONFIG_PROC_KCORE). */
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", devfd, "core") < 0 && errno != EEXIST)
		return ward_error_errno(err, "symlink /dev/core");
	/* The devpts instance mounted at /dev/pts (newinstance) owns ptys. */
	if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
		return ward_error_errno(err, "remove /dev/ptmx");
	if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
		return ward_error_errno(err, "symlink /dev/ptmx");
	return 0;
}

/* /dev of the rootfs, refusing one that is a symlink in the image. */
static int open_dev(int rootfd, struct ward_error *err)
{
	cleanup_close int fd = safe_openat(rootfd, "/dev", O_PATH | O_NOFOLLOW, 0, err);
	struct stat st;

	if (fd < 0) {
		if (errno != ENOENT)
			return -1;
		ward_error_clear(err);
		return safe_mkdir_all(rootfd, "/dev", 0755, err);
	}
	if (fstat(fd, &st) < 0)
		return ward_error_errno(err, "stat /dev");
	if (S_ISLNK(st.st_mode))
		return ward_error_set(err, ELOOP, "/dev in the rootfs is a symlink");
	if (!S_ISDIR(st.st_mode))
		return ward_error_set(err, ENOTDIR, "/dev in the rootfs is not a directory");
	return steal_fd(fd);
}

int devices_setup(struct container *c, struct ward_error *err)
{
	cleanup_mountopts struct mount_opts dev_opts = { 0 };
	cleanup_close int rootfd = -1, devfd = -1;
	bool dev_bind = false;
	mode_t old_umask;
	int r;

	/* A /dev bound from elsewhere is taken as it is (runc). */
	r = fs_dev_mount(c->spec, &dev_bind, &dev_opts, err);
	if (r < 0)
		return -1;
	if (r > 0 && dev_bind)
		return 0;
	rootfd = fs_open_root(c, err);
	if (rootfd < 0)
		return -1;
	devfd = open_dev(rootfd, err);
	if (devfd < 0)
		return ward_error_wrap(err, "devices");

	old_umask = umask(0);
	r = make_nodes(c, devfd, err);
	umask(old_umask);
	if (r < 0)
		return ward_error_wrap(err, "devices");
	if (dev_links(devfd, err) < 0)
		return ward_error_wrap(err, "devices");
	if (c->spec->process && c->spec->process->terminal) {
		cleanup_close int fd = -1;

		old_umask = umask(0);
		fd = safe_create_file(rootfd, "/dev/console", 0666, err);
		umask(old_umask);
		if (fd < 0)
			return ward_error_wrap(err, "devices");
	}
	return 0;
}
