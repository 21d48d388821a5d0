/* Internal interfaces of the child-side filesystem code: mounts.c,
 * mounts_cgroup.c, copyup.c, masked.c, devices.c, rootfs.c. */
#ifndef WARD_FS_H
#define WARD_FS_H

#include <stdbool.h>

#include "container.h"
#include "mountopts.h"

/* O_PATH fd of the rootfs (the bind mount made by rootfs_prepare). */
int fs_open_root(const struct container *c, struct ward_error *err);

/* Does the container run in a user namespace (its own, a joined one, or
 * because ward itself does)? Then mknod is refused, mount flags inherited
 * from the host are locked, sysfs needs a network namespace of its own. */
bool fs_in_userns(const struct container *c);

/* "/" + path with "." dropped, ".." applied lexically (never above "/")
 * and duplicate slashes squeezed. NULL on ENOMEM. */
char *fs_path_clean(const char *path);

/* Undo the \ooo escapes of /proc/self/mountinfo fields, in place. */
void fs_unescape(char *s);

/* The linux.mounts[] entry whose destination is /dev: 1 and its options
 * (and whether it is a bind mount), 0 when there is none, -1 on error. */
int fs_dev_mount(const struct spec *s, bool *is_bind, struct mount_opts *opts, struct ward_error *err);

/* linux.mountLabel: where the SELinux context= option will be added to
 * `data` for `fstype`. Not applied yet (no SELinux on the target hosts):
 * *out is a copy of data (NULL if data is NULL). */
int fs_label_data(const struct container *c, const char *fstype, const char *data, char **out,
		  struct ward_error *err);

/* The propagation changes and recursive attributes of `o`, applied to
 * the new mount `mfd` (from mnt_reopen), last. */
int fs_mount_apply(int mfd, const struct mount_opts *o, struct ward_error *err);

/* mounts_cgroup.c: a mounts[] entry of type "cgroup". */
int fs_mount_cgroup(struct container *c, int rootfd, const struct spec_mount *m, const char *dest,
		    const struct mount_opts *o, struct ward_error *err);

/* idmap.c: id-mapped bind mounts. Does `m` ask for one (the "idmap" or
 * "ridmap" option, or mappings of its own)? */
bool idmap_wanted(const struct spec_mount *m, const struct mount_opts *o);
/* A detached, id-mapped copy of the bind source of `m` (O_CLOEXEC), ready
 * for move_mount. Needs host privileges (CAP_SYS_ADMIN in the initial
 * user namespace). */
int idmap_tree_open(const struct container *c, const struct spec_mount *m, const struct mount_opts *o,
		    struct ward_error *err);
/* Parent, at create: c->mount_fds for every mount that wants an idmap
 * (stays NULL when none does). Released (closed, freed) by
 * idmap_release_mounts; the child closes each one it attaches. */
int idmap_prepare_mounts(struct container *c, struct ward_error *err);
void idmap_release_mounts(struct container *c);

/* copyup.c: copy the tree under `src` into `dst` (both directory fds),
 * keeping modes, owners, times, symlinks and device nodes ("tmpcopyup"). */
int fs_copy_tree(int src, int dst, struct ward_error *err);

/* masked.c: linux.readonlyPaths and linux.maskedPaths, after pivot_root. */
int fs_readonly_paths(int rootfd, const struct spec_strv *paths, struct ward_error *err);
int fs_masked_paths(int rootfd, const struct spec_strv *paths, struct ward_error *err);

#endif
