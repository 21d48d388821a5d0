/* process.terminal (see terminal.h). */
#include "config.h"

#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"

/* /dev/console itself, never what a symlink in its place names: the image
 * could point it into /proc and have the pty bound over a file that
 * maskedPaths and readonlyPaths are about to protect (CVE-2025-52565).
 * Made if missing; a regular file or a device node is bound over. */
static int console_target(int root, struct ward_error *err)
{
	cleanup_close int dev = safe_openat(root, "/dev", O_PATH | O_DIRECTORY, 0, err);
	struct stat st;
	int fd;

	if (dev < 0)
		return -1;
	fd = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		fd = openat(dev, "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(fd);
			fd = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
	}
	if (fd < 0)
		return ward_error_errno(err, "open /dev/console");
	if (fstat(fd, &st) < 0) {
		ward_error_errno(err, "stat /dev/console");
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
		close(fd);
		return ward_error_set(err, EPERM, "/dev/console in the container is neither a file nor a device%s",
				      S_ISLNK(st.st_mode) ? " (a symlink)" : "");
	}
	return fd;
}

/* Bind the slave over /dev/console so that programs opening the console
 * reach the container's terminal and not the host's. */
static int mount_console(int slave, struct ward_error *err)
{
	cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int target = -1;
	char src[SAFE_FD_PATH_MAX], dst[SAFE_FD_PATH_MAX];

	if (root < 0)
		return ward_error_errno(err, "open /");
	target = console_target(root, err);
	if (target < 0)
		return ward_error_wrap(err, "create /dev/console");
	safe_fd_path(slave, src);
	safe_fd_path(target, dst);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return ward_error_errno(err, "bind mount the pty slave on /dev/console");
	return 0;
}

static int setup_pty(const struct spec_console_size *size, bool console, char *name,
		     size_t name_len, struct ward_error *err)
{
	cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int path = -1, master = -1;
	cleanup_close int slave = -1;
	char p[SAFE_FD_PATH_MAX];
	struct stat st;
	unsigned int ptn;
	int unlock = 0;

	if (root < 0)
		return ward_error_errno(err, "open /");
	/* The container's own devpts (through /dev/ptmx -> pts/ptmx), resolved
	 * inside the new root. */
	path = safe_openat(root, "/dev/ptmx", O_PATH, 0, err);
	if (path < 0)
		return ward_error_wrap(err, "open /dev/ptmx");
	/* Only then open it for real: an O_RDWR open of whatever the image
	 * put there (a FIFO, some other device) could block or act on it. */
	if (fstat(path, &st) < 0)
		return ward_error_errno(err, "stat /dev/ptmx");
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2)
		return ward_error_set(err, EPERM, "/dev/ptmx is not the pty multiplexer (5:2)");
	safe_fd_path(path, p);
	master = open(p, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return ward_error_errno(err, "open /dev/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return ward_error_errno(err, "unlock pty");
	if (ioctl(master, TIOCGPTN, &ptn) < 0)
		return ward_error_errno(err, "get pty number");
	snprintf(name, name_len, "/dev/pts/%u", ptn);
	/* Straight from the master: no path lookup that could be redirected. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return ward_error_errno(err, "open pty slave %s", name);
	if (size && (size->height || size->width)) {
		struct winsize ws = { .ws_row = size->height, .ws_col = size->width };
		if (ioctl(master, TIOCSWINSZ, &ws) < 0)
			return ward_error_errno(err, "set console size");
	}
	if (console && mount_console(slave, err) < 0)
		return -1;
	/* We lead a session of our own without a terminal (terminal_new_session):
	 * the new pty becomes its controlling terminal. An exec'd process
	 * takes it later, in the session it ends up leading. */
	if (console && ioctl(slave, TIOCSCTTY, 0) < 0)
		return ward_error_errno(err, "make %s the controlling terminal", name);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return ward_error_errno(err, "dup2 pty slave to fd %d", fd);
	return steal_fd(master);
}

int terminal_setup_console(const struct spec_console_size *size, char *name, size_t name_len,
			   struct ward_error *err)
{
	return setup_pty(size, true, name, name_len, err);
}

int terminal_setup_pty(const struct spec_console_size *size, char *name, size_t name_len,
		       struct ward_error *err)
{
	return setup_pty(size, false, name, name_len, err);
}

int terminal_take_ctty(struct ward_error *err)
{
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return ward_error_errno(err, "make the pty the controlling terminal");
	return 0;
}

int terminal_new_session(struct ward_error *err)
{
	if (getsid(0) == getpid())
		return 0;
	if (setsid() < 0)
		return ward_error_errno(err, "setsid");
	return 0;
}

int terminal_connect_socket(const char *path, struct ward_error *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	cleanup_close int fd = -1;

	if (strlen(path) >= sizeof(addr.sun_path))
		return ward_error_set(err, ENAMETOOLONG, "console socket path too long: %s", path);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ward_error_errno(err, "console socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return ward_error_errno(err, "connect to console socket %s", path);
	return steal_fd(fd);
}

int terminal_send_master(int sock, int master, const char *name, struct ward_error *err)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	memset(&control, 0, sizeof(control));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ward_error_errno(err, "send pty master to console socket");
	return 0;
}

int terminal_make_raw(int fd, struct terminal_saved *saved, struct ward_error *err)
{
	struct termios raw;

	saved->raw = false;
	if (!isatty(fd))
		return 0;
	if (tcgetattr(fd, &saved->tio) < 0)
		return ward_error_errno(err, "tcgetattr");
	raw = saved->tio;
	/* Our terminal only relays bytes; the container's pty does the line
	 * discipline. */
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return ward_error_errno(err, "set terminal raw mode");
	saved->raw = true;
	return 0;
}

void terminal_restore(int fd, const struct terminal_saved *saved)
{
	if (saved->raw)
		tcsetattr(fd, TCSANOW, &saved->tio);
}

void terminal_copy_size(int from, int master)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0 && (ws.ws_row || ws.ws_col))
		ioctl(master, TIOCSWINSZ, &ws);
}
