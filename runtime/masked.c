/* linux.readonlyPaths and linux.maskedPaths (config-linux.md), applied
 * after pivot_root with every path resolved inside the new root. Paths
 * that do not exist are skipped, as the spec allows. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs.h"
#include "mountfd.h"

/* Read-only, and nothing to execute, no set-id, no devices: recursively,
 * so that mounts below the path (binfmt_misc under /proc/sys...) are
 * covered too, before the copy becomes visible. */
int fs_readonly_paths(int rootfd, const struct spec_strv *paths, struct ward_error *err)
{
	for (size_t i = 0; i < paths->len; i++) {
		const char *p = paths->items[i];
		cleanup_close int fd = safe_openat(rootfd, p, O_PATH, 0, err);

		if (fd < 0) {
			if (errno == ENOENT) {
				ward_error_clear(err);
				continue;
			}
			return ward_error_wrap(err, "readonly path");
		}
		if (mnt_bind_ro(fd, fd, rootfd, p, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err) < 0)
			return ward_error_wrap(err, "readonly path %s", p);
	}
	return 0;
}

/* The container's /dev/null, checked to really be the null device: an
 * image could put a symlink or a regular file there, and binding that
 * over /proc/sysrq-trigger would unmask what should be masked
 * (CVE-2025-31133). */
static int open_null(int rootfd, struct ward_error *err)
{
	cleanup_close int fd = safe_openat(rootfd, "/dev/null", O_PATH, 0, err);
	struct stat st;

	if (fd < 0)
		return ward_error_wrap(err, "masked paths");
	if (fstat(fd, &st) < 0)
		return ward_error_errno(err, "masked paths: stat /dev/null");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return ward_error_set(err, EPERM, "masked paths: /dev/null in the container is not the null device");
	return steal_fd(fd);
}

int fs_masked_paths(int rootfd, const struct spec_strv *paths, struct ward_error *err)
{
	cleanup_close int null = -1;
	cleanup_close int empty = -1; /* the first masking tmpfs, bound on the others */

	for (size_t i = 0; i < paths->len; i++) {
		const char *p = paths->items[i];
		cleanup_close int fd = safe_openat(rootfd, p, O_PATH, 0, err);
		struct stat st;

		if (fd < 0) {
			if (errno == ENOENT) {
				ward_error_clear(err);
				continue;
			}
			return ward_error_wrap(err, "masked path");
		}
		if (fstat(fd, &st) < 0)
			return ward_error_errno(err, "masked path %s", p);
		if (S_ISDIR(st.st_mode)) {
			int r = empty >= 0 ? mnt_bind(empty, fd, false, err) : mnt_ro_tmpfs(fd, err);

			if (r == -1)
				return ward_error_wrap(err, "masked path %s", p);
			if (empty < 0 && r >= 0)
				empty = r;
			continue;
		}
		if (null < 0 && (null = open_null(rootfd, err)) < 0)
			return -1;
		if (mnt_bind(null, fd, false, err) < 0)
			return ward_error_wrap(err, "masked path %s", p);
	}
	return 0;
}
