/* Compiled seccomp filters, kept in the state root (<root>/.seccomp/; a
 * name no container id can take). libseccomp takes milliseconds to compile
 * a long profile, on every create and exec; the program it makes depends
 * only on the profile, the ward binary, libseccomp and the kernel. The key
 * is all of those, serialized; a file is named by a hash of the key and
 * holds the whole key, compared byte for byte on load, so a hash collision
 * is a miss, never a wrong filter. Files are written atomically (a
 * temporary, then rename) and checked (size, magic, checksum) on load; a
 * cache that cannot be used is simply not used. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "security.h"
#include "state.h"

#define CACHE_DIR ".seccomp"
#define CACHE_MAGIC "WARDBPF1"
#define CACHE_FORMAT 1
#define CACHE_FILE_MAX (4u << 20)

static char *cache_root;

void seccomp_cache_set_root(const char *state_root)
{
	free(cache_root);
	cache_root = state_root ? strdup(state_root) : NULL;
}

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_u64(struct buf *b, uint64_t v)
{
	put(b, &v, sizeof(v));
}

/* Length-prefixed: no two different lists serialize alike. */
static void put_str(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_u64(b, s ? n : UINT64_MAX);
	put(b, s, n);
}

static void put_strv(struct buf *b, const struct spec_strv *v)
{
	put_u64(b, v->len);
	for (size_t i = 0; i < v->len; i++)
		put_str(b, v->items[i]);
}

static uint64_t fnv1a(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Everything the compiled program depends on. The listener path and
 * metadata are not part of the program (the listener is connected after). */
static int make_key(const struct spec_seccomp *sc, struct buf *b)
{
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	struct stat st;

	if (uname(&u) < 0 || stat("/proc/self/exe", &st) < 0)
		return -1;
	put_str(b, CACHE_MAGIC);
	put_u64(b, CACHE_FORMAT);
	/* The binary: its code builds the program (an upgrade is a miss). */
	put_str(b, PACKAGE_VERSION);
	put_u64(b, st.st_dev);
	put_u64(b, st.st_ino);
	put_u64(b, (uint64_t)st.st_size);
	put_u64(b, (uint64_t)st.st_mtim.tv_sec);
	put_u64(b, (uint64_t)st.st_mtim.tv_nsec);
	put_u64(b, v ? v->major : 0);
	put_u64(b, v ? v->minor : 0);
	put_u64(b, v ? v->micro : 0);
	put_u64(b, seccomp_api_get());
	put_str(b, u.release);
	put_str(b, u.version);
	put_str(b, u.machine);

	put_u64(b, sc->default_action);
	put_u64(b, sc->default_errno_ret.set);
	put_u64(b, sc->default_errno_ret.value);
	put_strv(b, &sc->architectures);
	put_strv(b, &sc->flags);
	put_u64(b, sc->listener_path != NULL);
	put_u64(b, sc->n_syscalls);
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct spec_seccomp_syscall *c = &sc->syscalls[i];

		put_strv(b, &c->names);
		put_u64(b, c->action);
		put_u64(b, c->errno_ret.set);
		put_u64(b, c->errno_ret.value);
		put_u64(b, c->n_args);
		for (size_t j = 0; j < c->n_args; j++) {
			put_u64(b, c->args[j].index);
			put_u64(b, c->args[j].value);
			put_u64(b, c->args[j].value_two);
			put_u64(b, c->args[j].op);
		}
	}
	return b->oom ? -1 : 0;
}

static void file_name(const struct buf *key, char name[32])
{
	snprintf(name, 32, "%016llx", (unsigned long long)fnv1a(key->p, key->len));
}

/* The cache directory of the state root, created 0700 on demand. */
static int open_cache_dir(bool create)
{
	cleanup_close int root = -1;
	int fd;

	if (cache_root == NULL)
		return -1;
	root = open(cache_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* The first create in a new state root comes before its directory. */
	if (root < 0 && errno == ENOENT && create && mkdir(cache_root, 0700) == 0)
		root = open(cache_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -1;
	fd = openat(root, CACHE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create && mkdirat(root, CACHE_DIR, 0700) == 0)
		fd = openat(root, CACHE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

/* File layout: key length, key, flags, instruction count, instructions,
 * then FNV-1a of everything before it. */
int seccomp_cache_load(const struct spec_seccomp *sc, struct sock_filter **ins, size_t *len,
		       unsigned int *flags)
{
	struct buf key = { 0 };
	cleanup_close int dir = -1, fd = -1;
	cleanup_free char *data = NULL;
	char name[32];
	struct stat st;
	uint64_t klen, kflags, n, sum;
	size_t off = 0;
	int r = -1;

	dir = open_cache_dir(false);
	if (dir < 0 || make_key(sc, &key) < 0)
		goto out;
	file_name(&key, name);
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto out;
	/* Ours only: a file someone else could have written is not used. */
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) ||
	    st.st_size < 32 || st.st_size > CACHE_FILE_MAX)
		goto out;
	data = malloc((size_t)st.st_size);
	if (data == NULL || pread(fd, data, (size_t)st.st_size, 0) != st.st_size)
		goto out;
#define TAKE(v)                                                          \
	do {                                                             \
		if (off + sizeof(v) > (size_t)st.st_size)                \
			goto out;                                        \
		memcpy(&(v), data + off, sizeof(v));                     \
		off += sizeof(v);                                        \
	} while (0)
	TAKE(klen);
	if (klen != key.len || off + klen > (size_t)st.st_size || memcmp(data + off, key.p, klen))
		goto out;
	off += klen;
	TAKE(kflags);
	TAKE(n);
	if (n == 0 || n > BPF_MAXINSNS || off + n * sizeof(struct sock_filter) + sizeof(sum) !=
						 (size_t)st.st_size)
		goto out;
	memcpy(&sum, data + st.st_size - sizeof(sum), sizeof(sum));
	if (sum != fnv1a(data, (size_t)st.st_size - sizeof(sum)))
		goto out;
#undef TAKE
	*ins = malloc(n * sizeof(struct sock_filter));
	if (*ins == NULL)
		goto out;
	memcpy(*ins, data + off, n * sizeof(struct sock_filter));
	*len = n;
	*flags = (unsigned int)kflags;
	r = 0;
out:
	free(key.p);
	return r;
}

void seccomp_cache_store(const struct spec_seccomp *sc, const struct sock_filter *ins, size_t len,
			 unsigned int flags)
{
	struct buf key = { 0 }, file = { 0 };
	struct ward_error err = { 0 };
	cleanup_close int dir = -1, dirfd = -1;
	char name[32];

	dir = open_cache_dir(true);
	if (dir < 0 || make_key(sc, &key) < 0)
		goto out;
	file_name(&key, name);
	put_u64(&file, key.len);
	put(&file, key.p, key.len);
	put_u64(&file, flags);
	put_u64(&file, len);
	put(&file, ins, len * sizeof(*ins));
	if (file.oom)
		goto out;
	put_u64(&file, fnv1a(file.p, file.len));
	if (file.oom)
		goto out;
	/* state_write_file wants a real directory fd. */
	dirfd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || state_write_file(dirfd, name, file.p, file.len, &err) < 0)
		ward_debug("seccomp cache not written: %s", err.msg);
out:
	free(key.p);
	free(file.p);
}
