/* Writes to /proc files that change our own process (oom_score_adj, LSM
 * exec labels, sysctls). After pivot_root /proc belongs to the container
 * image's mount tree, so refuse anything that is not really procfs: a
 * symlink or a file planted over it must not receive our writes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "security.h"

int procfs_write_file(const char *path, const char *buf, size_t len, struct ward_error *err)
{
	cleanup_close int fd = -1;
	struct statfs sfs;
	ssize_t n;

	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ward_error_errno(err, "open %s", path);
	if (fstatfs(fd, &sfs) < 0)
		return ward_error_errno(err, "fstatfs %s", path);
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return ward_error_set(err, EXDEV, "%s is not on procfs", path);
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ward_error_errno(err, "write %s", path);
	if ((size_t)n != len)
		return ward_error_set(err, EIO, "write %s: short write (%zd of %zu bytes)", path, n, len);
	return 0;
}
