/* linux.sysctl (config-linux.md "Sysctl"). /proc/sys is only partly
 * namespaced, so like runc we accept a key only when the namespace it
 * belongs to is the container's own: IPC keys need an ipc namespace, net.*
 * a network namespace, kernel.domainname a UTS namespace. Anything else
 * would change the host. Keys follow sysctl.d(5): "a.b.c" or "a/b/c"; in
 * the dotted form a '/' stands for a literal '.' (net.ipv4.conf.eth0/100.x)
 * and the other way round. Every component is checked, so no key can climb
 * out of /proc/sys. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "container.h"

/* IPC sysctls (runc libcontainer/configs/validate); fs.mqueue.* too. */
static const char *const ipc_keys[] = {
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
	"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

/* Turn `key` into a path relative to /proc/sys (into `path`) and its
 * canonical dotted name (into `dotted`, '/' marking a literal dot). */
static int sysctl_key_parse(const char *key, char *path, char *dotted, size_t size,
			    struct ward_error *err)
{
	size_t len = strlen(key);
	const char *first = strpbrk(key, "./");
	char sep = (first != NULL && *first == '/') ? '/' : '.';
	char lit = sep == '.' ? '/' : '.';
	size_t start = 0;

	if (len == 0)
		return ward_error_set(err, EINVAL, "sysctl: empty key");
	if (len >= size)
		return ward_error_set(err, ENAMETOOLONG, "sysctl %s: key too long", key);
	for (size_t i = 0; i <= len; i++) {
		char c = key[i];

		if (c == sep || c == '\0') {
			size_t clen = i - start;

			/* "a..b", ".a", "a." and components that would read
			 * as "." or ".." once the literal dots are restored. */
			if (clen == 0 || (clen == 1 && key[start] == lit) ||
			    (clen == 2 && key[start] == lit && key[start + 1] == lit))
				return ward_error_set(err, EINVAL, "sysctl %s: invalid key", key);
			path[i] = c == '\0' ? '\0' : '/';
			dotted[i] = c == '\0' ? '\0' : '.';
			start = i + 1;
		} else if (c == lit) {
			path[i] = '.';
			dotted[i] = '/';
		} else {
			path[i] = c;
			dotted[i] = c;
		}
	}
	return 0;
}

static bool is_ipc_key(const char *dotted)
{
	for (size_t i = 0; i < sizeof(ipc_keys) / sizeof(ipc_keys[0]); i++)
		if (strcmp(dotted, ipc_keys[i]) == 0)
			return true;
	return strncmp(dotted, "fs.mqueue.", strlen("fs.mqueue.")) == 0;
}

/* runc's rules, by the namespace the key belongs to. A network namespace
 * joined by path is trusted to be the container's own: from inside it we
 * cannot tell it apart from the host's. */
static int sysctl_key_allowed(const struct spec *s, const char *dotted, struct ward_error *err)
{
	if (is_ipc_key(dotted)) {
		if (spec_find_namespace(s, SPEC_NS_IPC) == NULL)
			return ward_error_set(err, 0, "sysctl \"%s\" is not allowed in the hosts ipc namespace",
					      dotted);
		return 0;
	}
	if (strncmp(dotted, "net.", 4) == 0) {
		if (spec_find_namespace(s, SPEC_NS_NETWORK) == NULL)
			return ward_error_set(err, 0, "sysctl \"%s\" not allowed in host network namespace",
					      dotted);
		return 0;
	}
	if (spec_find_namespace(s, SPEC_NS_UTS) != NULL) {
		if (strcmp(dotted, "kernel.domainname") == 0)
			return 0;
		if (strcmp(dotted, "kernel.hostname") == 0)
			return ward_error_set(err, 0,
					      "sysctl \"%s\" is not allowed as it conflicts with the OCI \"hostname\" field",
					      dotted);
	}
	return ward_error_set(err, 0, "sysctl \"%s\" is not in a separate kernel namespace", dotted);
}

/* Open a file below /proc/sys for writing without following symlinks or
 * crossing onto another mount. */
static int sysctl_open(int dirfd, const char *rel, struct ward_error *err)
{
	struct open_how how = {
		.flags = O_WRONLY | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	struct statfs sfs;
	int fd;

	fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		/* No openat2 (or a seccomp profile of an outer runtime
		 * refusing it): the key was checked component by component,
		 * and the result is checked to be procfs below. */
		fd = openat(dirfd, rel, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	}
	if (fd < 0)
		return ward_error_errno(err, "open /proc/sys/%s", rel);
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
		close(fd);
		return ward_error_set(err, EXDEV, "/proc/sys/%s is not on procfs", rel);
	}
	return fd;
}

int sysctl_apply(const struct spec *s, struct ward_error *err)
{
	const struct spec_map *m;
	cleanup_close int dirfd = -1;
	struct statfs sfs;

	if (s->linux == NULL || s->linux->sysctl.len == 0)
		return 0;
	m = &s->linux->sysctl;

	/* All keys are checked before the first write. */
	for (size_t i = 0; i < m->len; i++) {
		char path[256], dotted[256];

		if (sysctl_key_parse(m->items[i].key, path, dotted, sizeof(path), err) < 0 ||
		    sysctl_key_allowed(s, dotted, err) < 0)
			return -1;
	}

	dirfd = open("/proc/sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return ward_error_errno(err, "open /proc/sys");
	if (fstatfs(dirfd, &sfs) < 0)
		return ward_error_errno(err, "fstatfs /proc/sys");
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return ward_error_set(err, EXDEV, "/proc/sys is not on procfs");

	for (size_t i = 0; i < m->len; i++) {
		const char *key = m->items[i].key;
		const char *value = m->items[i].value ? m->items[i].value : "";
		char path[256], dotted[256];
		cleanup_close int fd = -1;
		size_t len = strlen(value);
		ssize_t n;

		sysctl_key_parse(key, path, dotted, sizeof(path), NULL);
		fd = sysctl_open(dirfd, path, err);
		if (fd < 0)
			return ward_error_wrap(err, "sysctl %s", key);
		do
			n = write(fd, value, len);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return ward_error_errno(err, "sysctl %s: write /proc/sys/%s", key, path);
		if ((size_t)n != len)
			return ward_error_set(err, EIO, "sysctl %s: short write to /proc/sys/%s", key, path);
	}
	return 0;
}
