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
#include "log.h"
#include "spawn.h"
#include "terminal.h"

/* Every signal we receive goes to init, except those the kernel raises
 * for our own faults and SIGPIPE (ours, from a closed stdout). */
static void forwarded_signals(sigset_t *set)
{
	static const int own[] = { SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL,
				   SIGFPE,  SIGTRAP, SIGABRT, SIGSYS, SIGPIPE };

	sigfillset(set);
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		sigdelset(set, own[i]);
}

static int exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Copy what is available; false at EOF or error (EIO: the slave is closed). */
static bool relay(int from, int to)
{
	char buf[32768];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	write_all(to, buf, (size_t)n);
	return true;
}

struct foreground {
	pid_t init;
	int master;   /* pty master, or -1 */
	int status;   /* init's wait status once reaped, else -1 */
	bool stdin_open;
	bool master_open;
};

/* As subreaper we also reap orphans of the container. */
static void reap(struct foreground *fg)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == fg->init)
			fg->status = status;
}

static void handle_signals(int sfd, struct foreground *fg)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(fg);
			break;
		case SIGWINCH:
			if (fg->master >= 0)
				terminal_copy_size(STDIN_FILENO, fg->master);
			break;
		default:
			kill(fg->init, (int)si.ssi_signo);
		}
	}
}

static int wait_foreground(struct container *c, const sigset_t *mask)
{
	struct foreground fg = {
		.init = c->pid,
		.master = c->console_fd,
		.status = -1,
		.stdin_open = c->console_fd >= 0,
		.master_open = c->console_fd >= 0,
	};
	struct terminal_saved saved = { 0 };
	struct ward_error e = { 0 };
	cleanup_close int sfd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
	/* init's exit is seen through its pidfd: a SIGCHLD that arrived
	 * before this loop may have been discarded (setting SIGCHLD to SIG_DFL
	 * flushes a pending one, and hooks do that). */
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, fg.init, 0);

	if (sfd < 0 || pidfd < 0)
		ward_warn("signals and the terminal are not relayed: %s", strerror(errno));
	if (fg.master >= 0) {
		if (terminal_make_raw(STDIN_FILENO, &saved, &e) < 0)
			ward_warn("%s", e.msg);
		if (c->spec->process->console_size == NULL)
			terminal_copy_size(STDIN_FILENO, fg.master);
	}
	while (fg.status < 0) {
		struct pollfd p[4] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = fg.stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = fg.master_open ? fg.master : -1, .events = POLLIN },
		};
		if (sfd < 0 || pidfd < 0) {
			int status;
			if (waitpid(fg.init, &status, 0) == fg.init)
				fg.status = status;
			else if (errno != EINTR)
				break;
			continue;
		}
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents && !relay(STDIN_FILENO, fg.master))
			fg.stdin_open = false;
		if (p[3].revents && !relay(fg.master, STDOUT_FILENO))
			fg.master_open = false;
		if (p[0].revents)
			handle_signals(sfd, &fg);
		if (p[1].revents) {
			reap(&fg);
			if (fg.status < 0)
				break; /* gone, but not our child: no status */
		}
	}
	/* What init wrote just before it exited is still in the pty. */
	if (fg.master_open) {
		fcntl(fg.master, F_SETFL, fcntl(fg.master, F_GETFL) | O_NONBLOCK);
		char buf[32768];
		ssize_t n;
		while ((n = read(fg.master, buf, sizeof(buf))) > 0)
			write_all(STDOUT_FILENO, buf, (size_t)n);
	}
	terminal_restore(STDIN_FILENO, &saved);
	return fg.status < 0 ? 255 : exit_code(fg.status);
}

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

	if (c->foreground) {
		/* Orphans of the container, and init itself when it is forked
		 * into its pid namespace, are reparented to us. */
		if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
			ward_warn("cannot become child subreaper: %s", strerror(errno));
		/* Blocked from now: nothing is lost between create and the
		 * wait loop. init unblocks everything for itself. */
		forwarded_signals(&mask);
		sigprocmask(SIG_BLOCK, &mask, NULL);
		signal(SIGPIPE, SIG_IGN);
	}
	if (container_create(c, &err) < 0) {
		ward_error_wrap(&err, "ward run failed");
		container_free(c);
		return cli_fail(&err);
	}
	if (container_start(c->state_root, c->id, &err) < 0) {
		struct ward_error derr = { 0 };
		ward_error_wrap(&err, "ward run failed");
		if (container_destroy(c->state_root, c->id, &derr) < 0)
			ward_warn("%s", derr.msg);
		container_free(c);
		return cli_fail(&err);
	}
	if (!c->foreground) {
		container_free(c);
		return 0;
	}
	status = wait_foreground(c, &mask);
	ward_debug("run %s: init %d exited, status %d", c->id, (int)c->pid, status);
	if (!keep && container_destroy(c->state_root, c->id, &err) < 0)
		ward_log_error(&err);
	container_free(c);
	return status;
}
