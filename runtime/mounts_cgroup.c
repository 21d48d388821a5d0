/* The "cgroup" mount type, as runc does it. On a cgroup v2 host: a cgroup2
 * mount (rooted at the container's cgroup when it has a cgroup namespace),
 * or a bind of its cgroup directory when the kernel refuses. On a v1 or
 * hybrid host: a tmpfs at the destination with one directory per v1
 * hierarchy, each a bind of the container's own cgroup in that hierarchy
 * (with a cgroup namespace; a fresh cgroup mount where it has none there)
 * or of ward's own cgroup (without), symlinks for
 * co-mounted controllers ("cpu" -> "cpu,cpuacct"), read-only on request. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "fs.h"
#include "mountfd.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

struct hierarchy {
	char *mountpoint;
	char *root;   /* mountinfo field 4: the mount's root inside the hierarchy */
	char *subsys; /* "cpu,cpuacct", "name=systemd" */
};

struct hierarchies {
	struct hierarchy *v;
	size_t n;
};

static void hierarchies_free(struct hierarchies *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].mountpoint);
		free(h->v[i].root);
		free(h->v[i].subsys);
	}
	free(h->v);
}

/* Super options of a v1 mount that are not controllers. */
static bool is_subsys_option(const char *opt)
{
	static const char *const not_subsys[] = {
		"rw", "ro", "xattr", "clone_children", "noprefix", "cpuset_v2_mode",
		"favordynmods", "nofavordynmods", "none", NULL,
	};

	if (strncmp(opt, "release_agent=", 14) == 0)
		return false;
	for (size_t i = 0; not_subsys[i]; i++)
		if (strcmp(opt, not_subsys[i]) == 0)
			return false;
	return true;
}

static char *subsys_of(const char *superopts)
{
	char *copy = strdup(superopts), *save = NULL, *out = calloc(1, strlen(superopts) + 1);

	if (!copy || !out) {
		free(copy);
		free(out);
		return NULL;
	}
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!is_subsys_option(t))
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, t);
	}
	free(copy);
	return out;
}

static bool same_set(const char *a, const char *b);

static bool known(const struct hierarchies *h, const char *subsys)
{
	for (size_t i = 0; i < h->n; i++)
		if (same_set(h->v[i].subsys, subsys))
			return true;
	return false;
}

/* The cgroup v1 hierarchies mounted in our mount namespace, each once,
 * leaving out those already inside the rootfs `root`. */
static int read_hierarchies(struct hierarchies *h, const char *root, struct ward_error *err)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0, rl = strlen(root);

	if (!f)
		return ward_error_errno(err, "open /proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		char *field[6] = { 0 }, *save = NULL, *t, *fstype, *superopts;
		cleanup_free char *subsys = NULL;
		struct hierarchy *nv;
		int i = 0;

		line[strcspn(line, "\n")] = '\0';
		for (t = strtok_r(line, " ", &save); t && i < 6; t = strtok_r(NULL, " ", &save))
			field[i++] = t;
		/* optional fields up to the "-" separator */
		while (t && strcmp(t, "-") != 0)
			t = strtok_r(NULL, " ", &save);
		fstype = strtok_r(NULL, " ", &save);
		if (!fstype || strtok_r(NULL, " ", &save) == NULL)
			continue;
		superopts = strtok_r(NULL, " ", &save);
		if (i < 6 || strcmp(fstype, "cgroup") != 0 || !superopts)
			continue;
		fs_unescape(field[3]);
		fs_unescape(field[4]);
		if (strncmp(field[4], root, rl) == 0 && (field[4][rl] == '/' || !field[4][rl]))
			continue;
		subsys = subsys_of(superopts);
		if (!subsys)
			return ward_error_set(err, ENOMEM, "mountinfo");
		if (known(h, subsys))
			continue;
		nv = realloc(h->v, (h->n + 1) * sizeof(*nv));
		if (!nv)
			return ward_error_set(err, ENOMEM, "mountinfo");
		h->v = nv;
		h->v[h->n] = (struct hierarchy){
			.mountpoint = strdup(field[4]),
			.root = strdup(field[3]),
			.subsys = steal_ptr(subsys),
		};
		h->n++;
		if (!h->v[h->n - 1].mountpoint || !h->v[h->n - 1].root)
			return ward_error_set(err, ENOMEM, "mountinfo");
	}
	return 0;
}

/* Same controllers, in any order? */
static bool same_set(const char *a, const char *b)
{
	size_t na = 1, nb = 1;

	for (const char *p = a; *p; p++)
		na += *p == ',';
	for (const char *p = b; *p; p++)
		nb += *p == ',';
	if (na != nb)
		return false;
	for (const char *p = a; *p;) {
		size_t len = strcspn(p, ",");
		const char *q = b;
		bool found = false;

		while (*q) {
			size_t qlen = strcspn(q, ",");

			if (qlen == len && strncmp(p, q, len) == 0)
				found = true;
			q += qlen + (q[qlen] == ',');
		}
		if (!found)
			return false;
		p += len + (p[len] == ',');
	}
	return true;
}

/* Our cgroup in the hierarchy of `subsys`, from /proc/self/cgroup. */
static char *own_cgroup(const char *subsys)
{
	cleanup_file FILE *f = fopen("/proc/self/cgroup", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		char *ctrl = strchr(line, ':'), *path;

		if (!ctrl)
			continue;
		path = strchr(++ctrl, ':');
		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (*ctrl && same_set(ctrl, subsys))
			return strdup(path);
	}
	return NULL;
}

static bool has_cgroupns(const struct container *c)
{
	return spec_find_namespace(c->spec, SPEC_NS_CGROUP) != NULL;
}

/* Bind `src` (host) onto `dstfd` with the flags of `o`: a detached clone
 * given its flags before it is attached (the fd then is the mount, nothing
 * is looked up again); without open_tree or mount_setattr, a bind, a
 * checked reopen and a remount. */
static int bind_cgroup(int rootfd, const char *dest, int dstfd, const char *src, bool recursive,
		       const struct mount_opts *o, struct ward_error *err)
{
	cleanup_close int srcfd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int tree = -1, mfd = -1;

	if (srcfd < 0)
		return ward_error_errno(err, "open %s", src);
	tree = mnt_bind_tree(srcfd, recursive, err);
	if (tree == -1)
		return -1;
	if (tree >= 0) {
		if (mnt_tree_flags(tree, o->flags, o->cleared, err) == 0) {
			if (mnt_attach(tree, dstfd, err) < 0)
				return -1;
			return fs_mount_apply(tree, o, err);
		}
		if (!err || err->errnum != ENOSYS)
			return -1;
		ward_error_clear(err); /* open_tree but no mount_setattr (< 5.12) */
	}
	if (mnt_bind(srcfd, dstfd, recursive, err) < 0)
		return -1;
	mfd = mnt_reopen(rootfd, dest, dstfd, err);
	if (mfd < 0)
		return -1;
	if (mnt_remount_bind(mfd, o->flags, o->cleared, err) < 0)
		return -1;
	return fs_mount_apply(mfd, o, err);
}

/* A directory for one hierarchy in the tmpfs we have just mounted at
 * `top`: nothing of the container has run yet and the tmpfs exists only in
 * its mount namespace, so a plain mkdirat/openat of a single component is
 * as safe here as the checked walk from the rootfs, at a fifth of the
 * system calls. */
static int hierarchy_dir(int top, const char *name, struct ward_error *err)
{
	int fd;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return ward_error_set(err, EINVAL, "cgroup hierarchy name \"%s\"", name);
	if (mkdirat(top, name, 0755) < 0 && errno != EEXIST)
		return ward_error_errno(err, "mkdir %s", name);
	fd = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ward_error_errno(err, "open %s", name);
	return fd;
}

static int mount_v2(struct container *c, int rootfd, const struct spec_mount *m, const char *dest,
		    const struct mount_opts *o, struct ward_error *err)
{
	cleanup_close int dstfd = safe_mkdir_all(rootfd, dest, 0755, err);
	cleanup_close int mfd = -1;
	cleanup_free char *src = NULL;

	if (dstfd < 0)
		return -1;
	if (mnt_fs(m->source ? m->source : "cgroup2", dstfd, "cgroup2", o->flags & ~MS_REC, o->data, err) == 0) {
		mfd = mnt_reopen(rootfd, dest, dstfd, err);
		if (mfd < 0)
			return -1;
		return fs_mount_apply(mfd, o, err);
	}
	/* In a user namespace without a cgroup namespace of its own (or
	 * with an EBUSY-ing kernel): show the cgroup directory instead. */
	if (errno != EPERM && errno != EBUSY)
		return -1;
	ward_error_clear(err);
	if (has_cgroupns(c) && c->cgroup) {
		if (asprintf(&src, "%s/%s", CGROUP_ROOT, c->cgroup->path) < 0)
			return ward_error_set(err, ENOMEM, "cgroup");
	} else if (!(src = strdup(CGROUP_ROOT))) {
		return ward_error_set(err, ENOMEM, "cgroup");
	}
	return bind_cgroup(rootfd, dest, dstfd, src, false, o, err);
}

/* The container's cgroup in the hierarchy mounted at mnt. */
static const char *container_cgroup_in(const struct container *c, const char *mnt)
{
	if (!c->cgroup)
		return "/";
	for (size_t i = 0; i < c->cgroup->n; i++)
		if (strcmp(c->cgroup->dirs[i].mnt, mnt) == 0)
			return c->cgroup->dirs[i].path;
	return c->cgroup->path;
}

/* Does the container have a cgroup of its own in the hierarchy at mnt? */
static bool own_dir_in(const struct container *c, const char *mnt)
{
	for (size_t i = 0; c->cgroup && i < c->cgroup->n; i++)
		if (strcmp(c->cgroup->dirs[i].mnt, mnt) == 0)
			return true;
	return false;
}

/* Host directory of our cgroup in hierarchy `h`. */
static char *bind_source(const struct container *c, const struct hierarchy *h, bool in_cgroupns)
{
	cleanup_free char *own = NULL, *joined = NULL, *mroot = NULL;
	const char *rel;
	char *src;

	if (in_cgroupns) {
		/* /proc/self/cgroup and mountinfo are relative to the namespace
		 * root here, which is the container's cgroup: the mount's root
		 * ("/../.." for a host mount of the whole hierarchy) goes back to
		 * the hierarchy's coordinates through it. */
		own = strdup(container_cgroup_in(c, h->mountpoint));
		if (!own || asprintf(&joined, "%s/%s", own, h->root) < 0 ||
		    !(mroot = fs_path_clean(joined)))
			return NULL;
	} else {
		own = own_cgroup(h->subsys);
	}
	if (!own)
		own = strdup("/");
	if (!own)
		return NULL;
	rel = own;
	const char *root = mroot ? mroot : h->root;
	if (strcmp(root, "/") != 0) {
		size_t rl = strlen(root);

		if (strncmp(own, root, rl) == 0 && (own[rl] == '/' || !own[rl])) {
			rel = own + rl;
		} else if (in_cgroupns) {
			/* The container's cgroup is not visible through our
			 * mount of the hierarchy: nothing to bind. */
			errno = ENOENT;
			return NULL;
		} else {
			rel = "";
		}
	}
	if (asprintf(&src, "%s%s%s", h->mountpoint, *rel == '/' || !*rel ? "" : "/", rel) < 0)
		return NULL;
	return src;
}

static int mount_v1(struct container *c, int rootfd, const struct spec_mount *m, const char *dest,
		    const struct mount_opts *o, struct ward_error *err)
{
	const unsigned long base = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	struct hierarchies h __attribute__((cleanup(hierarchies_free))) = { 0 };
	cleanup_close int dstfd = safe_mkdir_all(rootfd, dest, 0755, err);
	cleanup_close int top = -1;
	cleanup_free char *data = NULL;
	bool cgroupns = has_cgroupns(c), userns = fs_in_userns(c);
	char rp[SAFE_FD_PATH_MAX], root[PATH_MAX];
	ssize_t rn;

	if (dstfd < 0)
		return -1;
	safe_fd_path(rootfd, rp);
	rn = readlink(rp, root, sizeof(root) - 1);
	if (rn < 0)
		return ward_error_errno(err, "readlink rootfs");
	root[rn] = '\0';
	if (fs_label_data(c, "tmpfs", "mode=755", &data, err) < 0)
		return -1;
	if (mnt_fs("tmpfs", dstfd, "tmpfs", base, data, err) < 0)
		return -1;
	top = mnt_reopen(rootfd, dest, dstfd, err);
	if (top < 0 || read_hierarchies(&h, root, err) < 0)
		return -1;

	for (size_t i = 0; i < h.n; i++) {
		const char *name = strrchr(h.v[i].mountpoint, '/');
		cleanup_free char *sub = NULL, *src = NULL;
		cleanup_close int subfd = -1, mfd = -1;

		name = name ? name + 1 : h.v[i].mountpoint;
		if (!*name || !*h.v[i].subsys)
			continue;
		if (asprintf(&sub, "%s/%s", dest, name) < 0)
			return ward_error_set(err, ENOMEM, "cgroup");
		subfd = hierarchy_dir(top, name, err);
		if (subfd < 0)
			return ward_error_wrap(err, "%s", dest);
		/* With a cgroup namespace, a bind of the container's own cgroup
		 * shows what a fresh mount would (mountinfo prints the root
		 * relative to the namespace), without what a v1 mount costs the
		 * kernel: it walks every cgroup of the unified hierarchy under
		 * cgroup_mutex and makes a superblock per container and
		 * hierarchy, so that each create got slower with every container
		 * already on the host. A fresh mount only where ward has no
		 * cgroup of the container in that hierarchy. */
		if (cgroupns && own_dir_in(c, h.v[i].mountpoint)) {
			errno = 0;
			src = bind_source(c, &h.v[i], true);
			if (!src && errno != ENOENT)
				return ward_error_set(err, ENOMEM, "cgroup");
		}
		if (cgroupns && !src) {
			if (mnt_fs("cgroup", subfd, "cgroup", base | (o->flags & MS_RDONLY), h.v[i].subsys, err) == 0) {
				mfd = mnt_reopen(rootfd, sub, subfd, err);
				if (mfd < 0 || fs_mount_apply(mfd, o, err) < 0)
					return ward_error_wrap(err, "%s", sub);
				goto links;
			}
			/* v1 cannot be mounted from a user namespace. */
			if (errno != EPERM || !userns)
				return ward_error_wrap(err, "%s", sub);
			ward_error_clear(err);
		}
		if (!src)
			src = bind_source(c, &h.v[i], cgroupns);
		if (!src)
			return ward_error_set(err, errno == ENOENT ? ENOENT : ENOMEM, "cgroup %s",
					      h.v[i].mountpoint);
		if (bind_cgroup(rootfd, sub, subfd, src, true, o, err) < 0)
			return ward_error_wrap(err, "%s", sub);
links:
		/* "cpu" and "cpuacct" next to "cpu,cpuacct". */
		if (strchr(name, ',')) {
			cleanup_free char *parts = strdup(name);
			char *save = NULL;

			if (!parts)
				return ward_error_set(err, ENOMEM, "cgroup");
			for (char *t = strtok_r(parts, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (symlinkat(name, top, t) < 0 && errno != EEXIST)
					return ward_error_errno(err, "symlink %s/%s", dest, t);
		}
	}
	if ((o->flags & MS_RDONLY) && mnt_make_ro(top, false, 0, err) < 0)
		return -1;
	return fs_mount_apply(top, o, err);
}

int fs_mount_cgroup(struct container *c, int rootfd, const struct spec_mount *m, const char *dest,
		    const struct mount_opts *o, struct ward_error *err)
{
	struct statfs sfs;

	if (statfs(CGROUP_ROOT, &sfs) < 0)
		return ward_error_errno(err, "statfs %s", CGROUP_ROOT);
	if (sfs.f_type == CGROUP2_SUPER_MAGIC)
		return mount_v2(c, rootfd, m, dest, o, err);
	return mount_v1(c, rootfd, m, dest, o, err);
}
