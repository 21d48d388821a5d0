/* criu swrk: spawning criu with the RPC socket as its fd 3, the request and
 * notification exchange, and quoting criu's log when it fails. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "criu_rpc.h"
#include "log.h"

#define CRIU_MSG_MAX (64 * 1024)
/* Descriptors are moved up here first so that placing them at 0..N never
 * overwrites one that is still to be placed. */
#define CRIU_FD_STAGING 512

static const char *req_name(CriuReqType t)
{
	switch (t) {
	case CRIU_REQ_TYPE__DUMP:
		return "dump";
	case CRIU_REQ_TYPE__PRE_DUMP:
		return "pre-dump";
	case CRIU_REQ_TYPE__RESTORE:
		return "restore";
	case CRIU_REQ_TYPE__CHECK:
		return "check";
	case CRIU_REQ_TYPE__FEATURE_CHECK:
		return "feature check";
	case CRIU_REQ_TYPE__VERSION:
		return "version";
	case CRIU_REQ_TYPE__NOTIFY:
		return "notify";
	default:
		return "request";
	}
}

/* ---- the child: criu swrk ---- */

__attribute__((noreturn)) static void exec_criu(const struct criu_call *call, int sock, int errpipe)
{
	int n = 4 + (int)call->n_extra_fds, staged[4 + 64];
	sigset_t all;

	if (call->n_extra_fds > 64)
		_exit(126);
	/* ward may have blocked or ignored signals (run, restore in the
	 * foreground); criu and the tasks it restores start clean. */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	for (int i = 0; i < n; i++) {
		int src = i < 3 ? call->stdio[i] : i == 3 ? sock : call->extra_fds[i - 4];

		if (src < 0)
			src = open("/dev/null", O_RDWR | O_CLOEXEC);
		staged[i] = fcntl(src, F_DUPFD_CLOEXEC, CRIU_FD_STAGING);
		if (staged[i] < 0)
			goto fail;
	}
	errpipe = fcntl(errpipe, F_DUPFD_CLOEXEC, CRIU_FD_STAGING + 100);
	if (errpipe < 0)
		_exit(127);
	for (int i = 0; i < n; i++)
		if (dup2(staged[i], i) < 0) /* dup2 clears FD_CLOEXEC on the copy */
			goto fail;
	/* Nothing else of ward's reaches criu, and through it the restored
	 * tasks: everything from n up is closed at exec. */
	syscall(SYS_close_range, n, ~0U, CLOSE_RANGE_CLOEXEC);
	char fd_arg[] = "3";
	char *argv[] = { (char *)call->criu, "swrk", fd_arg, NULL };
	execvp(call->criu, argv);
fail:;
	int e = errno;
	if (write(errpipe, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static pid_t spawn_criu(const struct criu_call *call, int sock, struct ward_error *err)
{
	cleanup_close int rd = -1, wr = -1;
	int pipefd[2], child_errno = 0;
	pid_t pid;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return ward_error_errno(err, "pipe");
	rd = pipefd[0];
	wr = pipefd[1];
	pid = fork();
	if (pid < 0)
		return ward_error_errno(err, "fork criu");
	if (pid == 0)
		exec_criu(call, sock, wr);
	close(steal_fd(wr));
	do
		n = read(rd, &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		if (child_errno == ENOENT)
			return ward_error_set(err, ENOENT,
					      "criu binary \"%s\" not found (install criu, or "
					      "give its path with --criu)",
					      call->criu);
		return ward_error_set(err, child_errno, "run %s swrk", call->criu);
	}
	return pid;
}

/* ---- messages ---- */

static int send_req(int sock, const CriuReq *req, struct ward_error *err)
{
	size_t len = criu_req__get_packed_size(req);
	cleanup_free uint8_t *buf = malloc(len ? len : 1);

	if (buf == NULL)
		return ward_error_set(err, ENOMEM, "criu request");
	criu_req__pack(req, buf);
	if (send(sock, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return ward_error_errno(err, "send %s request to criu", req_name(req->type));
	return 0;
}

/* One message; *fd gets a descriptor that came with it (or -1). 0 at EOF. */
static ssize_t recv_msg(int sock, uint8_t *buf, size_t size, int *fd, struct ward_error *err)
{
	union {
		char raw[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.raw,
			     .msg_controllen = sizeof(ctl.raw) };
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ward_error_errno(err, "read from criu");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int nfd = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		int fds[4];

		memcpy(fds, CMSG_DATA(c), sizeof(int) * (nfd > 4 ? 4 : nfd));
		for (int i = 0; i < nfd && i < 4; i++) {
			if (*fd < 0)
				*fd = fds[i];
			else
				close(fds[i]);
		}
	}
	if (mh.msg_flags & MSG_TRUNC) {
		if (*fd >= 0)
			close(*fd);
		return ward_error_set(err, EMSGSIZE, "criu answer larger than %d bytes",
				      CRIU_MSG_MAX);
	}
	return n;
}

static int answer_notify(int sock, bool ok, struct ward_error *err)
{
	CriuReq ans = CRIU_REQ__INIT;

	ans.type = CRIU_REQ_TYPE__NOTIFY;
	ans.has_notify_success = true;
	ans.notify_success = ok;
	return send_req(sock, &ans, err);
}

/* Serve criu until the final answer; *out receives it. */
static int exchange(struct criu_call *call, int sock, const CriuReq *req, CriuResp **out,
		    struct ward_error *err)
{
	cleanup_free uint8_t *buf = malloc(CRIU_MSG_MAX);

	if (buf == NULL)
		return ward_error_set(err, ENOMEM, "criu buffer");
	if (send_req(sock, req, err) < 0)
		return -1;
	for (;;) {
		int fd;
		ssize_t n = recv_msg(sock, buf, CRIU_MSG_MAX, &fd, err);
		CriuResp *r;

		if (n < 0)
			return -1;
		if (n == 0)
			return ward_error_set(err, EPIPE, "criu %s: criu closed the connection "
					      "without an answer", req_name(req->type));
		r = criu_resp__unpack(NULL, (size_t)n, buf);
		if (r == NULL) {
			if (fd >= 0)
				close(fd);
			return ward_error_set(err, EPROTO, "criu %s: malformed answer",
					      req_name(req->type));
		}
		if (!r->success) {
			char *m = r->cr_errmsg;

			for (size_t l = m ? strlen(m) : 0; l > 0 && (m[l - 1] == '\n' || m[l - 1] == ' ');)
				m[--l] = '\0';
			ward_error_set(err, r->has_cr_errno ? r->cr_errno : 0, "criu %s failed%s%s",
				       req_name(req->type), m && *m ? ": " : "", m && *m ? m : "");
			criu_resp__free_unpacked(r, NULL);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (r->type != CRIU_REQ_TYPE__NOTIFY) {
			if (fd >= 0)
				close(fd);
			*out = r;
			return 0;
		}
		const char *script = r->notify && r->notify->script ? r->notify->script : "";
		pid_t pid = r->notify && r->notify->has_pid ? r->notify->pid : 0;
		int ret = 0;

		ward_debug("criu notify: %s (pid %d)", script, (int)pid);
		if (call->notify)
			ret = call->notify(call->arg, script, pid, fd, err);
		else if (fd >= 0)
			close(fd);
		criu_resp__free_unpacked(r, NULL);
		if (ret < 0) {
			answer_notify(sock, false, NULL);
			return -1;
		}
		if (answer_notify(sock, true, err) < 0)
			return -1;
	}
}

static int wait_criu(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int criu_call_run(struct criu_call *call, CriuReq *req, struct ward_error *err)
{
	cleanup_close int ours = -1, theirs = -1;
	int sv[2], status = 0, ret;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return ward_error_errno(err, "criu socket pair");
	ours = sv[0];
	theirs = sv[1];
	pid = spawn_criu(call, theirs, err);
	if (pid < 0)
		return -1;
	/* Our copy goes: if criu dies we read EOF instead of hanging. */
	close(steal_fd(theirs));
	ret = call->spawned ? call->spawned(call->arg, pid, req, err) : 0;
	if (ret == 0)
		ret = exchange(call, ours, req, &call->resp, err);
	/* criu waits for more after a pre-dump; closing the socket ends it. */
	close(steal_fd(ours));
	if (wait_criu(pid, &status) < 0 && ret == 0)
		ret = ward_error_errno(err, "wait for criu");
	if (ret == 0 && req->type != CRIU_REQ_TYPE__PRE_DUMP &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		if (WIFSIGNALED(status))
			ret = ward_error_set(err, 0, "criu %s: criu killed by signal %d",
					     req_name(req->type), WTERMSIG(status));
		else
			ret = ward_error_set(err, 0, "criu %s: criu exited with status %d",
					     req_name(req->type), WEXITSTATUS(status));
	}
	if (ret < 0 && call->log_path)
		criu_log_quote(call->log_path, err);
	return ret;
}

void criu_call_release(struct criu_call *call)
{
	if (call->resp)
		criu_resp__free_unpacked(call->resp, NULL);
	call->resp = NULL;
}

/* ---- simple requests ---- */

static int simple_call(const char *criu, CriuReq *req, CriuResp **out, struct ward_error *err)
{
	struct criu_call call = { .criu = criu, .stdio = { -1, -1, -1 } };

	if (criu_call_run(&call, req, err) < 0)
		return -1;
	*out = call.resp;
	return 0;
}

int criu_version(const char *criu, int *version, struct ward_error *err)
{
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *r = NULL;
	const CriuVersion *v;

	req.type = CRIU_REQ_TYPE__VERSION;
	if (simple_call(criu, &req, &r, err) < 0)
		return -1;
	v = r->version;
	if (v == NULL) {
		criu_resp__free_unpacked(r, NULL);
		return ward_error_set(err, EPROTO, "criu did not report its version");
	}
	*version = v->major_number * 10000 + v->minor_number * 100 +
		   (v->has_sublevel ? v->sublevel : 0);
	criu_resp__free_unpacked(r, NULL);
	return 0;
}

int criu_check(const char *criu, struct ward_error *err)
{
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *r = NULL;

	req.type = CRIU_REQ_TYPE__CHECK;
	if (simple_call(criu, &req, &r, err) < 0)
		return ward_error_wrap(err, "criu cannot checkpoint on this kernel (criu check)");
	criu_resp__free_unpacked(r, NULL);
	return 0;
}

int criu_check_features(const char *criu, bool mem_track, bool lazy_pages,
			struct ward_error *err)
{
	CriuReq req = CRIU_REQ__INIT;
	CriuFeatures want = CRIU_FEATURES__INIT;
	CriuResp *r = NULL;
	bool ok_mem, ok_lazy;

	req.type = CRIU_REQ_TYPE__FEATURE_CHECK;
	want.has_mem_track = mem_track;
	want.mem_track = mem_track;
	want.has_lazy_pages = lazy_pages;
	want.lazy_pages = lazy_pages;
	req.features = &want;
	if (simple_call(criu, &req, &r, err) < 0)
		return ward_error_wrap(err, "criu feature check");
	ok_mem = !mem_track || (r->features && r->features->mem_track);
	ok_lazy = !lazy_pages || (r->features && r->features->lazy_pages);
	criu_resp__free_unpacked(r, NULL);
	if (!ok_mem)
		return ward_error_set(err, ENOTSUP, "criu cannot track memory changes on this "
				      "kernel (needed by --pre-dump)");
	if (!ok_lazy)
		return ward_error_set(err, ENOTSUP, "criu has no lazy pages support on this "
				      "kernel (needed by --lazy-pages; userfaultfd)");
	return 0;
}

/* ---- criu's log ---- */

void criu_log_quote(const char *path, struct ward_error *err)
{
	cleanup_file FILE *f = fopen(path, "re");
	char *lines[4] = { 0 }, *line = NULL;
	size_t cap = 0, used, nlines = 0;
	ssize_t len;

	if (f == NULL || err == NULL)
		return;
	/* criu marks its failures "Error (file:line): ..."; keep the last few. */
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (strstr(line, "Error") == NULL)
			continue;
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		free(lines[nlines % 4]);
		lines[nlines % 4] = strdup(line);
		nlines++;
	}
	free(line);
	used = strlen(err->msg);
	if (nlines == 0) {
		snprintf(err->msg + used, sizeof(err->msg) - used, " (criu log: %s)", path);
		return;
	}
	used += (size_t)snprintf(err->msg + used, sizeof(err->msg) - used, "; criu log %s:", path);
	for (size_t i = nlines > 4 ? nlines - 4 : 0; i < nlines; i++) {
		char *l = lines[i % 4];
		/* Drop criu's "(00.012345) " time stamp. */
		if (l && l[0] == '(' && strchr(l, ')'))
			l = strchr(l, ')') + 1;
		while (l && *l == ' ')
			l++;
		if (l && used < sizeof(err->msg) - 1)
			used += (size_t)snprintf(err->msg + used, sizeof(err->msg) - used, " | %s", l);
	}
	for (int i = 0; i < 4; i++)
		free(lines[i]);
}
