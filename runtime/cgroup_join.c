/* Joining the container's cgroups from the inside.
 *
 * Moving another process (the parent writing the child's pid to
 * cgroup.procs) takes the cgroup threadgroup rwsem for writing, and the
 * first such write after an idle period waits in synchronize_rcu: 10-20 ms
 * per container on a quiet node. A single thread moving itself (0 written
 * to v1 "tasks") skips that lock, and clone3(CLONE_INTO_CGROUP) places the
 * child in its cgroup2 cgroup at birth without any move. So the parent only
 * opens the files (with its own credentials, which the kernel checks for
 * writes to them), and the freshly cloned, single-threaded child does the
 * move before anything of the container runs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup_priv.h"
#include "cleanup.h"

static int open_in(const char *dir, const char *file, int flags, struct ward_error *err)
{
	cleanup_free char *p = NULL;
	int fd;

	if (asprintf(&p, "%s%s%s", dir, file ? "/" : "", file ? file : "") < 0)
		return ward_error_set(err, ENOMEM, "cgroup path");
	fd = open(p, flags | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return ward_error_errno(err, "open %s", p);
	return fd;
}

int cgroup_join_open(const struct cgroup_loc *cg, struct cgroup_join *j, struct ward_error *err)
{
	size_t n = cg_hier_count();

	*j = (struct cgroup_join){ .v2_dir = -1, .v2_procs = -1 };
	for (size_t i = 0; cg && i < cg->n; i++)
		if (strcmp(cg->dirs[i].path, "/") == 0 || cg->dirs[i].path[0] != '/')
			cg = NULL;
	if (cg == NULL || cg->n == 0)
		return ward_error_set(err, EINVAL, "refusing to use cgroup path \"%s\"",
				      cg && cg->path ? cg->path : "");
	j->tasks = calloc(n ? n : 1, sizeof(int));
	if (j->tasks == NULL)
		return ward_error_set(err, ENOMEM, "join cgroup");
	for (size_t i = 0; i < n; i++) {
		const struct cg_hier *h = cg_hier_at(i);
		cleanup_free char *dir = cg_dir(h, cg);

		if (dir == NULL) {
			cgroup_join_close(j);
			return ward_error_set(err, ENOMEM, "cgroup path");
		}
		if (h->v2) {
			/* The directory for CLONE_INTO_CGROUP; cgroup.procs
			 * for a kernel without it (the slow move, but still
			 * our own). */
			j->v2_dir = open_in(dir, NULL, O_RDONLY | O_DIRECTORY, err);
			if (j->v2_dir >= 0)
				j->v2_procs = open_in(dir, "cgroup.procs", O_WRONLY, err);
			if (j->v2_procs < 0) {
				cgroup_join_close(j);
				return ward_error_wrap(err, "join cgroup");
			}
			continue;
		}
		int fd = open_in(dir, "tasks", O_WRONLY, err);
		if (fd < 0) {
			cgroup_join_close(j);
			return ward_error_wrap(err, "join cgroup");
		}
		j->tasks[j->n_tasks++] = fd;
	}
	return 0;
}

static int write_zero(int fd, struct ward_error *err)
{
	ssize_t n;

	do
		n = write(fd, "0", 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return ward_error_errno(err, "join cgroup");
	return 0;
}

int cgroup_join_self(struct cgroup_join *j, struct ward_error *err)
{
	int r = 0;

	/* "0" is the writer itself; in "tasks" just this thread, which is
	 * the whole process: we are a fresh clone with no other thread. */
	for (size_t i = 0; i < j->n_tasks && r == 0; i++)
		r = write_zero(j->tasks[i], err);
	if (r == 0 && j->v2_procs >= 0 && !j->v2_placed)
		r = write_zero(j->v2_procs, err);
	cgroup_join_close(j);
	return r;
}

void cgroup_join_close(struct cgroup_join *j)
{
	for (size_t i = 0; i < j->n_tasks; i++)
		close(j->tasks[i]);
	free(j->tasks);
	j->tasks = NULL;
	j->n_tasks = 0;
	if (j->v2_dir >= 0)
		close(j->v2_dir);
	if (j->v2_procs >= 0)
		close(j->v2_procs);
	j->v2_dir = j->v2_procs = -1;
}

size_t cgroup_join_fds(const struct cgroup_join *j, int *out)
{
	size_t n = 0;

	for (size_t i = 0; i < j->n_tasks; i++)
		out[n++] = j->tasks[i];
	if (j->v2_dir >= 0)
		out[n++] = j->v2_dir;
	if (j->v2_procs >= 0)
		out[n++] = j->v2_procs;
	return n;
}

pid_t cgroup_join_clone(int flags, struct cgroup_join *j)
{
	struct clone_args args = { .flags = (unsigned)flags, .exit_signal = SIGCHLD };
	long pid = -1;

	if (j && j->v2_dir >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (unsigned)j->v2_dir;
		pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0) {
			/* In both processes: the child knows it is placed. */
			j->v2_placed = true;
			return (pid_t)pid;
		}
		/* A kernel without CLONE_INTO_CGROUP (or a cgroup it will not
		 * take): clone plainly, the child writes cgroup.procs. */
		args.flags &= ~(__u64)CLONE_INTO_CGROUP;
		args.cgroup = 0;
	}
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == ENOSYS)
		pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0);
	return (pid_t)pid;
}
