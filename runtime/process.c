/* Parent side of spawning init: clone, cgroup, id maps, and serving the
 * child's requests until it is ready (the protocol is drawn in sync.h). */
#include "config.h"

#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "fs.h"
#include "log.h"
#include "spawn.h"
#include "sync.h"
#include "terminal.h"

static int describe_exit(pid_t pid, const char *who, struct ward_error *err)
{
	int status;
	pid_t r;

	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0) /* not our child (a forked init): no status to tell */
		return ward_error_set(err, 0, "%s exited before it was ready", who);
	if (WIFSIGNALED(status))
		return ward_error_set(err, 0, "%s was killed by signal %d before it was ready", who,
				      WTERMSIG(status));
	return ward_error_set(err, 0, "%s exited with status %d before it was ready", who,
			      WEXITSTATUS(status));
}

/* Wait for the intermediate process of the pid-namespace fork to leave. */
static int reap_intermediate(struct spawn *sp, struct ward_error *err)
{
	int status;
	pid_t r;

	do
		r = waitpid(sp->child_pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return ward_error_errno(err, "wait for intermediate init process");
	sp->child_pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return ward_error_set(err, 0, "intermediate init process failed (status 0x%x)",
				      status);
	return 0;
}

static int hand_over_console(struct spawn *sp, int master, const char *name, struct ward_error *err)
{
	struct container *c = sp->c;

	if (c->console_socket_fd >= 0) {
		int r = terminal_send_master(c->console_socket_fd, master, name, err);
		close(master);
		return r;
	}
	if (sp->console_fd >= 0)
		close(sp->console_fd);
	sp->console_fd = master;
	return 0;
}

static int run_create_hooks(struct spawn *sp, struct ward_error *err)
{
	const struct spec_hooks *h = sp->c->spec->hooks;
	struct sync_msg reply = { .type = SYNC_HOOKS_DONE, .pid = sp->c->pid };

	sp->state->pid = sp->c->pid;
	if (h) {
		/* prestart is deprecated but still runs, before createRuntime. */
		if (container_run_hooks(&h->prestart, "prestart", sp->state, STATUS_CREATING,
					err) < 0 ||
		    container_run_hooks(&h->create_runtime, "createRuntime", sp->state,
					STATUS_CREATING, err) < 0)
			return -1;
	}
	return sync_send(sp->sync_fd[0], &reply, -1, err);
}

/* A create killed from here on must leave a pid that `delete --force` can
 * find: the state records each process as soon as it exists (with its
 * start time, so a recycled pid is never signalled). */
static int record_pid(struct spawn *sp, pid_t pid, struct ward_error *err)
{
	sp->state->pid = pid;
	sp->state->pid_start = proc_start_time(pid);
	if (sp->state_dirfd < 0)
		return 0;
	return state_write(sp->state_dirfd, sp->state, err);
}

/* Answer the child until READY. */
static int serve_child(struct spawn *sp, struct ward_error *err)
{
	struct container *c = sp->c;
	struct sync_msg m;
	struct sync_extra x;

	for (;;) {
		int r = sync_recv(sp->sync_fd[0], &m, &x, err);
		if (r == SYNC_RECV_EOF)
			return describe_exit(sp->child_pid ? sp->child_pid : c->pid,
					     "container init", err);
		if (r < 0)
			return -1;
		ward_debug("create %s: init (pid %d) sent %s", c->id,
			   (int)(c->pid > 0 ? c->pid : sp->child_pid), sync_type_name(m.type));
		switch (m.type) {
		case SYNC_USERNS:
			if (userns_write_maps(sp->child_pid, c->spec->linux, err) < 0 ||
			    sync_send_type(sp->sync_fd[0], SYNC_USERNS_DONE, err) < 0)
				return -1;
			break;
		case SYNC_INIT_PID:
			if (x.pid <= 0)
				return ward_error_set(err, EPROTO, "init pid not received");
			c->pid = x.pid;
			if (record_pid(sp, x.pid, err) < 0 || reap_intermediate(sp, err) < 0)
				return -1;
			break;
		case SYNC_HOOKS:
			if (run_create_hooks(sp, err) < 0)
				return -1;
			break;
		case SYNC_MOUNT_SOURCES:
			if (mountsrc_serve(c, sp->sync_fd[0], x.pid > 0 ? x.pid : sp->child_pid, err) < 0)
				return -1;
			break;
		case SYNC_CONSOLE:
			if (x.fd < 0)
				return ward_error_set(err, EPROTO, "console message without a pty");
			if (hand_over_console(sp, x.fd, m.text, err) < 0)
				return -1;
			break;
		case SYNC_READY:
			return 0;
		default:
			if (x.fd >= 0)
				close(x.fd);
			return ward_error_set(err, EPROTO, "sync: unexpected %s from init",
					      sync_type_name(m.type));
		}
	}
}

/* Kill what we started; reap our direct child. A grandchild init is
 * killed too (with a new pid namespace that takes everything in it). */
static void kill_children(struct spawn *sp)
{
	if (sp->c->pid > 0)
		kill(sp->c->pid, SIGKILL);
	if (sp->child_pid > 0) {
		kill(sp->child_pid, SIGKILL);
		while (waitpid(sp->child_pid, NULL, 0) < 0 && errno == EINTR)
			;
		sp->child_pid = 0;
	}
}

/* Everything between clone and READY, for a child that exists. */
static int drive_child(struct spawn *sp, struct ward_error *err)
{
	struct container *c = sp->c;

	/* On record before it can run anything: a create killed from here on
	 * leaves a pid that `delete --force` finds. */
	if (record_pid(sp, sp->child_pid, err) < 0)
		return -1;
	if ((sp->ns.clone_flags & CLONE_NEWUSER) &&
	    userns_write_maps(sp->child_pid, c->spec->linux, err) < 0)
		return -1;
	ward_debug("create %s: child pid %d cloned (flags 0x%x)", c->id,
		   (int)sp->child_pid, sp->ns.clone_flags);
	if (sync_send_type(sp->sync_fd[0], SYNC_GO, err) < 0 || serve_child(sp, err) < 0)
		return -1;
	if (c->pid <= 0)
		return ward_error_set(err, EPROTO, "init is ready but its pid is unknown");
	return 0;
}

int process_spawn(struct spawn *sp, struct ward_error *err)
{
	struct container *c = sp->c;
	pid_t pid;
	int r;

	sp->child_pid = 0;
	sp->console_fd = -1;
	sp->cgjoin = (struct cgroup_join){ .v2_dir = -1, .v2_procs = -1 };
	c->pid = 0;
	/* Id-mapped mounts need host privileges: made here, attached by init. */
	if (idmap_prepare_mounts(c, err) < 0)
		return -1;
	/* The child joins its cgroups itself (cgroup_join.c), first thing
	 * after GO: the cgroup namespace it makes is rooted there, and a
	 * forked init inherits them. */
	if (c->cgroup && cgroup_join_open(c->cgroup, &sp->cgjoin, err) < 0) {
		idmap_release_mounts(c);
		return -1;
	}
	if (sync_pair(sp->sync_fd, err) < 0) {
		cgroup_join_close(&sp->cgjoin);
		idmap_release_mounts(c);
		return -1;
	}
	/* An ignored SIGCHLD (inherited through exec) would make the kernel
	 * reap our children before we can read their status. */
	signal(SIGCHLD, SIG_DFL);
	/* Buffered output must not be written twice, by both processes. */
	fflush(NULL);
	pid = cgroup_join_clone(sp->ns.clone_flags, c->cgroup ? &sp->cgjoin : NULL);
	if (pid == 0) {
		close(sp->sync_fd[0]);
		init_main(sp);
	}
	cgroup_join_close(&sp->cgjoin);
	close(sp->sync_fd[1]);
	sp->sync_fd[1] = -1;
	ns_plan_release(&sp->ns);
	idmap_release_mounts(c);
	if (pid < 0) {
		ward_error_errno(err, "clone init (flags 0x%x)", sp->ns.clone_flags);
		close(sp->sync_fd[0]);
		return -1;
	}
	sp->child_pid = pid;
	if (!sp->ns.fork_init)
		c->pid = pid;
	c->created_userns = sp->ns.create[SPEC_NS_USER];

	r = drive_child(sp, err);
	if (r == 0)
		ward_debug("init of %s: pid %d (clone flags 0x%x%s)", c->id, (int)c->pid,
			   sp->ns.clone_flags,
			   sp->ns.fork_init ? ", forked into its pid namespace" : "");
	close(sp->sync_fd[0]);
	sp->sync_fd[0] = -1;
	if (r < 0) {
		kill_children(sp);
		if (sp->console_fd >= 0)
			close(sp->console_fd);
		sp->console_fd = -1;
	}
	return r;
}
