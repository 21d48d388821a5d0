/* Resolving paths inside a container's root so that nothing in the image
 * (absolute or relative symlinks, "..", /proc magic links) can lead outside
 * of it. The kernel does it for us with openat2(RESOLVE_IN_ROOT); without
 * openat2 (old kernel, or a seccomp profile that refuses it) we walk the
 * path one component at a time with O_NOFOLLOW and expand symlinks
 * ourselves, lexically, against the root. Creation always happens with
 * *at() calls on a directory fd that was itself resolved inside the root,
 * so a symlink swapped in by a racing process can never make us create
 * anything outside (CVE-2024-45310). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container.h"

/* Same limit as the kernel's MAXSYMLINKS. */
#define WALK_MAX_LINKS 40
/* openat2 answers EAGAIN when a rename raced with ".." resolution. */
#define OPENAT2_RETRIES 32
/* A racing process can make create-or-open loop; give up eventually. */
#define CREATE_RETRIES 16

static int openat2_state = -1; /* -1: not probed yet, 0: no, 1: yes */

bool safe_have_openat2(void)
{
	if (openat2_state < 0) {
		const char *env = getenv("WARD_TEST_NO_OPENAT2");
		struct open_how how = {
			.flags = O_PATH | O_CLOEXEC,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		int fd;

		if (env && strcmp(env, "1") == 0) {
			openat2_state = 0;
			return false;
		}
		fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
		if (fd >= 0) {
			close(fd);
			openat2_state = 1;
		} else {
			/* EPERM: a seccomp filter; E2BIG/EINVAL: a kernel that
			 * does not know these resolve flags. */
			openat2_state = (errno == ENOSYS || errno == EPERM || errno == E2BIG ||
					 errno == EINVAL) ? 0 : 1;
		}
	}
	return openat2_state == 1;
}

void safe_fd_path(int fd, char buf[SAFE_FD_PATH_MAX])
{
	snprintf(buf, SAFE_FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

static int resolve_openat2(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	for (int i = 0; i < OPENAT2_RETRIES; i++) {
		int fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

		if (fd >= 0)
			return fd;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

/* ---- the fallback walk ---- */

/* The directories walked so far; [0] is the root (not owned). ".." pops,
 * never below the root: it is resolved against the path we walked, not by
 * the kernel, so it cannot climb out of the root. */
struct dirstack {
	int *fd;
	size_t len, cap;
};

static int stack_push(struct dirstack *s, int fd)
{
	if (s->len == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		int *n = realloc(s->fd, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->fd = n;
		s->cap = cap;
	}
	s->fd[s->len++] = fd;
	return 0;
}

static void stack_pop_to(struct dirstack *s, size_t len)
{
	while (s->len > len)
		close(s->fd[--s->len]);
}

static void stack_free(struct dirstack *s)
{
	stack_pop_to(s, 1);
	free(s->fd);
}

/* Replace the path still to walk with `target` + "/" + `rest`. */
static int expand_link(int linkfd, const char *rest, char **remaining, const char **p, bool *absolute)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(linkfd, "", target, sizeof(target));
	char *next;

	if (n < 0)
		return -errno;
	if (n == sizeof(target))
		return -ENAMETOOLONG;
	target[n] = '\0';
	if (n == 0)
		return -ENOENT;
	next = *rest ? NULL : strdup(target);
	if (*rest && asprintf(&next, "%s/%s", target, rest) < 0)
		next = NULL;
	if (!next)
		return -ENOMEM;
	free(*remaining);
	*remaining = next;
	*p = next;
	*absolute = target[0] == '/';
	return 0;
}

/* Open the final component `name` in `dirfd` as openat() would, without
 * following a symlink in its place (the caller expands those). Returns the
 * fd or -errno; when `name` is a symlink to follow, *follow is set and the
 * fd is an O_PATH fd of the symlink. */
static int open_last(int dirfd, const char *name, int flags, mode_t mode, bool *follow)
{
	*follow = false;
	for (int tries = 0; tries < CREATE_RETRIES; tries++) {
		struct stat st;
		int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0) {
			if (errno != ENOENT || !(flags & O_CREAT))
				return -errno;
			/* O_EXCL so that a symlink planted meanwhile is not
			 * followed; if something appeared, look again. */
			fd = openat(dirfd, name, flags | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
			if (fd >= 0)
				return fd;
			if (errno == EEXIST && !(flags & O_EXCL))
				continue;
			return -errno;
		}
		if (fstat(fd, &st) < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (S_ISLNK(st.st_mode)) {
			if ((flags & O_CREAT) && (flags & O_EXCL)) {
				close(fd);
				return -EEXIST;
			}
			if (!(flags & O_NOFOLLOW)) {
				*follow = true;
				return fd;
			}
			if (flags & O_PATH)
				return fd;
			close(fd);
			return -ELOOP;
		}
		if ((flags & O_CREAT) && (flags & O_EXCL)) {
			close(fd);
			return -EEXIST;
		}
		if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
			close(fd);
			return -ENOTDIR;
		}
		if ((flags & O_PATH) && !(flags & ~(O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC)))
			return fd;
		close(fd);
		/* Not an O_PATH request: open for real. O_NOFOLLOW makes a
		 * symlink swapped in since the check fail instead of leading
		 * anywhere; the file is still inside `dirfd`. */
		fd = openat(dirfd, name, (flags & ~(O_CREAT | O_EXCL)) | O_NOFOLLOW | O_CLOEXEC);
		return fd >= 0 ? fd : -errno;
	}
	return -EAGAIN;
}

static int resolve_walk(int rootfd, const char *path, int flags, mode_t mode)
{
	struct dirstack st = { 0 };
	char *remaining = strdup(path);
	const char *p = remaining;
	int links = 0, ret;

	if (!remaining)
		return -ENOMEM;
	ret = stack_push(&st, rootfd);
	if (ret < 0)
		goto out;

	for (;;) {
		char name[NAME_MAX + 1];
		const char *end;
		size_t len;
		bool last, want_dir = false;
		int top = st.fd[st.len - 1];

		while (*p == '/')
			p++;
		if (*p == '\0') {
			/* Everything consumed: the directory we stand in. */
			ret = openat(top, ".", flags | O_CLOEXEC, mode);
			if (ret < 0)
				ret = -errno;
			goto out;
		}
		end = strchrnul(p, '/');
		len = end - p;
		if (len > NAME_MAX) {
			ret = -ENAMETOOLONG;
			goto out;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		p = end;
		while (*p == '/') {
			p++;
			want_dir = true;
		}
		last = *p == '\0';

		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if (st.len > 1)
				stack_pop_to(&st, st.len - 1);
			continue;
		}

		if (!last) {
			struct stat sb;
			int fd = openat(top, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

			if (fd < 0 || fstat(fd, &sb) < 0) {
				ret = -errno;
				if (fd >= 0)
					close(fd);
				goto out;
			}
			if (S_ISLNK(sb.st_mode)) {
				bool absolute;

				if (++links > WALK_MAX_LINKS) {
					close(fd);
					ret = -ELOOP;
					goto out;
				}
				ret = expand_link(fd, p, &remaining, &p, &absolute);
				close(fd);
				if (ret < 0)
					goto out;
				if (absolute)
					stack_pop_to(&st, 1);
				continue;
			}
			if (!S_ISDIR(sb.st_mode)) {
				close(fd);
				ret = -ENOTDIR;
				goto out;
			}
			ret = stack_push(&st, fd);
			if (ret < 0) {
				close(fd);
				goto out;
			}
			continue;
		}

		/* Last component ("name/" counts as wanting a directory). */
		{
			bool absolute, follow;
			int linkfd;

			ret = open_last(top, name, want_dir ? flags | O_DIRECTORY : flags, mode, &follow);
			if (ret < 0 || !follow)
				goto out;
			linkfd = ret;
			if (++links > WALK_MAX_LINKS) {
				close(linkfd);
				ret = -ELOOP;
				goto out;
			}
			ret = expand_link(linkfd, want_dir ? "." : "", &remaining, &p, &absolute);
			close(linkfd);
			if (ret < 0)
				goto out;
			if (absolute)
				stack_pop_to(&st, 1);
		}
	}
out:
	stack_free(&st);
	free(remaining);
	return ret;
}

/* Returns an fd or -errno. */
static int resolve(int rootfd, const char *path, int flags, mode_t mode)
{
	if (!path || !*path)
		path = "/";
	if (safe_have_openat2())
		return resolve_openat2(rootfd, path, flags, mode);
	return resolve_walk(rootfd, path, flags, mode);
}

int safe_openat(int rootfd, const char *path, int flags, mode_t mode, struct ward_error *err)
{
	int fd = resolve(rootfd, path, flags, mode);

	if (fd < 0) {
		ward_error_set(err, -fd, "open %s", path);
		errno = -fd;
		return -1;
	}
	return fd;
}

/* ---- creation ---- */

/* The components of `path` with "." dropped and ".." applied lexically,
 * never above the root. NULL-terminated; NULL on ENOMEM. */
static char **clean_components(const char *path)
{
	size_t n = 0, cap = 8;
	char **v = calloc(cap, sizeof(*v));
	const char *p = path ? path : "";

	if (!v)
		return NULL;
	for (;;) {
		const char *end;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		if (end - p == 1 && p[0] == '.') {
			/* nothing */
		} else if (end - p == 2 && p[0] == '.' && p[1] == '.') {
			if (n > 0)
				free(v[--n]);
			v[n] = NULL;
		} else {
			if (n + 2 > cap) {
				char **nv = realloc(v, cap * 2 * sizeof(*v));

				if (!nv)
					goto oom;
				v = nv;
				cap *= 2;
			}
			v[n] = strndup(p, end - p);
			if (!v[n])
				goto oom;
			v[++n] = NULL;
		}
		p = end;
	}
	return v;
oom:
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return NULL;
}

/* "/a/b" from {"a", "b"}. */
static char *join_components(char **v, size_t n)
{
	size_t len = 1;
	char *s, *q;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	s = malloc(len + 1);
	if (!s)
		return NULL;
	q = s;
	*q = '\0';
	for (size_t i = 0; i < n; i++)
		q = stpcpy(stpcpy(q, "/"), v[i]);
	if (n == 0)
		strcpy(s, "/");
	return s;
}

/* mkdir -p of the components [0, n) of `v`; returns an O_PATH directory fd
 * or -errno, *failed set to the component that failed. */
static int mkdir_components(int rootfd, char **v, size_t n, mode_t mode, size_t *failed)
{
	char prefix[PATH_MAX] = "";
	size_t plen = 0;
	int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (cur < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		size_t clen = strlen(v[i]);
		int fd;

		*failed = i;
		if (plen + 1 + clen >= sizeof(prefix)) {
			close(cur);
			return -ENAMETOOLONG;
		}
		prefix[plen++] = '/';
		memcpy(prefix + plen, v[i], clen + 1);
		plen += clen;

		/* Follows symlinks, inside the root. */
		fd = resolve(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
		if (fd == -ENOENT) {
			/* `cur` is the resolved parent: create there, then
			 * open what we made without following anything. */
			if (mkdirat(cur, v[i], mode) < 0 && errno != EEXIST) {
				fd = -errno;
			} else {
				fd = openat(cur, v[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (fd < 0) {
					/* A symlink: dangling (mkdir saw EEXIST), or
					 * swapped in by someone racing us. Only
					 * follow it inside the root. */
					fd = resolve(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
				}
			}
		}
		close(cur);
		if (fd < 0)
			return fd;
		cur = fd;
	}
	return cur;
}

int safe_mkdir_all(int rootfd, const char *path, mode_t mode, struct ward_error *err)
{
	cleanup_strv char **v = clean_components(path);
	size_t n = 0, failed = 0;
	int fd;

	if (!v)
		return ward_error_set(err, ENOMEM, "mkdir %s", path);
	while (v[n])
		n++;
	fd = mkdir_components(rootfd, v, n, mode, &failed);
	if (fd < 0) {
		if (n > 0)
			ward_error_set(err, -fd, "mkdir %s (at \"%s\")", path, v[failed]);
		else
			ward_error_set(err, -fd, "mkdir %s", path);
		errno = -fd;
		return -1;
	}
	return fd;
}

int safe_create_file(int rootfd, const char *path, mode_t mode, struct ward_error *err)
{
	cleanup_strv char **v = clean_components(path);
	cleanup_close int dirfd = -1;
	size_t n = 0, failed = 0;
	struct stat st;
	int fd;

	if (!v)
		return ward_error_set(err, ENOMEM, "create %s", path);
	while (v[n])
		n++;
	if (n == 0)
		return ward_error_set(err, EISDIR, "create %s", path);
	dirfd = mkdir_components(rootfd, v, n - 1, 0755, &failed);
	if (dirfd < 0) {
		ward_error_set(err, -dirfd, "create %s: mkdir \"%s\"", path, v[failed]);
		errno = -dirfd;
		return -1;
	}

	fd = openat(dirfd, v[n - 1], O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd >= 0) {
		close(fd);
		fd = openat(dirfd, v[n - 1], O_PATH | O_NOFOLLOW | O_CLOEXEC);
	} else if (errno == EEXIST) {
		/* Already there (possibly as a symlink: follow it, inside the
		 * root). Anything but a directory can be bind-mounted onto. */
		cleanup_free char *full = join_components(v, n);

		if (!full)
			return ward_error_set(err, ENOMEM, "create %s", path);
		fd = resolve(rootfd, full, O_PATH, 0);
		if (fd < 0) {
			errno = -fd;
			fd = -1;
		}
	}
	if (fd < 0)
		return ward_error_errno(err, "create %s", path);
	if (fstat(fd, &st) < 0) {
		ward_error_errno(err, "create %s: stat", path);
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : ELOOP;

		close(fd);
		ward_error_set(err, e, "create %s", path);
		errno = e;
		return -1;
	}
	return fd;
}
