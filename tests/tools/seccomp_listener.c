/* A small seccomp agent for the SCMP_ACT_NOTIFY tests.
 *
 *   seccomp_listener SOCKET OUTDIR ANSWER
 *
 * Listens on the unix socket SOCKET, accepts one connection and receives
 * the container process state (runtime.md "containerProcessState") with
 * the notify fd (SCM_RIGHTS). The JSON is checked for the fields the spec
 * requires and saved as OUTDIR/state.json. Then every notification is
 * answered with ANSWER ("continue", or an errno number) and logged to
 * OUTDIR/log as "<syscall> <pid> <path>" (the path argument of mkdir and
 * mkdirat, read from the caller's memory). Exits 0 when the filter is gone
 * (the container has exited), 1 on any error (described in OUTDIR/error). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

static const char *outdir;

static void die(const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/error", outdir);
	f = fopen(path, "we");
	va_start(ap, fmt);
	vfprintf(f ? f : stderr, fmt, ap);
	va_end(ap);
	if (f)
		fclose(f);
	exit(1);
}

/* The fields runtime.md requires of containerProcessState. */
static void check_state(const char *json)
{
	char ebuf[256];
	yajl_val root = yajl_tree_parse(json, ebuf, sizeof(ebuf));
	const char *p_oci[] = { "ociVersion", NULL }, *p_fds[] = { "fds", NULL };
	const char *p_pid[] = { "pid", NULL }, *p_meta[] = { "metadata", NULL };
	const char *p_state[] = { "state", NULL };
	const char *s_keys[] = { "ociVersion", "id", "status", "bundle" };
	yajl_val v, st;

	if (root == NULL)
		die("state is not JSON: %s\n", ebuf);
	if (!YAJL_IS_STRING(yajl_tree_get(root, p_oci, yajl_t_any)))
		die("no ociVersion\n");
	v = yajl_tree_get(root, p_fds, yajl_t_array);
	{
		const char *fd0 = v && YAJL_GET_ARRAY(v)->len == 1 ?
					  YAJL_GET_STRING(YAJL_GET_ARRAY(v)->values[0]) : NULL;

		if (fd0 == NULL || strcmp(fd0, "seccompFd") != 0)
			die("fds is not [\"seccompFd\"]\n");
	}
	v = yajl_tree_get(root, p_pid, yajl_t_number);
	if (v == NULL || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) <= 0)
		die("no pid\n");
	v = yajl_tree_get(root, p_meta, yajl_t_any);
	if (v != NULL && !YAJL_IS_STRING(v))
		die("metadata is not a string\n");
	st = yajl_tree_get(root, p_state, yajl_t_object);
	if (st == NULL)
		die("no state object\n");
	for (size_t i = 0; i < sizeof(s_keys) / sizeof(s_keys[0]); i++) {
		const char *k[] = { s_keys[i], NULL };

		if (!YAJL_IS_STRING(yajl_tree_get(st, k, yajl_t_any)))
			die("state.%s missing\n", s_keys[i]);
	}
	yajl_tree_free(root);
}

/* Receive the state and the fd: the JSON may come in several reads of a
 * stream, the fd with the first. */
static int receive(int conn, char *buf, size_t size)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			     .msg_controllen = sizeof(u.b) };
	struct cmsghdr *cm;
	size_t len = 0;
	ssize_t n;
	int fd = -1;

	n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		die("recvmsg: %s\n", n < 0 ? strerror(errno) : "EOF");
	len = (size_t)n;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (fd < 0)
		die("no fd received\n");
	/* The runtime closes its end after sending: read to EOF. */
	while (len < size - 1 && (n = read(conn, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return fd;
}

static void read_path(pid_t pid, unsigned long long addr, char *out, size_t size)
{
	char path[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? pread(fd, out, size - 1, (off_t)addr) : -1;
	if (fd >= 0)
		close(fd);
	out[n > 0 ? (size_t)n : 0] = '\0';
	out[strnlen(out, size - 1)] = '\0';
}

static void serve(int nfd, const char *answer, FILE *log)
{
	struct seccomp_notif_sizes sz;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		die("SECCOMP_GET_NOTIF_SIZES: %s\n", strerror(errno));
	req = calloc(1, sz.seccomp_notif > sizeof(*req) ? sz.seccomp_notif : sizeof(*req));
	resp = calloc(1, sz.seccomp_notif_resp > sizeof(*resp) ? sz.seccomp_notif_resp : sizeof(*resp));
	if (!req || !resp)
		die("out of memory\n");
	for (;;) {
		struct pollfd p = { .fd = nfd, .events = POLLIN };
		char path[256] = "";
		char *name;

		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s\n", strerror(errno));
		}
		if (!(p.revents & POLLIN) && (p.revents & (POLLHUP | POLLERR)))
			return; /* no task uses the filter any more */
		memset(req, 0, sz.seccomp_notif);
		if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			die("SECCOMP_IOCTL_NOTIF_RECV: %s\n", strerror(errno));
		}
		name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
		if (name && strcmp(name, "mkdir") == 0)
			read_path(req->pid, req->data.args[0], path, sizeof(path));
		else if (name && strcmp(name, "mkdirat") == 0)
			read_path(req->pid, req->data.args[1], path, sizeof(path));
		/* The memory read is only trustworthy while the call is pending. */
		if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
			path[0] = '\0';
		memset(resp, 0, sz.seccomp_notif_resp);
		resp->id = req->id;
		if (strcmp(answer, "continue") == 0)
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		else
			resp->error = -atoi(answer);
		fprintf(log, "%s %d %s\n", name ? name : "?", (int)req->pid, path);
		fflush(log);
		free(name);
		if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
			die("SECCOMP_IOCTL_NOTIF_SEND: %s\n", strerror(errno));
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	static char buf[1 << 16];
	char path[4096];
	int sock, conn, nfd;
	FILE *f, *log;

	if (argc != 4) {
		fprintf(stderr, "usage: %s SOCKET OUTDIR continue|ERRNO\n", argv[0]);
		return 2;
	}
	outdir = argv[2];
	if (strlen(argv[1]) >= sizeof(addr.sun_path))
		die("socket path too long\n");
	strcpy(addr.sun_path, argv[1]);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(sock, 1) < 0)
		die("listen on %s: %s\n", argv[1], strerror(errno));
	conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		die("accept: %s\n", strerror(errno));
	nfd = receive(conn, buf, sizeof(buf));
	close(conn);
	close(sock);
	unlink(argv[1]);

	snprintf(path, sizeof(path), "%s/state.json", outdir);
	f = fopen(path, "we");
	if (f == NULL || fputs(buf, f) < 0 || fclose(f) != 0)
		die("write %s\n", path);
	check_state(buf);

	snprintf(path, sizeof(path), "%s/log", outdir);
	log = fopen(path, "we");
	if (log == NULL)
		die("open %s: %s\n", path, strerror(errno));
	serve(nfd, argv[3], log);
	fclose(log);
	return 0;
}
