/* recvtty: the receiving end of --console-socket, for the integration tests.
 *
 * Listens on a unix socket, accepts one connection, takes the pty master
 * that the runtime passes with SCM_RIGHTS, and then copies the terminal's
 * output to stdout until the container side hangs up (EIO on the master).
 * Input is copied from stdin to the master unless -n is given.
 *
 *   recvtty [-n] [-p PIDFILE] SOCKET
 *
 * -p writes our pid once the socket is listening, so a test can wait for
 * readiness and for exit. Exit status: 0 after a clean hang-up, 1 on error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "recvtty: socket path too long: %s\n", path);
		exit(1);
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("bind");
	if (listen(fd, 1) < 0)
		die("listen");
	return fd;
}

/* One message carrying exactly one fd (runc sends the pty name as data). */
static int receive_fd(int conn)
{
	char name[4096];
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
		die("recvmsg");
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int))) {
		fprintf(stderr, "recvtty: message carried no file descriptor\n");
		exit(1);
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static bool write_all(int fd, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		buf += w;
		n -= w;
	}
	return true;
}

/* Copy master -> stdout (and stdin -> master) until the slave side closes. */
static void pump(int master, bool with_input)
{
	struct pollfd fds[2] = {
		{ .fd = master, .events = POLLIN },
		{ .fd = with_input ? STDIN_FILENO : -1, .events = POLLIN },
	};
	char buf[8192];

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (fds[0].revents) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			/* EIO: every slave fd is closed, the container is gone. */
			if (n <= 0)
				return;
			if (!write_all(STDOUT_FILENO, buf, n))
				die("write stdout");
		}
		if (fds[1].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0)
				fds[1].fd = -1; /* stdin ended; keep draining output */
			else if (!write_all(master, buf, n))
				die("write master");
		}
	}
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL;
	bool with_input = true;
	int opt, sock, conn, master;

	while ((opt = getopt(argc, argv, "np:")) != -1) {
		switch (opt) {
		case 'n':
			with_input = false;
			break;
		case 'p':
			pidfile = optarg;
			break;
		default:
			fprintf(stderr, "usage: recvtty [-n] [-p PIDFILE] SOCKET\n");
			return 1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: recvtty [-n] [-p PIDFILE] SOCKET\n");
		return 1;
	}

	sock = listen_on(argv[optind]);
	if (pidfile) {
		/* tmp + rename: a reader never sees a half-written file */
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile);
		f = fopen(tmp, "we");
		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f) != 0 ||
		    rename(tmp, pidfile) < 0)
			die("write pid file");
	}
	conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		die("accept");
	master = receive_fd(conn);
	close(conn);
	close(sock);
	unlink(argv[optind]);
	pump(master, with_input);
	return 0;
}
