/* The foreground side of `ward run` and `ward exec`: relay signals and the
 * terminal to the container process, wait for it, and turn its wait
 * status into our exit status. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "foreground.h"
#include "log.h"
#include "terminal.h"

/* Every signal we receive goes to init, except those the kernel raises
 * for our own faults and SIGPIPE (ours, from a closed stdout). */
void foreground_signals(sigset_t *set)
{
	static const int own[] = { SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL,
				   SIGFPE,  SIGTRAP, SIGABRT, SIGSYS, SIGPIPE };

	sigfillset(set);
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		sigdelset(set, own[i]);
}

int foreground_exit_code(int status)
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

int foreground_wait(pid_t pid, int master, bool copy_size, const sigset_t *mask)
{
	struct foreground fg = {
		.init = pid,
		.master = master,
		.status = -1,
		.stdin_open = master >= 0,
		.master_open = master >= 0,
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
		if (copy_size)
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
	return fg.status < 0 ? 255 : foreground_exit_code(fg.status);
}

