/* Process stdio. Output FIFOs (containerd's, opened read-write so a reader
 * going away neither blocks nor kills the copy) and file:// logs are fed
 * from a pipe by a pump in the event loop; the stdin FIFO is read until its
 * writer closes it (or CloseIO), then the process sees EOF; binary:// loggers get the pipes
 * themselves; terminals come back through the console socket as a pty
 * master. A pump copies until its source reaches EOF, so output written
 * just before an exit is never lost. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#define PUMP_BUF 32768

struct pump {
	struct watch in, out;
	char *buf;
	size_t len, off;
	bool close_when_drained;
	struct pump **slot; /* cleared when the pump ends */
};

struct stdio {
	struct pump *pump[3];
	int console_listen;
	char *console_dir;
	int master;
	int child_fds[3]; /* our copies of what the runtime hands the process */
};

static void pump_end(struct pump *pm)
{
	loop_del(&pm->in);
	loop_del(&pm->out);
	if (pm->in.fd >= 0)
		close(pm->in.fd);
	if (pm->out.fd >= 0)
		close(pm->out.fd);
	pm->in.fd = pm->out.fd = -1;
	if (pm->slot)
		*pm->slot = NULL;
	free(pm->buf);
	pm->buf = NULL;
	loop_defer(free, pm);
}

/* write what is pending; false when the destination is full */
static bool pump_write(struct pump *pm)
{
	while (pm->off < pm->len) {
		ssize_t n = write(pm->out.fd, pm->buf + pm->off, pm->len - pm->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return false;
		if (n <= 0) {
			/* the reader is gone for good: drop, keep draining the
			 * process so it never blocks on a full pipe */
			pm->off = pm->len;
			break;
		}
		pm->off += (size_t)n;
	}
	pm->off = pm->len = 0;
	return true;
}

static void pump_run(struct pump *pm)
{
	for (int i = 0; i < 64; i++) {
		ssize_t n;
		if (!pump_write(pm)) {
			loop_del(&pm->in);
			loop_mod(&pm->out, EPOLLOUT);
			return;
		}
		if (!pm->buf && !(pm->buf = malloc(PUMP_BUF)))
			return;
		n = read(pm->in.fd, pm->buf, PUMP_BUF);
		if (n > 0) {
			pm->len = (size_t)n;
			pm->off = 0;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (pm->close_when_drained)
				pump_end(pm);
			return;
		}
		/* EOF, or EIO from a pty master whose slave side is gone */
		pump_end(pm);
		return;
	}
}

static void pump_in_ev(struct watch *w, uint32_t events)
{
	pump_run(w->data);
}

static void pump_out_ev(struct watch *w, uint32_t events)
{
	struct pump *pm = w->data;
	if (!pump_write(pm))
		return;
	loop_del(&pm->out);
	loop_add(&pm->in, EPOLLIN);
	pump_run(pm);
}

static struct pump *pump_new(int src, int dst, struct pump **slot)
{
	struct pump *pm = calloc(1, sizeof *pm);
	if (!pm)
		abort();
	pm->in.fd = src;
	pm->in.fn = pump_in_ev;
	pm->in.data = pm;
	pm->out.fd = dst;
	pm->out.fn = pump_out_ev;
	pm->out.data = pm;
	pm->slot = slot;
	set_nonblock(src, true);
	set_nonblock(dst, true);
	*slot = pm;
	return pm;
}

static void pump_start(struct pump *pm)
{
	if (pm && !pm->in.added && !pm->out.added)
		loop_add(&pm->in, EPOLLIN);
}

/* "binary:///path?k=v": start the logger with a pipe per stream on fds
 * 3 and 4, wait until it closes (or writes to) the ready pipe on fd 5 */
static int start_logger(struct proc *p, const char *uri, int out_w[2], char **errmsg)
{
	_cleanup_free_ char *spec = strdup(uri + strlen("binary://"));
	char *q = strchr(spec, '?');
	const char *argv[34];
	int argc = 0, po[2], pe[2], pr[2];
	pid_t pid;
	if (q)
		*q++ = 0;
	argv[argc++] = spec;
	for (char *save = NULL, *kv = q ? strtok_r(q, "&", &save) : NULL; kv && argc < 32; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		if (eq)
			*eq++ = 0;
		argv[argc++] = kv;
		if (eq)
			argv[argc++] = eq;
	}
	argv[argc] = NULL;
	if (pipe2(po, O_CLOEXEC) < 0)
		goto fail;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]), close(po[1]);
		goto fail;
	}
	if (pipe2(pr, O_CLOEXEC) < 0) {
		close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
		goto fail;
	}
	pid = fork();
	if (pid == 0) {
		sigset_t set;
		int a = fcntl(po[0], F_DUPFD_CLOEXEC, 10), b = fcntl(pe[0], F_DUPFD_CLOEXEC, 10), c = fcntl(pr[1], F_DUPFD_CLOEXEC, 10);
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (a < 0 || b < 0 || c < 0 || dup2(a, 3) < 0 || dup2(b, 4) < 0 || dup2(c, 5) < 0)
			_exit(127);
		setenv("CONTAINER_ID", p->ct->id, 1);
		setenv("CONTAINER_NAMESPACE", shim_namespace, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(po[0]);
	close(pe[0]);
	close(pr[1]);
	if (pid < 0) {
		close(po[1]), close(pe[1]), close(pr[0]);
		goto fail;
	}
	{
		struct pollfd pfd = { .fd = pr[0], .events = POLLIN };
		char ch;
		int r = poll(&pfd, 1, 10000);
		if (r <= 0 || read(pr[0], &ch, 1) < 0) {
			close(pr[0]);
			close(po[1]);
			close(pe[1]);
			kill(pid, SIGKILL);
			*errmsg = xasprintf("logger %s did not become ready", spec);
			return -1;
		}
		close(pr[0]);
	}
	out_w[0] = po[1];
	out_w[1] = pe[1];
	return 0;
fail:
	*errmsg = xasprintf("start logger %s: %s", spec, strerror(errno));
	return -1;
}

static int open_dest(const char *uri, char **errmsg)
{
	int fd;
	if (!strncmp(uri, "file://", 7))
		fd = open(uri + 7, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	else if (!strncmp(uri, "fifo://", 7))
		fd = open(uri + 7, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	else
		fd = open(uri, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		*errmsg = xasprintf("open %s: %s", uri, strerror(errno));
	return fd;
}

static int console_listen(struct stdio *io, char **sock, char **errmsg)
{
	char tmpl[] = "/tmp/ward-pty.XXXXXX";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;
	if (!mkdtemp(tmpl)) {
		*errmsg = xasprintf("console socket dir: %s", strerror(errno));
		return -1;
	}
	io->console_dir = strdup(tmpl);
	*sock = xasprintf("%s/pty.sock", tmpl);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", *sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0) {
		*errmsg = xasprintf("console socket: %s", strerror(errno));
		closep(&fd);
		return -1;
	}
	io->console_listen = fd;
	return 0;
}

int stdio_setup(struct proc *p, int fds[3], char **console_sock, char **errmsg)
{
	struct stdio *io = calloc(1, sizeof *io);
	const char *paths[3] = { p->stdin_path, p->stdout_path, p->stderr_path };
	if (!io)
		abort();
	io->console_listen = io->master = -1;
	for (int i = 0; i < 3; i++)
		io->child_fds[i] = fds[i] = -1;
	p->io = io;
	*console_sock = NULL;
	if (p->terminal)
		return console_listen(io, console_sock, errmsg);

	if (paths[0] && *paths[0]) {
		int pp[2], src = open(paths[0], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (src < 0) {
			*errmsg = xasprintf("open stdin %s: %s", paths[0], strerror(errno));
			return -1;
		}
		if (pipe2(pp, O_CLOEXEC) < 0) {
			close(src);
			*errmsg = xasprintf("pipe: %s", strerror(errno));
			return -1;
		}
		fds[0] = io->child_fds[0] = pp[0];
		pump_new(src, pp[1], &io->pump[0]);
	}
	if (paths[1] && !strncmp(paths[1], "binary://", 9)) {
		int w[2];
		if (start_logger(p, paths[1], w, errmsg) < 0)
			return -1;
		fds[1] = io->child_fds[1] = w[0];
		fds[2] = io->child_fds[2] = w[1];
		return 0;
	}
	for (int i = 1; i < 3; i++) {
		int pp[2], dst;
		if (!paths[i] || !*paths[i])
			continue;
		dst = open_dest(paths[i], errmsg);
		if (dst < 0)
			return -1;
		if (pipe2(pp, O_CLOEXEC) < 0) {
			close(dst);
			*errmsg = xasprintf("pipe: %s", strerror(errno));
			return -1;
		}
		fds[i] = io->child_fds[i] = pp[1];
		pump_new(pp[0], dst, &io->pump[i]);
	}
	return 0;
}

static int recv_fd(int sock)
{
	char data[256], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	struct cmsghdr *cm;
	int fd = -1;
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	return fd;
}

static void console_cleanup(struct stdio *io)
{
	closep(&io->console_listen);
	io->console_listen = -1;
	if (io->console_dir) {
		_cleanup_free_ char *s = xasprintf("%s/pty.sock", io->console_dir);
		unlink(s);
		rmdir(io->console_dir);
		free(io->console_dir);
		io->console_dir = NULL;
	}
}

int stdio_started(struct proc *p, const int fds[3], const char *console_sock, char **errmsg)
{
	struct stdio *io = p->io;
	for (int i = 0; i < 3; i++) {
		closep(&io->child_fds[i]);
		io->child_fds[i] = -1;
	}
	if (p->terminal) {
		int c = accept4(io->console_listen, NULL, NULL, SOCK_CLOEXEC);
		int m = c >= 0 ? recv_fd(c) : -1;
		closep(&c);
		console_cleanup(io);
		if (m < 0) {
			*errmsg = xasprintf("no pty master from the runtime: %s", strerror(errno));
			return -1;
		}
		io->master = m;
		if (p->stdout_path && *p->stdout_path) {
			int dst = open_dest(p->stdout_path, errmsg);
			if (dst < 0)
				return -1;
			pump_new(dup(m), dst, &io->pump[1]);
		}
		if (p->stdin_path && *p->stdin_path) {
			int src = open(p->stdin_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
			if (src >= 0)
				pump_new(src, fcntl(m, F_DUPFD_CLOEXEC, 3), &io->pump[0]);
		}
	}
	for (int i = 0; i < 3; i++)
		pump_start(io->pump[i]);
	return 0;
}

void stdio_close_in(struct proc *p)
{
	struct pump *pm = p->io ? p->io->pump[0] : NULL;
	if (!pm)
		return;
	pm->close_when_drained = true;
	if (!pm->out.added)
		pump_run(pm);
}

int stdio_resize(struct proc *p, unsigned w, unsigned h)
{
	struct winsize ws = { .ws_col = (unsigned short)w, .ws_row = (unsigned short)h };
	if (!p->io || p->io->master < 0) {
		errno = ENOTTY;
		return -1;
	}
	return ioctl(p->io->master, TIOCSWINSZ, &ws);
}

void stdio_free(struct proc *p)
{
	struct stdio *io = p->io;
	if (!io)
		return;
	for (int i = 0; i < 3; i++) {
		if (io->pump[i]) {
			io->pump[i]->slot = NULL;
			/* output pumps finish on their own at EOF, so nothing the
			 * process wrote is cut off; stdin never ends by itself */
			if (i == 0 || !io->pump[i]->in.added)
				pump_end(io->pump[i]);
		}
		closep(&io->child_fds[i]);
	}
	console_cleanup(io);
	closep(&io->master);
	free(io);
	p->io = NULL;
}
