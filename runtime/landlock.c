/* Landlock for containers: the run.ward.landlock annotations become a plan
 * in the parent (landlock_prepare: parsing, ABI checks, which paths get
 * which rights), and the plan becomes a ruleset enforced by the container
 * process itself once its root and mounts are final (landlock_apply). What
 * this does and does not guarantee is spelled out in landlock.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "landlock.h"

/* Rights and flags newer than older kernel headers (Debian 12 ships the
 * 6.1 uapi: ABI 2). Values from include/uapi/linux/landlock.h. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
/* enum landlock_rule_type: LANDLOCK_RULE_NET_PORT (ABI 4) is an enum
 * constant, which #ifndef cannot see. */
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

/* The ruleset attribute as of ABI 6; the kernel takes a shorter prefix
 * from older callers, so we pass only as much as the plan uses. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};
struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

#define FS_READ_ONLY \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* The only rights a rule on a non-directory may carry. */
#define FS_FILE_RIGHTS                                                                        \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                          \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define FS_DEVICE_USE \
	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define PORT_WORDS (65536 / 64)

struct ll_path_rule {
	char *path;      /* absolute, inside the container */
	uint64_t access;
	bool optional;   /* missing: skip (losing a rule only ever denies more) */
};

struct ll_port_rule {
	uint64_t port;
	uint64_t access;
};

struct ward_landlock {
	int abi;
	uint64_t handled_fs;
	uint64_t handled_net;
	uint64_t scoped;
	struct ll_path_rule *paths; /* [0] is "/" */
	size_t n_paths;
	struct ll_port_rule *ports;
	size_t n_ports;
};

/* ---- the kernel ---- */

int landlock_abi(void)
{
	const char *force = secure_getenv("WARD_TEST_LANDLOCK_ABI");
	long v;

	if (force && strcmp(force, "0") == 0)
		return 0;
	v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	/* ENOSYS: not built in; EOPNOTSUPP: not enabled at boot. */
	return v > 0 ? (int)v : 0;
}

static uint64_t fs_rights_for_abi(int abi)
{
	/* ABI 1: EXECUTE .. MAKE_SYM, bits 0-12. */
	uint64_t r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

/* ---- annotations ---- */

static const char *const known_keys[] = {
	WARD_LANDLOCK_ANNOTATION_TCP_BIND,
	WARD_LANDLOCK_ANNOTATION_TCP_CONNECT,
	WARD_LANDLOCK_ANNOTATION_SCOPE,
	WARD_LANDLOCK_ANNOTATION_MIN_ABI,
};

/* Any run.ward.landlock.* key: a known one, or an error. Sets *any when
 * at least one is present. */
static int check_keys(const struct spec *s, bool *any, struct ward_error *err)
{
	const char *prefix = WARD_LANDLOCK_ANNOTATION ".";

	*any = false;
	for (size_t i = 0; i < s->annotations.len; i++) {
		const char *k = s->annotations.items[i].key;
		bool known = false;

		if (strncmp(k, prefix, strlen(prefix)) != 0)
			continue;
		for (size_t j = 0; j < sizeof(known_keys) / sizeof(known_keys[0]); j++)
			known = known || strcmp(k, known_keys[j]) == 0;
		if (!known)
			return ward_error_set(err, EINVAL,
					      "annotation \"%s\": unknown Landlock option (known: %s, %s, %s, %s)",
					      k, known_keys[0], known_keys[1], known_keys[2], known_keys[3]);
		*any = true;
	}
	return 0;
}

/* A decimal number of at most `max`: digits only, no sign, no blanks. */
static bool parse_uint(const char **p, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long)(*s++ - '0');
		if (v > max)
			return false;
	}
	*p = s;
	*out = (unsigned)v;
	return true;
}

/* "80,443,8000-8009" into a 65536-bit set; "" is the empty set. */
static int parse_ports(const char *key, const char *v, bool allow_zero, uint64_t *bits,
		       struct ward_error *err)
{
	const char *p = v;

	memset(bits, 0, PORT_WORDS * sizeof(*bits));
	while (*p) {
		const char *item = p;
		unsigned lo, hi;

		if (!parse_uint(&p, 65535, &lo))
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (!parse_uint(&p, 65535, &hi) || hi < lo)
				goto bad;
		}
		if (*p == ',' && p[1] != '\0')
			p++;
		else if (*p != '\0')
			goto bad;
		if (lo == 0 && !allow_zero)
			return ward_error_set(err, EINVAL,
					      "annotation \"%s\": \"%s\": port 0 cannot be connected to",
					      key, v);
		for (unsigned port = lo; port <= hi; port++)
			bits[port / 64] |= UINT64_C(1) << (port % 64);
		continue;
bad:
		return ward_error_set(err, EINVAL,
				      "annotation \"%s\": \"%s\": bad port list at \"%s\": want comma-separated ports or ranges of 0-65535 with no blanks, e.g. \"80,443,8000-8009\", or \"\" for none",
				      key, v, item);
	}
	return 0;
}

static int parse_scope(const char *v, uint64_t *out, struct ward_error *err)
{
	const char *p = v;

	*out = 0;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == strlen("signal") && strncmp(p, "signal", n) == 0)
			*out |= LANDLOCK_SCOPE_SIGNAL;
		else if (n == strlen("abstract-unix-socket") &&
			 strncmp(p, "abstract-unix-socket", n) == 0)
			*out |= LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
		else
			return ward_error_set(err, EINVAL,
					      "annotation \"%s\": \"%s\": want \"signal\", \"abstract-unix-socket\", both comma-separated, or \"\"",
					      WARD_LANDLOCK_ANNOTATION_SCOPE, v);
		p += n;
		if (*p == ',' && p[1] == '\0')
			return ward_error_set(err, EINVAL, "annotation \"%s\": \"%s\": trailing comma",
					      WARD_LANDLOCK_ANNOTATION_SCOPE, v);
		if (*p == ',')
			p++;
	}
	return 0;
}

/* ---- the plan ---- */

/* `p` as an absolute path with repeated and trailing slashes removed;
 * "." and ".." are left to the resolver (which keeps them inside the root). */
static char *clean_path(const char *p)
{
	char *out = malloc(strlen(p) + 2);
	char *o = out;

	if (!out)
		return NULL;
	*o++ = '/';
	for (; *p; p++)
		if (*p != '/' || o[-1] != '/')
			*o++ = *p;
	if (o > out + 1 && o[-1] == '/')
		o--;
	*o = '\0';
	return out;
}

static int plan_path(struct ward_landlock *l, const char *path, uint64_t access, bool optional,
		     struct ward_error *err)
{
	struct ll_path_rule *n;

	access &= l->handled_fs;
	/* Beneath "/" already: a rule granting no more than the root rule
	 * would change nothing (rights add up along the path). */
	if (l->n_paths > 0 && (access & ~l->paths[0].access) == 0)
		return 0;
	n = realloc(l->paths, (l->n_paths + 1) * sizeof(*n));
	if (!n)
		return ward_error_set(err, ENOMEM, "landlock");
	l->paths = n;
	n[l->n_paths] = (struct ll_path_rule){ .path = clean_path(path), .access = access,
					       .optional = optional };
	if (!n[l->n_paths].path)
		return ward_error_set(err, ENOMEM, "landlock");
	l->n_paths++;
	return 0;
}

/* A mount's rights mirror its options: read-only ("ro", "rro") and nodev;
 * the last of a pair ("ro" then "rw") wins, as for mount(8). noexec is not
 * mirrored: the "/" rule grants execute beneath it in any case, and rights
 * only add up, so the mount flag alone enforces it. */
static uint64_t mount_rights(const struct spec_mount *m, uint64_t all)
{
	bool ro = false, rro = false, nodev = false, rnodev = false;
	uint64_t r;

	for (size_t i = 0; i < m->options.len; i++) {
		const char *o = m->options.items[i];

		if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0)
			ro = o[1] == 'o';
		else if (strcmp(o, "rro") == 0 || strcmp(o, "rrw") == 0)
			rro = o[2] == 'o';
		else if (strcmp(o, "nodev") == 0 || strcmp(o, "dev") == 0)
			nodev = o[0] == 'n';
		else if (strcmp(o, "rnodev") == 0 || strcmp(o, "rdev") == 0)
			rnodev = o[1] == 'n';
	}
	r = (ro || rro) ? FS_READ_ONLY & all : all;
	if (nodev || rnodev)
		r &= ~(LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		       LANDLOCK_ACCESS_FS_IOCTL_DEV);
	return r;
}

static int plan_fs(const struct spec *s, struct ward_landlock *l, struct ward_error *err)
{
	bool root_ro = s->root && s->root->readonly;
	bool dev_mounted = false;

	if (plan_path(l, "/", root_ro ? FS_READ_ONLY : l->handled_fs, false, err) < 0)
		return -1;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		cleanup_free char *dest = clean_path(m->destination);

		if (!dest)
			return ward_error_set(err, ENOMEM, "landlock");
		dev_mounted = dev_mounted || strcmp(dest, "/dev") == 0;
		if (plan_path(l, dest, mount_rights(m, l->handled_fs), false, err) < 0)
			return -1;
	}
	/* Device nodes made on the root itself (no /dev mount) or anywhere
	 * else by linux.devices: usable as without Landlock even when the
	 * root is read-only (writing to a device does not write the fs). */
	if (!dev_mounted && plan_path(l, "/dev", l->handled_fs, true, err) < 0)
		return -1;
	for (size_t i = 0; s->linux && i < s->linux->n_devices; i++)
		if (plan_path(l, s->linux->devices[i].path, FS_DEVICE_USE, true, err) < 0)
			return -1;
	return 0;
}

static bool has_namespace(const struct spec *s, enum spec_ns_type t)
{
	for (size_t i = 0; s->linux && i < s->linux->n_namespaces; i++)
		if (s->linux->namespaces[i].type == t)
			return true;
	return false;
}

static int plan_net(struct ward_landlock *l, const char *bind, const char *connect,
		    struct ward_error *err)
{
	uint64_t b[PORT_WORDS] = { 0 }, c[PORT_WORDS] = { 0 };
	size_t n = 0;

	if (bind && parse_ports(WARD_LANDLOCK_ANNOTATION_TCP_BIND, bind, true, b, err) < 0)
		return -1;
	if (connect && parse_ports(WARD_LANDLOCK_ANNOTATION_TCP_CONNECT, connect, false, c, err) < 0)
		return -1;
	if (!bind && !connect)
		return 0;
	if (l->abi < 4)
		return ward_error_set(err, EOPNOTSUPP,
				      "annotation \"%s\": TCP port rules need Landlock ABI 4 (Linux 6.7), this kernel has ABI %d; refusing to run with unrestricted TCP",
				      bind ? WARD_LANDLOCK_ANNOTATION_TCP_BIND
					   : WARD_LANDLOCK_ANNOTATION_TCP_CONNECT,
				      l->abi);
	l->handled_net = (bind ? LANDLOCK_ACCESS_NET_BIND_TCP : 0) |
			 (connect ? LANDLOCK_ACCESS_NET_CONNECT_TCP : 0);
	for (size_t w = 0; w < PORT_WORDS; w++)
		n += (size_t)__builtin_popcountll(b[w] | c[w]);
	if (n == 0)
		return 0;
	l->ports = calloc(n, sizeof(*l->ports));
	if (!l->ports)
		return ward_error_set(err, ENOMEM, "landlock");
	for (unsigned port = 0; port < 65536; port++) {
		uint64_t bit = UINT64_C(1) << (port % 64);
		uint64_t acc = ((b[port / 64] & bit) ? LANDLOCK_ACCESS_NET_BIND_TCP : 0) |
			       ((c[port / 64] & bit) ? LANDLOCK_ACCESS_NET_CONNECT_TCP : 0);

		if (acc)
			l->ports[l->n_ports++] = (struct ll_port_rule){ .port = port, .access = acc };
	}
	return 0;
}

static int plan_scope(const struct spec *s, struct ward_landlock *l, const char *v,
		      struct ward_error *err)
{
	uint64_t want;

	if (!v) {
		/* Best effort: scope what is shared with the host. */
		if (l->abi >= 6)
			l->scoped = (has_namespace(s, SPEC_NS_NETWORK)
					     ? 0 : LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET) |
				    (has_namespace(s, SPEC_NS_PID) ? 0 : LANDLOCK_SCOPE_SIGNAL);
		return 0;
	}
	if (parse_scope(v, &want, err) < 0)
		return -1;
	if (want && l->abi < 6)
		return ward_error_set(err, EOPNOTSUPP,
				      "annotation \"%s\": scoping needs Landlock ABI 6 (Linux 6.12), this kernel has ABI %d",
				      WARD_LANDLOCK_ANNOTATION_SCOPE, l->abi);
	l->scoped = want;
	return 0;
}

int landlock_prepare_abi(const struct spec *s, int abi, struct ward_landlock **out,
			 struct ward_error *err)
{
	const char *on = spec_annotation(s, WARD_LANDLOCK_ANNOTATION);
	const char *min = spec_annotation(s, WARD_LANDLOCK_ANNOTATION_MIN_ABI);
	struct ward_landlock *l;
	bool any;

	*out = NULL;
	if (check_keys(s, &any, err) < 0)
		return -1;
	if (on && strcmp(on, "true") != 0 && strcmp(on, "false") != 0)
		return ward_error_set(err, EINVAL, "annotation \"%s\": \"%s\": want \"true\" or \"false\"",
				      WARD_LANDLOCK_ANNOTATION, on);
	if (!on || strcmp(on, "false") == 0) {
		if (any)
			return ward_error_set(err, EINVAL,
					      "run.ward.landlock.* annotations are set but \"%s\" is not \"true\"",
					      WARD_LANDLOCK_ANNOTATION);
		return 0;
	}
	if (min) {
		const char *p = min;
		unsigned want;

		if (!parse_uint(&p, 9999, &want) || *p || want < 1)
			return ward_error_set(err, EINVAL, "annotation \"%s\": \"%s\": want a number >= 1",
					      WARD_LANDLOCK_ANNOTATION_MIN_ABI, min);
		if (abi > 0 && (unsigned)abi < want)
			return ward_error_set(err, EOPNOTSUPP,
					      "annotation \"%s\" asks for Landlock ABI %u, this kernel has ABI %d",
					      WARD_LANDLOCK_ANNOTATION_MIN_ABI, want, abi);
	}
	if (abi <= 0)
		return ward_error_set(err, EOPNOTSUPP,
				      "annotation \"%s\" is \"true\" but this kernel offers no Landlock (needs Linux 5.13+ with landlock in the lsm= list); refusing to run unconfined",
				      WARD_LANDLOCK_ANNOTATION);

	l = calloc(1, sizeof(*l));
	if (!l)
		return ward_error_set(err, ENOMEM, "landlock");
	l->abi = abi;
	l->handled_fs = fs_rights_for_abi(abi);
	if (plan_net(l, spec_annotation(s, WARD_LANDLOCK_ANNOTATION_TCP_BIND),
		     spec_annotation(s, WARD_LANDLOCK_ANNOTATION_TCP_CONNECT), err) < 0 ||
	    plan_scope(s, l, spec_annotation(s, WARD_LANDLOCK_ANNOTATION_SCOPE), err) < 0 ||
	    plan_fs(s, l, err) < 0) {
		landlock_free(l);
		return -1;
	}
	*out = l;
	return 0;
}

int landlock_prepare(const struct spec *s, struct ward_landlock **out, struct ward_error *err)
{
	return landlock_prepare_abi(s, landlock_abi(), out, err);
}

void landlock_free(struct ward_landlock *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_paths; i++)
		free(l->paths[i].path);
	free(l->paths);
	free(l->ports);
	free(l);
}

/* ---- enforcing ---- */

static int add_path_rule(int rfd, int fd, uint64_t access)
{
	struct landlock_path_beneath_attr a = { .allowed_access = access, .parent_fd = fd };

	return (int)syscall(SYS_landlock_add_rule, rfd, LL_RULE_PATH_BENEATH, &a, 0);
}

static int apply_paths(const struct ward_landlock *l, int rootfd, int rfd, struct ward_error *err)
{
	for (size_t i = 0; i < l->n_paths; i++) {
		const struct ll_path_rule *r = &l->paths[i];
		cleanup_close int fd = -1;
		uint64_t access = r->access;
		struct stat st;

		/* Resolved like the mounts were: inside the root, no magic
		 * links, so the container cannot point a rule outside. */
		fd = safe_openat(rootfd, r->path, O_PATH, 0, err);
		if (fd < 0) {
			if (r->optional && err->errnum == ENOENT) {
				ward_error_clear(err);
				continue;
			}
			return ward_error_wrap(err, "landlock rule");
		}
		if (fstat(fd, &st) < 0)
			return ward_error_errno(err, "landlock rule: stat %s", r->path);
		if (!S_ISDIR(st.st_mode))
			access &= FS_FILE_RIGHTS;
		if (access && add_path_rule(rfd, fd, access) < 0)
			return ward_error_errno(err, "landlock_add_rule(%s)", r->path);
	}
	return 0;
}

/* Let the files on fds 0-2 be reopened by path with the access the fd
 * already has (see landlock.h). */
static int apply_stdio(const struct ward_landlock *l, int rfd, struct ward_error *err)
{
	for (int fd = 0; fd <= 2; fd++) {
		int fl = fcntl(fd, F_GETFL);
		uint64_t access = 0;
		struct stat st;

		if (fl < 0 || (fl & O_PATH) || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode))
			continue;
		if ((fl & O_ACCMODE) != O_WRONLY)
			access |= LANDLOCK_ACCESS_FS_READ_FILE;
		if ((fl & O_ACCMODE) != O_RDONLY)
			access |= LANDLOCK_ACCESS_FS_WRITE_FILE |
				  (S_ISREG(st.st_mode) ? LANDLOCK_ACCESS_FS_TRUNCATE : 0);
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
			access |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
		access &= l->handled_fs;
		/* EBADFD: a pipe or socket, which Landlock never restricts. */
		if (add_path_rule(rfd, fd, access) < 0 && errno != EBADFD)
			return ward_error_errno(err, "landlock_add_rule(fd %d)", fd);
	}
	return 0;
}

static int apply_ports(const struct ward_landlock *l, int rfd, struct ward_error *err)
{
	for (size_t i = 0; i < l->n_ports; i++) {
		struct ll_net_port_attr a = { .allowed_access = l->ports[i].access,
					      .port = l->ports[i].port };

		if (syscall(SYS_landlock_add_rule, rfd, LL_RULE_NET_PORT, &a, 0) < 0)
			return ward_error_errno(err, "landlock_add_rule(port %llu)",
						(unsigned long long)l->ports[i].port);
	}
	return 0;
}

int landlock_apply_at(struct ward_landlock *l, const char *root, struct ward_error *err)
{
	struct ll_ruleset_attr attr = {
		.handled_access_fs = l ? l->handled_fs : 0,
		.handled_access_net = l ? l->handled_net : 0,
		.scoped = l ? l->scoped : 0,
	};
	cleanup_close int rootfd = -1;
	cleanup_close int rfd = -1;
	size_t size;

	if (!l)
		return 0;
	size = attr.scoped ? sizeof(attr)
	       : attr.handled_access_net ? offsetof(struct ll_ruleset_attr, scoped)
	       : offsetof(struct ll_ruleset_attr, handled_access_net);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return ward_error_errno(err, "landlock: open %s", root);
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (rfd < 0)
		return ward_error_errno(err, "landlock_create_ruleset (ABI %d)", l->abi);
	if (apply_paths(l, rootfd, rfd, err) < 0 || apply_stdio(l, rfd, err) < 0 ||
	    apply_ports(l, rfd, err) < 0)
		return -1;
	if (syscall(SYS_landlock_restrict_self, rfd, 0) < 0)
		return ward_error_errno(err, errno == EPERM
					? "landlock_restrict_self (needs no_new_privileges or CAP_SYS_ADMIN)"
					: "landlock_restrict_self");
	return 0;
}

int landlock_apply(struct ward_landlock *l, struct ward_error *err)
{
	return landlock_apply_at(l, "/", err);
}
