/* CVE-2019-5736: a process in the container could open /proc/<init>/exe
 * (the ward binary, before init execs the container's program) and write
 * to it, replacing the host's runtime. ward re-executes itself from a file
 * that cannot be written, whoever holds it:
 *
 * - first choice, a read-only bind mount of its own binary that is never
 *   attached anywhere (open_tree(OPEN_TREE_CLONE) + mount_setattr RDONLY,
 *   then execveat on it). Nothing is copied: a created container costs no
 *   memory for it. Once the exec closes the tree fd the mount is dissolved:
 *   no namespace holds it, so it cannot be remounted read-write nor cloned
 *   (both need a mount of the caller's namespace), and every open for
 *   writing through /proc/<pid>/exe fails with EROFS.
 * - without the mount API or CAP_SYS_ADMIN: a sealed memfd copy (writes
 *   fail with EPERM), at the cost of the copy.
 *
 * Neither is needed when the binary is already bound read-only over
 * itself (contrib/install.sh --protect): /proc/<pid>/exe then resolves to
 * that bind, and the re-exec, a whole process start-up, is skipped. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"

#define SEALED_ENV "_WARD_SEALED"
#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Already running from a file nobody can write through /proc/<pid>/exe:
 * a sealed memfd, or a read-only mount whose root is the executable
 * itself. The latter is the detached bind made below, or one the node
 * installer made over the installed binary (contrib/install.sh), which
 * spares every command the re-exec. A binary that merely lies on a
 * read-only filesystem does not count: such a filesystem may be made
 * writable later (boot, maintenance) while a container still holds a
 * handle on the file; a bind of the file itself is made for this purpose,
 * and lifting it is the installer's own step (unmount, replace, bind). */
static bool running_sealed(void)
{
	cleanup_close int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct statvfs vfs;
	struct statx stx;
	int seals;

	if (fd < 0)
		return false;
	/* Any tmpfs file answers F_GET_SEALS (F_SEAL_SEAL alone when it was
	 * not made sealable): one without every seal may still lie on a
	 * read-only bind, as on a host (or an initramfs) where ward lives on
	 * a tmpfs. */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS)
		return true;
	if (fstatvfs(fd, &vfs) < 0 || !(vfs.f_flag & ST_RDONLY))
		return false;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE, &stx) < 0 ||
	    !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return false;
	return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) && S_ISREG(stx.stx_mode);
}

/* A detached read-only bind mount of our binary, as an O_PATH fd to
 * execute; -1 with errno when the mount API or the privilege is missing. */
static int readonly_self(void)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	};
	int tree = open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (tree < 0)
		return -1;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int e = errno;
		close(tree);
		errno = e;
		return -1;
	}
	return tree;
}

/* Our own command line, as the kernel keeps it: argv as given to main,
 * whatever option parsing did to the pointer array since. *argv_out and
 * its strings are one allocation each: free(argv[0]), free(argv). */
static int read_cmdline(char ***argv_out, struct ward_error *err)
{
	cleanup_close int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 4096, n_args = 0;
	char **argv;

	if (fd < 0)
		return ward_error_errno(err, "open /proc/self/cmdline");
	for (;;) {
		char *nbuf = realloc(buf, cap + 1);
		if (nbuf == NULL)
			return ward_error_set(err, ENOMEM, "read /proc/self/cmdline");
		buf = nbuf;
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ward_error_errno(err, "read /proc/self/cmdline");
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap)
			cap *= 2;
	}
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			n_args++;
	argv = calloc(n_args + 1, sizeof(char *));
	if (argv == NULL || n_args == 0) {
		free(argv);
		return ward_error_set(err, ENOMEM, "read /proc/self/cmdline");
	}
	for (size_t i = 0, a = 0; a < n_args; a++) {
		argv[a] = buf + i;
		i += strlen(buf + i) + 1;
	}
	steal_ptr(buf); /* now argv[0] */
	*argv_out = argv;
	return 0;
}

static int copy_self(int dst, struct ward_error *err)
{
	cleanup_close int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct stat st;
	off_t off = 0;

	if (src < 0)
		return ward_error_errno(err, "open /proc/self/exe");
	if (fstat(src, &st) < 0)
		return ward_error_errno(err, "stat /proc/self/exe");
	/* One in-kernel copy; no bounce through user space. */
	while (off < st.st_size) {
		ssize_t n = sendfile(dst, src, &off, st.st_size - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ward_error_errno(err, "copy ward binary to memfd");
		}
		if (n == 0)
			return ward_error_set(err, EIO, "copy ward binary to memfd: short copy");
	}
	return 0;
}

int exe_ensure_sealed(struct ward_error *err)
{
	cleanup_close int mfd = -1;
	char **argv = NULL;

	if (running_sealed()) {
		unsetenv(SEALED_ENV);
		return 0;
	}
	/* Set by the exec below to the route taken. Should the binary still
	 * not count as protected after the mount route (a filesystem whose
	 * clone is not read-only), take the memfd route then. After the memfd
	 * route, trying again would loop. */
	const char *route = getenv(SEALED_ENV);
	if (route != NULL && strcmp(route, "mount") != 0)
		return ward_error_set(err, EPERM,
				      "re-executed ward is not running from a sealed memfd");

	mfd = route == NULL ? readonly_self() : -1;
	route = mfd >= 0 ? "mount" : "memfd";
	if (mfd < 0) {
		mfd = memfd_create("ward", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (mfd < 0)
			return ward_error_errno(err, "memfd_create");
		if (copy_self(mfd, err) < 0)
			return -1;
		if (fcntl(mfd, F_ADD_SEALS, REQUIRED_SEALS) < 0)
			return ward_error_errno(err, "seal memfd");
	}
	if (read_cmdline(&argv, err) < 0)
		return -1;
	if (setenv(SEALED_ENV, route, 1) < 0) {
		ward_error_errno(err, "setenv");
	} else {
		/* execveat on the fd itself: for the bind mount it is O_PATH. */
		syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
		ward_error_errno(err, "execute sealed copy of ward");
		unsetenv(SEALED_ENV);
	}
	free(argv[0]);
	free(argv);
	return -1;
}
