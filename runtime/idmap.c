/* Id-mapped bind mounts (config.md "POSIX-platform Mounts": uidMappings,
 * gidMappings, the "idmap" and "ridmap" options): a detached copy of the
 * source (open_tree), given a user namespace's id mapping with
 * mount_setattr(MOUNT_ATTR_IDMAP), later moved onto its target.
 *
 * The mappings have the user namespace format and make the namespace
 * given to MOUNT_ATTR_IDMAP (as in runc and crun): an id the source file
 * system stores as containerID is seen through the mount as hostID
 * ("from the source file system to the destination mount point"). Without
 * mappings of its own, a mount takes the container's linux.uidMappings/
 * gidMappings: a file owned by N on disk is then owned by N inside the
 * container (container root's files are host root's, without chown).
 *
 * Setting the idmap needs CAP_SYS_ADMIN over the mapping's namespace and
 * over the detached mount: the parent does it at create, with host
 * privileges, and the child only attaches the result (mounts.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs.h"
#include "mountfd.h"
#include "security.h"
#include "sync.h"
#include "policy_eval.h"

bool idmap_wanted(const struct spec_mount *m, const struct mount_opts *o)
{
	return o->idmap || m->n_uid_mappings || m->n_gid_mappings;
}

static int write_map(int procdir, const char *file, const struct spec_id_mapping *m, size_t n,
		     struct ward_error *err)
{
	char path[SAFE_FD_PATH_MAX + 16];
	cleanup_free char *buf = malloc(n * 40 + 1);
	size_t len = 0;

	if (buf == NULL)
		return ward_error_set(err, ENOMEM, "%s", file);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
	safe_fd_path(procdir, path);
	strcat(path, "/");
	strcat(path, file);
	if (procfs_write_file(path, buf, len, err) < 0)
		return ward_error_wrap(err, "idmapped mount: write %s", file);
	return 0;
}

/* A user namespace with these maps, held by an fd. A child made in it
 * hands us its /proc directory (SCM_RIGHTS) and waits: /proc/<pid> would
 * name another process when our procfs belongs to an outer pid namespace
 * (mounts_setup in a container's init). We open its maps with our own
 * credentials (host root may write any mapping), then its namespace, and
 * let it go. */
static int userns_with_maps(const struct spec_id_mapping *uid, size_t n_uid,
			    const struct spec_id_mapping *gid, size_t n_gid, struct ward_error *err)
{
	cleanup_close int procdir = -1;
	struct sync_msg msg = { .type = SYNC_USERNS };
	struct sync_extra x = { .fd = -1 };
	int sk[2], fd = -1;
	long pid;

	if (sync_pair(sk, err) < 0)
		return -1;
	pid = syscall(SYS_clone, (unsigned long)CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0) {
		close(sk[0]);
		close(sk[1]);
		return ward_error_errno(err, "clone a user namespace for an idmapped mount");
	}
	if (pid == 0) {
		char c;
		int self;

		close(sk[0]);
		self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (self < 0 || sync_send(sk[1], &msg, self, NULL) < 0)
			_exit(1);
		/* Until the parent is done: EOF. */
		while (read(sk[1], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(sk[1]);
	if (sync_recv(sk[0], &msg, &x, err) == 0) {
		procdir = x.fd;
		if (procdir < 0)
			ward_error_set(err, EPROTO, "idmapped mount: no /proc directory from the helper");
		else if (write_map(procdir, "uid_map", uid, n_uid, err) == 0 &&
			 write_map(procdir, "gid_map", gid, n_gid, err) == 0) {
			fd = openat(procdir, "ns/user", O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				ward_error_errno(err, "idmapped mount: open the user namespace");
		}
	}
	if (fd < 0)
		kill((pid_t)pid, SIGKILL);
	close(sk[0]);
	while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

int idmap_tree_open(const struct container *c, const struct spec_mount *m, const struct mount_opts *o,
		    struct ward_error *err)
{
	const struct spec_linux *l = c->spec->linux;
	const struct spec_id_mapping *uid = m->uid_mappings, *gid = m->gid_mappings;
	size_t n_uid = m->n_uid_mappings, n_gid = m->n_gid_mappings;
	bool bind = (o->flags & MS_BIND) ||
		    (m->type && (strcmp(m->type, "bind") == 0 || strcmp(m->type, "rbind") == 0));
	bool rec = (o->flags & MS_REC) || (m->type && strcmp(m->type, "rbind") == 0);
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	cleanup_free char *src = NULL;
	cleanup_close int userns = -1, tree = -1;

	if (!bind)
		return ward_error_set(err, EINVAL, "idmapped mounts are supported for bind mounts only");
	if (!n_uid != !n_gid)
		return ward_error_set(err, EINVAL, "idmapped mount: uidMappings and gidMappings go together");
	if (n_uid == 0) {
		/* runtime-spec: by default, the container's user namespace. */
		if (l == NULL || l->n_uid_mappings == 0 || l->n_gid_mappings == 0)
			return ward_error_set(err, EINVAL,
					      "idmap option without uidMappings/gidMappings needs the container's user namespace mappings");
		uid = l->uid_mappings;
		n_uid = l->n_uid_mappings;
		gid = l->gid_mappings;
		n_gid = l->n_gid_mappings;
	}
	if (!m->source || !*m->source)
		return ward_error_set(err, EINVAL, "bind mount without a source");
	if (m->source[0] == '/')
		src = strdup(m->source);
	else if (asprintf(&src, "%s/%s", c->bundle, m->source) < 0)
		src = NULL;
	if (!src)
		return ward_error_set(err, ENOMEM, "bind source");

	tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
	if (tree < 0)
		return ward_error_errno(err, "idmapped mount: open_tree %s", src);
	userns = userns_with_maps(uid, n_uid, gid, n_gid, err);
	if (userns < 0)
		return -1;
	attr.userns_fd = (uint64_t)userns;
	/* "ridmap": every mount of an rbind; "idmap": its top mount. */
	if (mount_setattr(tree, "", AT_EMPTY_PATH | (o->idmap_recursive ? AT_RECURSIVE : 0), &attr,
			  sizeof(attr)) < 0) {
		if (errno == EINVAL || errno == EOPNOTSUPP)
			return ward_error_errno(err, "idmapped mount of %s (does its file system support id mapping?)",
						src);
		return ward_error_errno(err, "idmapped mount of %s: mount_setattr", src);
	}
	return steal_fd(tree);
}

/* The rootfs keeps its owners inside a user namespace that the policy
 * added: the same detached, id-mapped copy as a bind mount with "idmap". */
static int idmap_prepare_rootfs(struct container *c, struct ward_error *err)
{
	const char *on = spec_annotation(c->spec, WARD_IDMAP_ROOTFS_ANNOTATION);
	struct spec_mount m = { .type = "bind", .source = c->rootfs, .destination = "/" };
	struct mount_opts o = { .flags = MS_BIND | MS_REC, .idmap = true, .idmap_recursive = true };
	int fd;

	if (on == NULL || strcmp(on, "true") != 0)
		return 0;
	fd = idmap_tree_open(c, &m, &o, err);
	if (fd < 0)
		return ward_error_wrap(err, "id-mapped rootfs %s", c->rootfs);
	c->rootfs_tree = fd;
	c->rootfs_idmapped = true;
	return 0;
}

int idmap_prepare_mounts(struct container *c, struct ward_error *err)
{
	const struct spec *s = c->spec;
	bool any = false;

	if (idmap_prepare_rootfs(c, err) < 0)
		return -1;

	for (size_t i = 0; i < s->n_mounts; i++) {
		cleanup_mountopts struct mount_opts o = { 0 };

		if (mountopts_parse(&s->mounts[i].options, &o, err) < 0)
			return -1;
		any = any || idmap_wanted(&s->mounts[i], &o);
	}
	if (!any)
		return 0;
	c->mount_fds = malloc(s->n_mounts * sizeof(int));
	if (c->mount_fds == NULL)
		return ward_error_set(err, ENOMEM, "idmapped mounts");
	for (size_t i = 0; i < s->n_mounts; i++)
		c->mount_fds[i] = -1;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		cleanup_mountopts struct mount_opts o = { 0 };

		if (mountopts_parse(&m->options, &o, err) < 0)
			goto fail;
		if (!idmap_wanted(m, &o))
			continue;
		c->mount_fds[i] = idmap_tree_open(c, m, &o, err);
		if (c->mount_fds[i] < 0) {
			ward_error_wrap(err, "mounting \"%s\" to rootfs at \"%s\"", m->source ? m->source : "",
					m->destination ? m->destination : "");
			goto fail;
		}
	}
	return 0;
fail:
	idmap_release_mounts(c);
	return -1;
}

void idmap_release_mounts(struct container *c)
{
	if (c->rootfs_idmapped && c->rootfs_tree >= 0)
		close(c->rootfs_tree);
	c->rootfs_idmapped = false;
	if (c->mount_fds == NULL)
		return;
	for (size_t i = 0; i < c->spec->n_mounts; i++)
		if (c->mount_fds[i] >= 0)
			close(c->mount_fds[i]);
	free(c->mount_fds);
	c->mount_fds = NULL;
}
