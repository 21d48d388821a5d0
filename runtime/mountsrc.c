/* Bind sources the container's user namespace cannot reach (a 0700
 * directory of host root's, say): init would get EACCES walking to them.
 * As runc does, they are opened with the host's privileges, but inside
 * init's mount namespace, so that the fds name mounts init may bind (a
 * mount of another namespace cannot be cloned) and the copies keep the
 * locks the kernel puts on mounts handed to a less privileged namespace
 * (a read-only host mount stays read-only). A helper forked from the
 * parent joins that namespace, opens each source O_PATH and sends the fds
 * straight to init; init binds from the fd, so no path is walked with its
 * own credentials.
 *
 * The exchange cannot leave either side waiting: init reads until the
 * parent's DONE, an ERROR or EOF; the parent sends DONE only after the
 * helper exited cleanly, and on any failure returns the error, upon which
 * init is killed. The helper reports its own error through a pipe. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "fs.h"
#include "log.h"
#include "mountopts.h"
#include "sync.h"

/* Init holds one fd per source until its mounts are done; past this many
 * it opens them itself, as without a user namespace. */
#define MOUNTSRC_MAX 512

/* A bind mount whose source init would open itself (the parent already
 * makes id-mapped trees). Same decision as mount_one's. */
static bool plain_bind(const struct spec_mount *m)
{
	cleanup_mountopts struct mount_opts o = { 0 };
	const char *type = m->type ? m->type : "";

	if (m->source == NULL || m->source[0] == '\0')
		return false;
	if (mountopts_parse(&m->options, &o, NULL) < 0 || idmap_wanted(m, &o))
		return false;
	return (o.flags & MS_BIND) || strcmp(type, "bind") == 0 || strcmp(type, "rbind") == 0;
}

bool mountsrc_wanted(const struct container *c)
{
	size_t n = 0;

	if (c->spec == NULL || spec_find_namespace(c->spec, SPEC_NS_USER) == NULL)
		return false;
	for (size_t i = 0; i < c->spec->n_mounts; i++)
		if (plain_bind(&c->spec->mounts[i]))
			n++;
	return n > 0 && n <= MOUNTSRC_MAX;
}

void mountsrc_release(struct container *c)
{
	if (c->mount_src_fds == NULL)
		return;
	for (size_t i = 0; i < c->spec->n_mounts; i++)
		if (c->mount_src_fds[i] >= 0)
			close(c->mount_src_fds[i]);
	free(c->mount_src_fds);
	c->mount_src_fds = NULL;
}

int mountsrc_request(struct container *c, int sock, struct ward_error *err)
{
	size_t n = c->spec->n_mounts;

	c->mount_src_fds = malloc(n * sizeof(int));
	if (c->mount_src_fds == NULL)
		return ward_error_set(err, ENOMEM, "mount sources");
	for (size_t i = 0; i < n; i++)
		c->mount_src_fds[i] = -1;
	if (sync_send_type(sock, SYNC_MOUNT_SOURCES, err) < 0)
		return -1;
	for (;;) {
		struct sync_msg m;
		struct sync_extra x;
		int r = sync_recv(sock, &m, &x, err);

		if (r == SYNC_RECV_EOF)
			return ward_error_set(err, EPIPE, "sync: ward went away while opening the mount sources");
		if (r < 0)
			return -1;
		if (m.type == SYNC_MOUNT_SOURCES_DONE && x.fd < 0)
			return 0;
		if (m.type != SYNC_MOUNT_SOURCE || x.fd < 0 || m.pid < 0 || (size_t)m.pid >= n ||
		    c->mount_src_fds[m.pid] >= 0) {
			if (x.fd >= 0)
				close(x.fd);
			return ward_error_set(err, EPROTO, "sync: unexpected %s while receiving mount sources",
					      sync_type_name(m.type));
		}
		c->mount_src_fds[m.pid] = x.fd;
	}
}

/* In the helper: open and send every source; the first failure ends it. */
static int send_sources(const struct container *c, int sock, int nsfd, struct ward_error *err)
{
	if (setns(nsfd, CLONE_NEWNS) < 0)
		return ward_error_errno(err, "join the mount namespace of container init");
	for (size_t i = 0; i < c->spec->n_mounts; i++) {
		const struct spec_mount *m = &c->spec->mounts[i];
		struct sync_msg msg = { .type = SYNC_MOUNT_SOURCE, .pid = (int32_t)i };
		cleanup_free char *src = NULL;
		cleanup_close int fd = -1;

		if (!plain_bind(m))
			continue;
		if (m->source[0] == '/')
			src = strdup(m->source);
		else if (asprintf(&src, "%s/%s", c->bundle, m->source) < 0)
			src = NULL;
		if (src == NULL)
			return ward_error_set(err, ENOMEM, "bind source");
		/* Worded as init would have failed on it (mounts.c). */
		fd = open(src, O_PATH | O_CLOEXEC);
		if (fd < 0)
			return ward_error_errno(err, "mounting \"%s\" to rootfs at \"%s\": bind source %s", m->source,
						m->destination ? m->destination : "", src);
		if (sync_send(sock, &msg, fd, err) < 0)
			return -1;
	}
	return 0;
}

static __attribute__((noreturn)) void helper(const struct container *c, int sock, int nsfd, int errfd,
					       pid_t parent)
{
	struct ward_error err = { 0 };

	/* Never outlive the parent, which is the one init answers to. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent || send_sources(c, sock, nsfd, &err) < 0) {
		if (write(errfd, &err, sizeof(err)) < 0)
			_exit(2);
		_exit(1);
	}
	_exit(0);
}

/* The helper's error, if it wrote one: read to EOF (it exited by then). */
static void read_helper_error(int fd, struct ward_error *err)
{
	struct ward_error e = { 0 };
	size_t got = 0;

	while (got < sizeof(e)) {
		ssize_t n = read(fd, (char *)&e + got, sizeof(e) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == sizeof(e) && e.msg[0] != '\0') {
		e.msg[sizeof(e.msg) - 1] = '\0';
		*err = e;
	}
}

int mountsrc_serve(const struct container *c, int sock, pid_t pid, struct ward_error *err)
{
	char path[64];
	cleanup_close int nsfd = -1, rd = -1;
	int p[2], status;
	pid_t h, self = getpid();

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return ward_error_errno(err, "open the mount namespace of container init");
	if (pipe2(p, O_CLOEXEC) < 0)
		return ward_error_errno(err, "pipe for the mount source helper");
	rd = p[0];
	h = fork();
	if (h < 0) {
		close(p[1]);
		return ward_error_errno(err, "fork the mount source helper");
	}
	if (h == 0) {
		close(p[0]);
		helper(c, sock, nsfd, p[1], self);
	}
	close(p[1]);
	ward_error_set(err, 0, "the mount source helper failed");
	read_helper_error(rd, err);
	while (waitpid(h, &status, 0) < 0)
		if (errno != EINTR)
			return ward_error_errno(err, "wait for the mount source helper");
	if (WIFSIGNALED(status))
		return ward_error_set(err, 0, "the mount source helper was killed by signal %d", WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return -1;
	ward_error_clear(err);
	ward_debug("create %s: bind sources of init (pid %d) opened in its mount namespace", c->id, (int)pid);
	return sync_send_type(sock, SYNC_MOUNT_SOURCES_DONE, err);
}
