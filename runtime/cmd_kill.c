/* ward kill ID [SIGNAL]: signal the container's init (default SIGTERM), or
 * with --all every process in its cgroup. Allowed on created, running and
 * paused containers; a stopped one is "container not running". */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "signals.h"
#include "state.h"

static int not_running(struct ward_error *err)
{
	ward_error_set(err, 0, "container not running");
	err->errnum = ESRCH;
	return -1;
}

static int do_kill(struct ward_globals *g, const char *id, int sig, bool all,
		   struct ward_error *err)
{
	struct ward_state st;
	int ret;

	/* No lock: the pid is verified through a pidfd against its start
	 * time, so a concurrent delete cannot make us hit a recycled pid. */
	cleanup_close int dirfd = state_dir_open(g->root, id, err);
	if (dirfd < 0)
		return -1;
	if (state_read(dirfd, &st, err) < 0)
		return -1;
	enum container_status status = state_status(dirfd, &st);

	if (all && cgroup_owned(st.cgroup)) {
		/* runc: nothing to do once the cgroup is gone; a stopped
		 * container may still have stragglers in it (shared pid ns). */
		if (status == STATUS_STOPPED && !cgroup_exists(st.cgroup))
			ret = 0;
		else
			ret = cgroup_signal_all(st.cgroup, sig, err);
	} else if (status == STATUS_STOPPED) {
		ret = not_running(err);
	} else {
		ret = proc_signal(st.pid, st.pid_start, sig, err);
		if (ret < 0 && err->errnum == ESRCH)
			ret = not_running(err);
		else if (ret < 0)
			ward_error_wrap(err, "unable to signal init");
	}
	state_clear(&st);
	return ret;
}

int cmd_kill(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] = "[command options] <container-id> [signal]";
	static const char desc[] =
		"send a signal to the init process of a container (default: SIGTERM)\n"
		"The signal is a name, with or without the SIG prefix and in any case (KILL,\n"
		"SIGKILL, kill), RTMIN+N or RTMAX-N, or a number. The container must be created,\n"
		"running or paused. With --all every process in the container's cgroup is\n"
		"signalled, which also reaches processes left behind after init exited.\n\n"
		"Example: ward kill web1 KILL";
	bool all = false, help;
	const struct cli_opt opts[] = {
		{ "all", 'a', CLI_BOOL, &all, "signal every process in the container's cgroup", NULL },
		{ 0 },
	};
	struct ward_error err = { 0 };
	int nargs;

	if (cli_parse("kill", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args_range("kill", nargs, 1, 2, &err) < 0)
		return cli_fail(&err);
	int sig = SIGTERM;
	if (state_validate_id(argv[0], &err) < 0)
		return cli_fail(&err);
	if (nargs == 2 && (sig = signal_parse(argv[1], &err)) < 0)
		return cli_fail(&err);
	if (do_kill(g, argv[0], sig, all, &err) < 0)
		return cli_fail(&err);
	return 0;
}
