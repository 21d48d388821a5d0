/* ward delete [--force] ID: release everything a container holds. A stopped
 * container is cleaned up; a created one has its waiting init killed first
 * (runc allows that without --force); running and paused ones need
 * --force. Cleanup: stragglers in the cgroup, the cgroup, the state
 * directory, then the poststop hooks (runtime-spec: after the container is
 * deleted, before delete returns; their failures are only warnings). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "container.h"
#include "log.h"
#include "state.h"

#define KILL_WAIT_MS 10000

/* SIGKILL the init (and with `all` the whole cgroup) and wait for it. */
static int kill_and_wait(const struct ward_state *st, bool all, struct ward_error *err)
{
	/* A create killed before init existed recorded no pid. */
	if (st->pid > 0 && proc_signal(st->pid, st->pid_start, SIGKILL, err) < 0 &&
	    err->errnum != ESRCH)
		return ward_error_wrap(err, "kill init");
	/* A cgroup ward did not make may hold others' processes: then only
	 * init (and with its own pid namespace, everything under it) goes. */
	if (all && cgroup_owned(st->cgroup) && cgroup_signal_all(st->cgroup, SIGKILL, err) < 0)
		return -1;
	/* A frozen init only dies once thawed. */
	if (st->cgroup && cgroup_is_frozen(st->cgroup) &&
	    cgroup_set_frozen(st->cgroup, false, err) < 0)
		return -1;
	if (st->pid > 0 && proc_wait_exit(st->pid, st->pid_start, KILL_WAIT_MS, err) < 0)
		return ward_error_wrap(err, "kill init");
	return 0;
}

static int do_delete(struct ward_globals *g, const char *id, bool force, struct ward_error *err)
{
	struct ward_state st;

	cleanup_close int dirfd = state_dir_open(g->root, id, err);
	if (dirfd < 0)
		return (force && err->errnum == ENOENT) ? 0 : -1;
	cleanup_close int lock = state_lock(dirfd, err);
	if (lock < 0)
		return -1;
	/* A concurrent delete may have removed the directory while we waited
	 * for its lock. */
	struct stat sb;
	if (fstat(dirfd, &sb) == 0 && sb.st_nlink == 0) {
		if (force)
			return 0;
		ward_error_set(err, 0, "container does not exist");
		err->errnum = ENOENT;
		return -1;
	}
	if (state_read(dirfd, &st, err) < 0) {
		/* A create killed before its first state write leaves a bare
		 * directory (nothing else exists yet); --force clears it. */
		if (!force)
			return -1;
		ward_warn("delete %s: %s; removing the state directory", id, err->msg);
		return state_remove(g->root, id, err);
	}
	int ret = 0;
	enum container_status status = state_status(dirfd, &st);
	switch (status) {
	case STATUS_STOPPED:
		break;
	case STATUS_CREATED:
	case STATUS_CREATING:
		ret = kill_and_wait(&st, force, err);
		break;
	case STATUS_RUNNING:
	case STATUS_PAUSED:
		if (!force) {
			ret = ward_error_set(err, 0, "cannot delete container %s that is not stopped: %s",
					     id, container_status_name(status));
			err->errnum = EBUSY;
			break;
		}
		ret = kill_and_wait(&st, true, err);
		break;
	}
	if (ret == 0)
		ret = container_destroy_locked(g->root, dirfd, &st, err);
	state_clear(&st);
	return ret;
}

int cmd_delete(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] = "[command options] <container-id>";
	static const char desc[] =
		"release the resources of a container and forget it\n"
		"A stopped container is removed (cgroup, state, then its poststop hooks). A\n"
		"created container has its waiting init killed first. A running or paused\n"
		"container is only removed with --force, which kills it with SIGKILL.";
	bool force = false, help;
	const struct cli_opt opts[] = {
		{ "force", 'f', CLI_BOOL, &force, "kill a running or paused container (SIGKILL) and delete it", NULL },
		{ 0 },
	};
	struct ward_error err = { 0 };
	int nargs;

	if (cli_parse("delete", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args("delete", nargs, 1, &err) < 0)
		return cli_fail(&err);
	if (do_delete(g, argv[0], force, &err) < 0)
		return cli_fail(&err);
	return 0;
}
