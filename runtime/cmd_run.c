/* ward run [options] ID: create + start; in the foreground (no --detach)
 * also relay signals and the terminal, wait for init and delete the
 * container, exiting with init's status (128+N when killed by signal N). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "foreground.h"
#include "log.h"
#include "spawn.h"
#include "terminal.h"

int cmd_run(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] =
		"[command options] <container-id>\n\n"
		"Where \"<container-id>\" is your name for the instance of the container that you\n"
		"are starting. The name you provide for the container instance must be unique on\n"
		"your host.";
	static const char desc[] =
		"create and run a container\n"
		"The run command creates an instance of a container for a bundle. The bundle\n"
		"is a directory with a specification file named \"config.json\" and a root\n"
		"filesystem.\n\n"
		"The specification file includes an args parameter. The args parameter is used\n"
		"to specify command(s) that get run when the container is started. To change the\n"
		"command(s) that get executed on start, edit the args parameter of the spec. See\n"
		"\"ward spec --help\" for more explanation.";
	struct create_flags f = { 0 };
	bool detach = false, keep = false, help;
	struct cli_opt opts[CREATE_FLAGS_N_OPTS + 3] = { 0 };
	struct ward_error err = { 0 };
	struct container *c;
	sigset_t mask;
	int nargs, status;

	if (exe_ensure_sealed(&err) < 0)
		return cli_fail(&err);
	create_flags_options(&f, opts);
	opts[CREATE_FLAGS_N_OPTS] = (struct cli_opt){ "detach", 'd', CLI_BOOL, &detach,
						      "detach from the container's process", NULL };
	opts[CREATE_FLAGS_N_OPTS + 1] = (struct cli_opt){ "keep", 0, CLI_BOOL, &keep,
							  "do not delete the container after it exits",
							  NULL };
	if (cli_parse("run", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args("run", nargs, 1, &err) < 0)
		return cli_fail(&err);
	c = create_flags_container(g, argv[0], &f, &err);
	if (c == NULL)
		return cli_fail(&err);
	c->foreground = !detach;
	c->start_now = true;

	if (c->foreground) {
		/* Orphans of the container, and init itself when it is forked
		 * into its pid namespace, are reparented to us. */
		if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
			ward_warn("cannot become child subreaper: %s", strerror(errno));
		/* Blocked from now: nothing is lost between create and the
		 * wait loop. init unblocks everything for itself. */
		foreground_signals(&mask);
		sigprocmask(SIG_BLOCK, &mask, NULL);
		signal(SIGPIPE, SIG_IGN);
	}
	if (container_create(c, &err) < 0) {
		ward_error_wrap(&err, "ward run failed");
		container_free(c);
		return cli_fail(&err);
	}
	if (container_start_own(c, &err) < 0) {
		struct ward_error derr = { 0 };
		ward_error_wrap(&err, "ward run failed");
		if (container_destroy_own(c, &derr) < 0)
			ward_warn("%s", derr.msg);
		container_free(c);
		return cli_fail(&err);
	}
	if (!c->foreground) {
		container_free(c);
		return 0;
	}
	status = foreground_wait(c->pid, c->console_fd,
				 c->spec->process->console_size == NULL, &mask);
	ward_debug("run %s: init %d exited, status %d", c->id, (int)c->pid, status);
	if (!keep && container_destroy_own(c, &err) < 0)
		ward_log_error(&err);
	container_free(c);
	return status;
}
