/* The parent<->child sync protocol (see sync.h for the sequence). */
#include "config.h"

#include "sync.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const type_names[] = {
	[SYNC_GO] = "go",
	[SYNC_USERNS] = "userns",
	[SYNC_USERNS_DONE] = "userns-done",
	[SYNC_INIT_PID] = "init-pid",
	[SYNC_HOOKS] = "hooks",
	[SYNC_HOOKS_DONE] = "hooks-done",
	[SYNC_CONSOLE] = "console",
	[SYNC_READY] = "ready",
	[SYNC_ERROR] = "error",
	[SYNC_MOUNT_SOURCES] = "mount-sources",
	[SYNC_MOUNT_SOURCE] = "mount-source",
	[SYNC_MOUNT_SOURCES_DONE] = "mount-sources-done",
};

const char *sync_type_name(uint32_t type)
{
	if (type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type])
		return type_names[type];
	return "unknown";
}

int sync_pair(int fds[2], struct ward_error *err)
{
	int one = 1;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return ward_error_errno(err, "sync socketpair");
	/* The parent learns the host pid of whoever sends: needed when init is
	 * a grandchild forked inside a new pid namespace. */
	if (setsockopt(fds[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
		ward_error_errno(err, "sync socket SO_PASSCRED");
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	return 0;
}

/* Only the used part of `text` goes on the wire. */
static size_t msg_wire_len(const struct sync_msg *m)
{
	return offsetof(struct sync_msg, text) + strnlen(m->text, sizeof(m->text) - 1) + 1;
}

int sync_send(int sock, const struct sync_msg *m, int pass_fd, struct ward_error *err)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct sync_msg copy = *m;
	struct iovec iov = { .iov_base = &copy, .iov_len = 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	copy.text[sizeof(copy.text) - 1] = '\0';
	iov.iov_len = msg_wire_len(&copy);
	if (pass_fd >= 0) {
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ward_error_errno(err, "sync: send %s", sync_type_name(m->type));
	return 0;
}

int sync_send_type(int sock, uint32_t type, struct ward_error *err)
{
	struct sync_msg m = { .type = type };

	return sync_send(sock, &m, -1, err);
}

void sync_send_error(int sock, const struct ward_error *e)
{
	struct sync_msg m = { .type = SYNC_ERROR, .errnum = e->errnum };

	memcpy(m.text, e->msg, sizeof(m.text));
	sync_send(sock, &m, -1, NULL);
}

static void take_control(struct msghdr *mh, struct sync_extra *extra)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < n; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (extra->fd < 0)
					extra->fd = fd;
				else
					close(fd); /* one fd per message; drop extras */
			}
		} else if (c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			extra->pid = cred.pid;
		}
	}
}

int sync_recv(int sock, struct sync_msg *m, struct sync_extra *extra, struct ward_error *err)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * 4) + CMSG_SPACE(sizeof(struct ucred))];
	} control;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct sync_extra ignored;
	ssize_t n;

	if (extra == NULL)
		extra = &ignored;
	extra->fd = -1;
	extra->pid = 0;
	memset(m, 0, offsetof(struct sync_msg, text) + 1);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ward_error_errno(err, "sync: receive");
	take_control(&mh, extra);
	if (extra == &ignored && ignored.fd >= 0)
		close(ignored.fd);
	if (n == 0) {
		ward_error_set(err, 0, "EOF");
		return SYNC_RECV_EOF;
	}
	if ((size_t)n < offsetof(struct sync_msg, text) + 1 || (mh.msg_flags & MSG_TRUNC))
		return ward_error_set(err, EPROTO, "sync: malformed message (%zd bytes)", n);
	m->text[sizeof(m->text) - 1] = '\0';
	if (m->type == SYNC_ERROR) {
		if (err) {
			err->errnum = m->errnum;
			memcpy(err->msg, m->text, sizeof(err->msg));
		}
		return -1;
	}
	return 0;
}

int sync_expect(int sock, uint32_t type, struct sync_msg *m, struct ward_error *err)
{
	struct sync_msg local;
	int r;

	if (m == NULL)
		m = &local;
	r = sync_recv(sock, m, NULL, err);
	if (r < 0)
		return r;
	if (m->type != type)
		return ward_error_set(err, EPROTO, "sync: expected %s, got %s", sync_type_name(type),
				      sync_type_name(m->type));
	return 0;
}
