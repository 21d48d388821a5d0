/* ward pause ID / ward resume ID: freeze and thaw every process of a
 * container through its cgroup (v1 freezer, or cgroup.freeze on v2). A
 * frozen cgroup is what makes `state` say "paused". runc's rules: pause
 * needs a created or running container, resume a paused one. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "state.h"

static int fail_status(struct ward_error *err, const char *msg)
{
	ward_error_set(err, 0, "%s", msg);
	err->errnum = ESRCH;
	return -1;
}

static int do_freeze(struct ward_globals *g, const char *id, bool pause, struct ward_error *err)
{
	struct ward_state st;
	int ret = 0;

	cleanup_close int dirfd = state_dir_open(g->root, id, err);
	if (dirfd < 0)
		return -1;
	/* Serialised with delete and other state changes of this id. */
	cleanup_close int lock = state_lock(dirfd, err);
	if (lock < 0 || state_read(dirfd, &st, err) < 0)
		return -1;
	enum container_status status = state_status(dirfd, &st);
	if (pause && status != STATUS_RUNNING && status != STATUS_CREATED)
		ret = fail_status(err, "container not running");
	else if (!pause && status != STATUS_PAUSED)
		ret = fail_status(err, "container not paused");
	else if (!st.cgroup)
		ret = ward_error_set(err, ENOENT, "container %s has no cgroup", id);
	else
		ret = cgroup_set_frozen(st.cgroup, pause, err);
	if (ret == 0 && pause) {
		/* The init may have exited between the status check and the
		 * freeze: then there is nothing paused to report. */
		size_t n = 0;
		cleanup_free pid_t *pids = cgroup_pids(st.cgroup, &n, err);
		if (!pids || n == 0) {
			cgroup_set_frozen(st.cgroup, false, NULL);
			ret = pids ? ward_error_set(err, ESRCH, "container process already exited") : -1;
		}
	}
	state_clear(&st);
	return ret;
}

static int freeze_cmd(struct ward_globals *g, const char *name, bool pause, int argc, char **argv)
{
	static const char usage[] = "<container-id>";
	const char *desc = pause ? "suspend all processes of a container\n"
				   "Every process in the container's cgroup is frozen; `state` shows\n"
				   "\"paused\" until `ward resume`. The container must be created or\n"
				   "running."
				 : "resume all processes of a paused container\n"
				   "Thaws the container's cgroup; `state` shows \"running\" again.";
	static const struct cli_opt opts[] = { { 0 } };
	struct ward_error err = { 0 };
	bool help;
	int nargs;

	if (cli_parse(name, usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args(name, nargs, 1, &err) < 0)
		return cli_fail(&err);
	if (do_freeze(g, argv[0], pause, &err) < 0)
		return cli_fail(&err);
	return 0;
}

int cmd_pause(struct ward_globals *g, int argc, char **argv)
{
	return freeze_cmd(g, "pause", true, argc, argv);
}

int cmd_resume(struct ward_globals *g, int argc, char **argv)
{
	return freeze_cmd(g, "resume", false, argc, argv);
}
