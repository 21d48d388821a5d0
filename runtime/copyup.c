/* "tmpcopyup" (a runc extension): a tmpfs mounted over an image directory
 * starts with a copy of that directory. The image is untrusted, so the copy
 * never follows a symlink: everything is opened relative to directory fds
 * with O_NOFOLLOW, symlinks are copied as symlinks. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

static int copy_data(int in, int out)
{
	char buf[65536];

	for (;;) {
		ssize_t n = sendfile(out, in, NULL, 1 << 20);

		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		break;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n == 0)
			return 0;
		if (n < 0)
			return -1;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, n - off);

			if (w < 0)
				return -1;
			off += w;
		}
	}
}

/* Owner first: chown clears set-id bits, the mode restores them. */
static int set_attrs_fd(int fd, const struct stat *st)
{
	const struct timespec t[2] = { st->st_atim, st->st_mtim };

	if (fchown(fd, st->st_uid, st->st_gid) < 0 || fchmod(fd, st->st_mode & 07777) < 0 ||
	    futimens(fd, t) < 0)
		return -1;
	return 0;
}

static int copy_entry(int src, int dst, const char *name, struct ward_error *err);

int fs_copy_tree(int src, int dst, struct ward_error *err)
{
	int dfd = dup(src);
	cleanup_dir DIR *d = NULL;
	struct dirent *de;

	if (dfd < 0)
		return ward_error_errno(err, "dup");
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return ward_error_errno(err, "opendir");
	}
	rewinddir(d);
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (copy_entry(src, dst, de->d_name, err) < 0)
			return -1;
	}
	if (errno)
		return ward_error_errno(err, "readdir");
	return 0;
}

static int copy_entry(int src, int dst, const char *name, struct ward_error *err)
{
	struct stat st;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return ward_error_errno(err, "stat %s", name);

	if (S_ISDIR(st.st_mode)) {
		cleanup_close int in = -1, out = -1;

		if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST)
			return ward_error_errno(err, "mkdir %s", name);
		in = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		out = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0 || out < 0)
			return ward_error_errno(err, "open %s", name);
		if (fs_copy_tree(in, out, err) < 0)
			return ward_error_wrap(err, "%s", name);
		if (set_attrs_fd(out, &st) < 0)
			return ward_error_errno(err, "%s: set owner and mode", name);
	} else if (S_ISREG(st.st_mode)) {
		cleanup_close int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		cleanup_close int out = -1;

		if (in < 0)
			return ward_error_errno(err, "open %s", name);
		out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			return ward_error_errno(err, "create %s", name);
		if (copy_data(in, out) < 0)
			return ward_error_errno(err, "copy %s", name);
		if (set_attrs_fd(out, &st) < 0)
			return ward_error_errno(err, "%s: set owner and mode", name);
	} else {
		const struct timespec t[2] = { st.st_atim, st.st_mtim };

		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);

			if (n < 0)
				return ward_error_errno(err, "readlink %s", name);
			target[n] = '\0';
			if (symlinkat(target, dst, name) < 0)
				return ward_error_errno(err, "symlink %s", name);
		} else if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0) {
			return ward_error_errno(err, "mknod %s", name);
		}
		/* Freshly made in a tmpfs nobody else can see yet: by name. */
		if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			return ward_error_errno(err, "chown %s", name);
		if (!S_ISLNK(st.st_mode) && fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
			return ward_error_errno(err, "chmod %s", name);
		if (utimensat(dst, name, t, AT_SYMLINK_NOFOLLOW) < 0)
			return ward_error_errno(err, "set times of %s", name);
	}
	return 0;
}
