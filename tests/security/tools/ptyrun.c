/* ptyrun COMMAND [ARGS...]: run COMMAND on a fresh pseudo-terminal, as an
 * operator's interactive shell would be: its own session, the pty as its
 * controlling terminal and stdio. Everything it writes is copied to our
 * stdout; nothing is ever typed into it, so whatever it reads from the
 * terminal was pushed there by someone else (TIOCSTI). Exits with the
 * command's status (128+N for a signal). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int master, status;
	pid_t pid;
	char buf[4096];

	if (argc < 2) {
		fprintf(stderr, "usage: ptyrun COMMAND [ARGS...]\n");
		return 2;
	}
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
		perror("ptyrun: pty");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("ptyrun: fork");
		return 2;
	}
	if (pid == 0) {
		int slave;

		if (setsid() < 0)
			_exit(126);
		slave = open(ptsname(master), O_RDWR); /* becomes the controlling tty */
		if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
			_exit(126);
		for (int fd = 0; fd < 3; fd++)
			dup2(slave, fd);
		if (slave > 2)
			close(slave);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	/* Copy until the command exits and the pty has nothing left (EIO
	 * once no slave is open). */
	for (;;) {
		struct pollfd p = { .fd = master, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 200) > 0) {
			n = read(master, buf, sizeof(buf));
			if (n > 0) {
				fwrite(buf, 1, (size_t)n, stdout);
				fflush(stdout);
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			pid = 0;
			break;
		}
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
