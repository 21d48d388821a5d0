/* fd-based mount primitives (see mountfd.h). The new mount API is used
 * where it removes a dependency on /proc or a window in which a mount is
 * visible with the wrong flags; mount(2) through /proc/self/fd/N is the
 * fallback on kernels or seccomp profiles without it. */
#include "config.h"

#include "mountfd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container.h"
#include "fs.h"

#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000 /* Linux 5.10 */
#endif

/* ENOSYS: old kernel; EPERM: a seccomp profile that does not know the
 * call (mount(2) then reports a real EPERM itself). */
static bool no_new_api(int e)
{
	return e == ENOSYS || e == EPERM;
}

int mnt_fs(const char *source, int dstfd, const char *fstype, unsigned long flags, const char *data,
	   struct ward_error *err)
{
	char dst[SAFE_FD_PATH_MAX];

	safe_fd_path(dstfd, dst);
	if (mount(source ? source : fstype, dst, fstype, flags, data) < 0)
		return ward_error_errno(err, "mount %s", fstype);
	return 0;
}

static int bind_legacy(int srcfd, int dstfd, bool recursive, struct ward_error *err)
{
	char src[SAFE_FD_PATH_MAX], dst[SAFE_FD_PATH_MAX];

	safe_fd_path(srcfd, src);
	safe_fd_path(dstfd, dst);
	if (mount(src, dst, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
		return ward_error_errno(err, "bind mount");
	return 0;
}

static int attach(int treefd, int dstfd, struct ward_error *err)
{
	if (move_mount(treefd, "", dstfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return ward_error_errno(err, "move_mount");
	return 0;
}

int mnt_attach(int treefd, int dstfd, struct ward_error *err)
{
	return attach(treefd, dstfd, err);
}

int mnt_bind(int srcfd, int dstfd, bool recursive, struct ward_error *err)
{
	cleanup_close int tree = open_tree(srcfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
						       (recursive ? AT_RECURSIVE : 0));

	if (tree < 0) {
		if (no_new_api(errno))
			return bind_legacy(srcfd, dstfd, recursive, err);
		return ward_error_errno(err, "open_tree");
	}
	return attach(tree, dstfd, err);
}

int mnt_bind_tree(int srcfd, bool recursive, struct ward_error *err)
{
	int tree = open_tree(srcfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
					 (recursive ? AT_RECURSIVE : 0));

	if (tree < 0)
		return no_new_api(errno) ? -2 : ward_error_errno(err, "open_tree");
	return tree;
}

/* MS_* per-mount flags as MOUNT_ATTR_* (the atime mode apart). */
static uint64_t ms_to_attr(unsigned long f)
{
	return ((f & MS_RDONLY) ? MOUNT_ATTR_RDONLY : 0) | ((f & MS_NOSUID) ? MOUNT_ATTR_NOSUID : 0) |
	       ((f & MS_NODEV) ? MOUNT_ATTR_NODEV : 0) | ((f & MS_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0) |
	       ((f & MS_NODIRATIME) ? MOUNT_ATTR_NODIRATIME : 0) |
	       ((f & MS_NOSYMFOLLOW) ? MOUNT_ATTR_NOSYMFOLLOW : 0);
}

static uint64_t ms_to_atime(unsigned long f)
{
	if (f & MS_NOATIME)
		return MOUNT_ATTR_NOATIME;
	return (f & MS_STRICTATIME) ? MOUNT_ATTR_STRICTATIME : MOUNT_ATTR_RELATIME;
}

int mnt_tree_flags(int tree, unsigned long flags, unsigned long cleared, struct ward_error *err)
{
	const uint64_t all = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
			     MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW;
	struct mount_attr attr = { .attr_set = ms_to_attr(flags) | ms_to_atime(flags) };
	unsigned long cur;

	/* What MS_REMOUNT|MS_BIND does: exactly these flags, nothing else. */
	attr.attr_clr = (all & ~attr.attr_set) | MOUNT_ATTR__ATIME;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == 0)
		return 0;
	if (errno != EPERM)
		return ward_error_errno(err, "mount_setattr");
	/* Locked by the parent namespace: keep them (as mnt_remount_bind). */
	if (mnt_statfs_flags(tree, &cur, err) < 0)
		return -1;
	if (cur & cleared & MNT_LOCKED_FLAGS)
		return ward_error_set(err, EPERM, "remount: cannot clear flags locked by the parent namespace");
	attr.attr_clr &= ~ms_to_attr(cur & MNT_LOCKED_FLAGS);
	if (!(flags & MNT_ATIME_FLAGS)) {
		attr.attr_clr &= ~(MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME);
		attr.attr_set &= ~(MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME);
	}
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return ward_error_errno(err, "mount_setattr");
	return 0;
}

/* Superblock flags fsconfig(2) knows by name (fs/fs_context.c). */
static const struct { unsigned long ms; const char *name; } sb_flags[] = {
	{ MS_RDONLY, "ro" }, { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" },
	{ MS_LAZYTIME, "lazytime" }, { MS_MANDLOCK, "mand" },
};

int mnt_fs_tree(const char *source, const char *fstype, unsigned long flags, const char *data,
		struct ward_error *err)
{
	const unsigned long known = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME |
				    MS_NOSYMFOLLOW | MNT_ATIME_FLAGS | MS_SYNCHRONOUS | MS_DIRSYNC |
				    MS_LAZYTIME | MS_MANDLOCK | MS_SILENT;
	cleanup_close int fs = -1;
	cleanup_free char *copy = NULL;
	char *save = NULL;
	int mfd;

	/* What fsconfig cannot say the way mount(2) does (MS_I_VERSION, a
	 * tmpfs mpol= node list, a quoted SELinux context= with commas):
	 * mount(2) then. */
	if ((flags & ~known) || (data && (strstr(data, "mpol=") || strstr(data, "context="))))
		return -2;
	fs = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs < 0)
		return no_new_api(errno) ? -2 : ward_error_errno(err, "fsopen %s", fstype);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", source ? source : fstype, 0) < 0)
		return ward_error_errno(err, "mount %s: source", fstype);
	for (size_t i = 0; i < sizeof(sb_flags) / sizeof(sb_flags[0]); i++)
		if ((flags & sb_flags[i].ms) && fsconfig(fs, FSCONFIG_SET_FLAG, sb_flags[i].name, NULL, 0) < 0)
			return ward_error_errno(err, "mount %s: %s", fstype, sb_flags[i].name);
	if (data && !(copy = strdup(data)))
		return ward_error_set(err, ENOMEM, "mount %s", fstype);
	for (char *opt = copy ? strtok_r(copy, ",", &save) : NULL; opt; opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '=');
		int r;

		if (eq) {
			*eq = '\0';
			r = fsconfig(fs, FSCONFIG_SET_STRING, opt, eq + 1, 0);
		} else {
			r = fsconfig(fs, FSCONFIG_SET_FLAG, opt, NULL, 0);
		}
		if (r < 0)
			return ward_error_errno(err, "mount %s: option %s", fstype, opt);
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return ward_error_errno(err, "mount %s", fstype);
	mfd = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned int)(ms_to_attr(flags) | ms_to_atime(flags)));
	if (mfd < 0)
		return ward_error_errno(err, "fsmount %s", fstype);
	return mfd;
}

int mnt_bind_ro(int srcfd, int dstfd, int rootfd, const char *path, uint64_t extra,
		struct ward_error *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | extra };
	cleanup_close int tree = open_tree(srcfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
						       AT_RECURSIVE);
	cleanup_close int mfd = -1;

	if (tree >= 0) {
		if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) == 0)
			return attach(tree, dstfd, err);
		if (!no_new_api(errno))
			return ward_error_errno(err, "mount_setattr");
	} else if (!no_new_api(errno)) {
		return ward_error_errno(err, "open_tree");
	}
	/* Old kernel: bind, then remount the top mount only. */
	if (bind_legacy(srcfd, dstfd, true, err) < 0)
		return -1;
	mfd = mnt_reopen(rootfd, path, dstfd, err);
	if (mfd < 0)
		return -1;
	return mnt_make_ro(mfd, false, extra, err);
}

int mnt_statfs_flags(int fd, unsigned long *flags, struct ward_error *err)
{
	static const struct { unsigned long st, ms; } map[] = {
		{ ST_RDONLY, MS_RDONLY },       { ST_NOSUID, MS_NOSUID },
		{ ST_NODEV, MS_NODEV },         { ST_NOEXEC, MS_NOEXEC },
		{ ST_SYNCHRONOUS, MS_SYNCHRONOUS }, { ST_MANDLOCK, MS_MANDLOCK },
		{ ST_NOATIME, MS_NOATIME },     { ST_NODIRATIME, MS_NODIRATIME },
		{ ST_RELATIME, MS_RELATIME },   { ST_NOSYMFOLLOW, MS_NOSYMFOLLOW },
	};
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return ward_error_errno(err, "statfs");
	*flags = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if ((unsigned long)sfs.f_flags & map[i].st)
			*flags |= map[i].ms;
	return 0;
}

/* The atime mode a remount must name to keep the current one: no flag
 * at all means relatime to the kernel. */
static unsigned long keep_atime(unsigned long cur)
{
	unsigned long f = cur & (MS_NOATIME | MS_NODIRATIME | MS_RELATIME);

	if (!(cur & (MS_NOATIME | MS_RELATIME)))
		f |= MS_STRICTATIME;
	return f;
}

int mnt_remount_bind(int mntfd, unsigned long flags, unsigned long cleared, struct ward_error *err)
{
	unsigned long f = (flags & ~(MS_REC | MS_BIND | MS_REMOUNT)) | MS_BIND | MS_REMOUNT;
	unsigned long cur;
	char p[SAFE_FD_PATH_MAX];

	safe_fd_path(mntfd, p);
	if (mount(NULL, p, NULL, f, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return ward_error_errno(err, "remount");
	/* In a user namespace the flags of inherited mounts are locked
	 * (mount_namespaces(7)): keep them rather than fail, but never
	 * silently drop one the config asked to clear ("rw", "dev"...). */
	if (mnt_statfs_flags(mntfd, &cur, err) < 0)
		return -1;
	if (cur & cleared & MNT_LOCKED_FLAGS)
		return ward_error_set(err, EPERM, "remount: cannot clear flags locked by the parent namespace");
	f |= cur & MNT_LOCKED_FLAGS;
	if (!(flags & MNT_ATIME_FLAGS))
		f |= keep_atime(cur);
	if (mount(NULL, p, NULL, f, NULL) < 0)
		return ward_error_errno(err, "remount");
	return 0;
}

int mnt_setattr(int mntfd, bool recursive, uint64_t set, uint64_t clr, struct ward_error *err)
{
	struct mount_attr attr = { .attr_set = set, .attr_clr = clr };

	if (mount_setattr(mntfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
		return ward_error_errno(err, "mount_setattr");
	return 0;
}

int mnt_make_ro(int mntfd, bool recursive, uint64_t extra, struct ward_error *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | extra };
	unsigned long cur, f;
	char p[SAFE_FD_PATH_MAX];

	if (mount_setattr(mntfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) == 0)
		return 0;
	if (!no_new_api(errno))
		return ward_error_errno(err, "mount_setattr");
	/* A remount sets all per-mount flags: start from the current ones.
	 * MOUNT_ATTR_{RDONLY,NOSUID,NODEV,NOEXEC} equal their MS_ values. */
	if (mnt_statfs_flags(mntfd, &cur, err) < 0)
		return -1;
	f = MS_BIND | MS_REMOUNT | MS_RDONLY | (cur & ~MNT_ATIME_FLAGS) | keep_atime(cur) |
	    (extra & (MS_NOSUID | MS_NODEV | MS_NOEXEC));
	safe_fd_path(mntfd, p);
	if (mount(NULL, p, NULL, f, NULL) < 0)
		return ward_error_errno(err, "remount read-only");
	return 0;
}

int mnt_propagation(int mntfd, unsigned long flag, struct ward_error *err)
{
	char p[SAFE_FD_PATH_MAX];

	safe_fd_path(mntfd, p);
	if (mount(NULL, p, NULL, flag, NULL) < 0)
		return ward_error_errno(err, "set mount propagation");
	return 0;
}

int mnt_ro_tmpfs(int dstfd, struct ward_error *err)
{
	const uint64_t attrs = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
	cleanup_close int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	cleanup_close int mfd = -1;

	if (fs < 0) {
		if (no_new_api(errno))
			return mnt_fs("tmpfs", dstfd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
				      err) < 0 ? -1 : -2;
		return ward_error_errno(err, "fsopen tmpfs");
	}
	if (fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return ward_error_errno(err, "create tmpfs");
	mfd = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (mfd < 0)
		return ward_error_errno(err, "fsmount tmpfs");
	if (attach(mfd, dstfd, err) < 0)
		return -1;
	return steal_fd(mfd);
}

uint64_t mnt_id(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
		return 0;
	return (stx.stx_mask & STATX_MNT_ID) ? stx.stx_mnt_id : 0;
}

static bool same_inode(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int mnt_check_in_root(int rootfd, int fd, const char *what, struct ward_error *err)
{
	char rp[SAFE_FD_PATH_MAX], fp[SAFE_FD_PATH_MAX];
	char root[PATH_MAX], path[PATH_MAX];
	cleanup_close int cur_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ssize_t rn, fn;

	/* Already inside (after pivot_root): nothing can be outside. */
	if (cur_root >= 0 && same_inode(rootfd, cur_root) && mnt_id(rootfd) == mnt_id(cur_root))
		return 0;
	safe_fd_path(rootfd, rp);
	safe_fd_path(fd, fp);
	rn = readlink(rp, root, sizeof(root) - 1);
	fn = readlink(fp, path, sizeof(path) - 1);
	if (rn < 0 || fn < 0)
		return ward_error_errno(err, "%s: cannot verify the mount target", what);
	root[rn] = '\0';
	path[fn] = '\0';
	if (strcmp(root, "/") == 0)
		return 0;
	if (strncmp(path, root, rn) != 0 || (path[rn] != '\0' && path[rn] != '/'))
		return ward_error_set(err, EXDEV, "%s: mount target %s is outside the rootfs %s", what, path,
				      root);
	return 0;
}

/* statmount(2) (Linux 6.8), for kernel headers that predate it. */
#ifndef __NR_statmount
#define __NR_statmount 457
#endif
#define WARD_STATX_MNT_ID_UNIQUE 0x00004000U
#define WARD_STATMOUNT_MNT_BASIC 0x00000002U
#define WARD_STATMOUNT_MNT_POINT 0x00000010U

struct ward_mnt_id_req {
	uint32_t size, spare;
	uint64_t mnt_id, param;
};

struct ward_statmount {
	uint32_t size, mnt_opts;
	uint64_t mask;
	uint32_t sb_dev_major, sb_dev_minor;
	uint64_t sb_magic;
	uint32_t sb_flags, fs_type;
	uint64_t mnt_id, mnt_parent_id;
	uint32_t mnt_id_old, mnt_parent_id_old;
	uint64_t mnt_attr, mnt_propagation, mnt_peer_group, mnt_master, propagate_from;
	uint32_t mnt_root, mnt_point;
	uint64_t spare2[50];
	char str[];
};

static uint64_t mnt_id_unique(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, WARD_STATX_MNT_ID_UNIQUE, &stx) < 0)
		return 0;
	return (stx.stx_mask & WARD_STATX_MNT_ID_UNIQUE) ? stx.stx_mnt_id : 0;
}

/* mounted_on() through statmount(2): one mount looked up instead of the
 * whole mount table formatted and parsed (a dozen times per container).
 * 1: verified, 0: not at its target, -1: statmount cannot tell here. */
static int mounted_on_statmount(int mfd, int oldfd, const char *want)
{
	union {
		struct ward_statmount sm;
		char buf[sizeof(struct ward_statmount) + PATH_MAX + 64];
	} u;
	uint64_t id = mnt_id_unique(mfd), parent = mnt_id_unique(oldfd);
	struct ward_mnt_id_req req = {
		.size = sizeof(req),
		.mnt_id = id,
		.param = WARD_STATMOUNT_MNT_BASIC | WARD_STATMOUNT_MNT_POINT,
	};
	size_t room;

	if (!id || !parent)
		return -1;
	if (syscall(__NR_statmount, &req, &u.sm, sizeof(u), 0) < 0)
		return -1;
	if ((u.sm.mask & (WARD_STATMOUNT_MNT_BASIC | WARD_STATMOUNT_MNT_POINT)) !=
	    (WARD_STATMOUNT_MNT_BASIC | WARD_STATMOUNT_MNT_POINT))
		return -1;
	room = sizeof(u) - sizeof(u.sm);
	if (u.sm.mnt_point >= room || memchr(u.sm.str + u.sm.mnt_point, '\0', room - u.sm.mnt_point) == NULL)
		return -1;
	return u.sm.mnt_id == id && u.sm.mnt_parent_id == parent && strcmp(u.sm.str + u.sm.mnt_point, want) == 0;
}

/* Is the mount `mfd` sits on mounted right on the dentry of `oldfd`? Its
 * parent mount must be that of oldfd and its mount point oldfd's current
 * path (statmount, else /proc/self/mountinfo): a new mount id alone would
 * also accept another mount point the path was swapped for
 * (CVE-2021-30465). */
static int mounted_on(int mfd, int oldfd, const char *what, struct ward_error *err)
{
	char fp[SAFE_FD_PATH_MAX], want[PATH_MAX];
	uint64_t id, parent;
	cleanup_file FILE *f = NULL;
	cleanup_free char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int r;

	safe_fd_path(oldfd, fp);
	n = readlink(fp, want, sizeof(want) - 1);
	if (n < 0)
		return ward_error_errno(err, "%s: cannot verify the new mount", what);
	want[n] = '\0';
	r = getenv("WARD_TEST_NO_STATMOUNT") ? -1 : mounted_on_statmount(mfd, oldfd, want);
	if (r == 1)
		return 0;
	if (r == 0)
		return ward_error_set(err, EBUSY, "%s: the new mount is not at its target (replaced while mounting?)",
				      what);
	/* The fallback's ids, only when statmount could not answer (it
	 * takes the unique ones). */
	id = mnt_id(mfd);
	parent = mnt_id(oldfd);
	if (!id || !parent)
		return ward_error_errno(err, "%s: cannot verify the new mount", what);
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return ward_error_errno(err, "%s: cannot verify the new mount", what);
	while (getline(&line, &cap, f) > 0) {
		unsigned long long mid, pid;
		char *mp;

		if (sscanf(line, "%llu %llu", &mid, &pid) != 2 || mid != id)
			continue;
		/* id parent major:minor root mountpoint ... */
		mp = line;
		for (int i = 0; i < 4 && mp; i++) {
			mp = strchr(mp, ' ');
			if (mp)
				mp++;
		}
		if (!mp)
			break;
		mp[strcspn(mp, " ")] = '\0';
		fs_unescape(mp);
		if (pid == parent && strcmp(mp, want) == 0)
			return 0;
		break;
	}
	return ward_error_set(err, EBUSY, "%s: the new mount is not at its target (replaced while mounting?)",
			      what);
}

int mnt_reopen(int rootfd, const char *path, int oldfd, struct ward_error *err)
{
	cleanup_close int fd = safe_openat(rootfd, path, O_PATH, 0, err);

	if (fd < 0)
		return -1;
	if (oldfd >= 0 && mounted_on(fd, oldfd, path, err) < 0)
		return -1;
	if (mnt_check_in_root(rootfd, fd, path, err) < 0)
		return -1;
	return steal_fd(fd);
}

bool mnt_in_userns(void)
{
	cleanup_file FILE *f = fopen("/proc/self/uid_map", "re");
	unsigned long inside, outside, count;

	if (!f)
		return false;
	/* The initial namespace maps all 2^32 - 1 ids onto themselves. */
	if (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) != 3)
		return true;
	return !(inside == 0 && outside == 0 && count == 4294967295UL);
}
