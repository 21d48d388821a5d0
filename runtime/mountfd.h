/* Mount primitives that take file descriptors, not paths: every target in
 * the rootfs is first resolved with safe_openat and then mounted through
 * its fd, so a path component swapped for a symlink after the check cannot
 * redirect the mount (CVE-2021-30465). Internal to the filesystem code. */
#ifndef WARD_MOUNTFD_H
#define WARD_MOUNTFD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>

#include "error.h"

/* Flags the kernel locks on mounts inherited by a less privileged mount
 * namespace: they may be added but never removed. */
#define MNT_LOCKED_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define MNT_ATIME_FLAGS (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

/* A new filesystem (proc, tmpfs, ...) on the directory `dstfd`. */
int mnt_fs(const char *source, int dstfd, const char *fstype, unsigned long flags, const char *data,
	   struct ward_error *err);

/* Bind `srcfd` (any fd, O_PATH is fine) onto `dstfd`: open_tree(2) +
 * move_mount(2), or mount(2) through /proc/self/fd without them. */
int mnt_bind(int srcfd, int dstfd, bool recursive, struct ward_error *err);

/* Attach a detached tree (open_tree/fsmount fd) onto `dstfd`. */
int mnt_attach(int treefd, int dstfd, struct ward_error *err);

/* A detached copy of `srcfd` (open_tree(2) OPEN_TREE_CLONE), to set up
 * and then attach with mnt_attach; after that the fd is a handle on the
 * attached mount itself. -2 when the kernel has no open_tree (use
 * mnt_bind and mnt_reopen then). */
int mnt_bind_tree(int srcfd, bool recursive, struct ward_error *err);

/* mnt_remount_bind for a tree fd, with mount_setattr(2) (top mount). */
int mnt_tree_flags(int tree, unsigned long flags, unsigned long cleared, struct ward_error *err);

/* A new filesystem as a detached mount (fsopen/fsconfig/fsmount), its
 * per-mount flags already set; `data` as for mount(2). -2 when it takes
 * mount(2) (old kernel, flags fsconfig cannot express): mnt_fs then. */
int mnt_fs_tree(const char *source, const char *fstype, unsigned long flags, const char *data,
		struct ward_error *err);

/* Like mnt_bind (recursive), but the copy is made read-only (+ `extra`:
 * MOUNT_ATTR_NOSUID/NODEV/NOEXEC), recursively, before it becomes visible.
 * Without mount_setattr(2) it falls back to a remount of the top mount,
 * found again through `rootfd` and `path`. */
int mnt_bind_ro(int srcfd, int dstfd, int rootfd, const char *path, uint64_t extra,
		struct ward_error *err);

/* MS_REMOUNT|MS_BIND of the mount whose root is `mntfd` to exactly
 * `flags` (per-mount flags). When that is refused because the mount was
 * inherited from a more privileged namespace, retry keeping the locked
 * flags it has, unless the caller explicitly `cleared` one of them. */
int mnt_remount_bind(int mntfd, unsigned long flags, unsigned long cleared, struct ward_error *err);

/* mount_setattr(2) on the mount whose root is `mntfd`. */
int mnt_setattr(int mntfd, bool recursive, uint64_t set, uint64_t clr, struct ward_error *err);

/* Make a mount read-only (adding MOUNT_ATTR_* `extra`), keeping its other
 * flags; mount_setattr, or a remount preserving the current flags. */
int mnt_make_ro(int mntfd, bool recursive, uint64_t extra, struct ward_error *err);

/* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC). */
int mnt_propagation(int mntfd, unsigned long flag, struct ward_error *err);

/* An empty read-only tmpfs on `dstfd` (masking a directory). Returns an
 * fd of the mount, which mnt_bind can clone onto the next directory (one
 * superblock for all); -2 when it was mounted by mount(2) (no fd). */
int mnt_ro_tmpfs(int dstfd, struct ward_error *err);

/* After mounting onto `oldfd` (the mountpoint): open the root of what is
 * now mounted at `path` inside `rootfd`, checking it is the mount made on
 * oldfd's dentry (skipped when oldfd < 0), inside the root. Only for the
 * mount(2) fallback: the tree fds above need no lookup at all. */
int mnt_reopen(int rootfd, const char *path, int oldfd, struct ward_error *err);

/* Is `fd` (still) inside the directory `rootfd`? Compares the paths the
 * kernel reports for both; catches a target moved or swapped while we
 * mounted (CVE-2021-30465). */
int mnt_check_in_root(int rootfd, int fd, const char *what, struct ward_error *err);

/* statfs() flags of the mount holding `fd` as MS_* flags. */
int mnt_statfs_flags(int fd, unsigned long *flags, struct ward_error *err);

/* The mount id of `fd` (statx), 0 when the kernel cannot tell. */
uint64_t mnt_id(int fd);

/* Are we in a user namespace other than the initial one? */
bool mnt_in_userns(void);

#endif
