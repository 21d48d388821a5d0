/* OCI hooks (runtime-spec config.md "POSIX-platform Hooks"): each hook is
 * executed with the container state on stdin, honouring its timeout. Its
 * stdout and stderr are captured so that a failure can be reported with what
 * the hook said. Where it starts and which environment a hook without `env`
 * gets are the caller's (struct hook_ctx): they depend on the hook kind. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "log.h"
#include "signals.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define HOOK_OUTPUT_MAX 4096

extern char **environ;

struct capture {
	int fd;
	char buf[HOOK_OUTPUT_MAX + 1];
	size_t len;
};

/* Child side, between fork and exec: only async-signal-safe calls. */
static void __attribute__((noreturn)) child_fail(const char *what, const char *path)
{
	if (write(2, what, strlen(what)) > 0 && write(2, path, strlen(path)) > 0)
		(void)!write(2, "\n", 1);
	_exit(127);
}

static void __attribute__((noreturn))
hook_child(const struct spec_hook *h, const struct hook_ctx *ctx, int in, int out, int errfd)
{
	/* A fresh process as far as signals go: ward may block signals or
	 * forward them with handlers; the hook must see the defaults. */
	signals_reset();

	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	/* Nothing of ward's beyond stdio leaks into the hook, even fds that
	 * some path forgot to mark O_CLOEXEC. */
	if (syscall(SYS_close_range, 3, ~0U, 0) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	}
	/* A bundle already removed (poststop after the caller cleaned up)
	 * leaves the hook where we are; any other failure is the hook's. */
	if (ctx->cwd && chdir(ctx->cwd) < 0 && errno != ENOENT)
		child_fail("cannot change to the hook's directory: ", ctx->cwd);
	char *fallback[] = { h->path, NULL };
	char **argv = h->args.items && h->args.len ? h->args.items : fallback;
	/* runc passes the hook's env as given, and otherwise the environment
	 * of the process running it. */
	char *const *envp = h->env.items ? h->env.items : ctx->env ? ctx->env : environ;
	execve(h->path, argv, envp);
	child_fail("cannot execute hook: ", h->path);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drain(struct capture *c)
{
	char tmp[1024];
	ssize_t n;

	while (c->fd >= 0 && (n = read(c->fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			break;
		}
		size_t keep = HOOK_OUTPUT_MAX - c->len;
		if ((size_t)n < keep)
			keep = (size_t)n;
		memcpy(c->buf + c->len, tmp, keep);
		c->len += keep;
	}
	close(c->fd);
	c->fd = -1;
}

static void trim(struct capture *c)
{
	while (c->len > 0 && (c->buf[c->len - 1] == '\n' || c->buf[c->len - 1] == ' '))
		c->len--;
	c->buf[c->len] = '\0';
}

/* Without a pidfd (startContainer hooks run under the container's seccomp
 * filter, which may deny pidfd_open) the hook is watched by polling: it is
 * our unreaped child, so its pid cannot be reused meanwhile. */
#define HOOK_POLL_MS 10

static void kill_hook(pid_t pid, int pidfd)
{
	if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
		kill(pid, SIGKILL);
}

static bool hook_exited(pid_t pid)
{
	siginfo_t si = { 0 };

	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Supervise one running hook: feed stdin, collect output, enforce the
 * timeout. Returns the wait status, or -1 with *timed_out / err set. */
static int supervise(pid_t pid, int pidfd, int in, const char *state, struct capture *out,
		     struct capture *errc, int timeout_s, bool *timed_out, struct ward_error *err)
{
	size_t state_len = strlen(state), written = 0;
	long long deadline = timeout_s > 0 ? now_ms() + (long long)timeout_s * 1000 : -1;
	bool exited = false;

	*timed_out = false;
	while (!exited) {
		struct pollfd p[4];
		int np = 0, wait_ms = -1;
		int pid_i = -1, in_i = -1, out_i = -1, err_i = -1;

		if (pidfd >= 0)
			pid_i = np, p[np++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		if (in >= 0)
			in_i = np, p[np++] = (struct pollfd){ .fd = in, .events = POLLOUT };
		if (out->fd >= 0)
			out_i = np, p[np++] = (struct pollfd){ .fd = out->fd, .events = POLLIN };
		if (errc->fd >= 0)
			err_i = np, p[np++] = (struct pollfd){ .fd = errc->fd, .events = POLLIN };
		if (deadline >= 0) {
			long long left = deadline - now_ms();
			if (left <= 0) {
				*timed_out = true;
				kill_hook(pid, pidfd);
				break;
			}
			wait_ms = (int)left;
		}
		if (pidfd < 0 && (wait_ms < 0 || wait_ms > HOOK_POLL_MS))
			wait_ms = HOOK_POLL_MS;
		if (poll(p, (nfds_t)np, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			kill_hook(pid, pidfd);
			ward_error_errno(err, "poll");
			break;
		}
		if (pid_i >= 0 ? p[pid_i].revents != 0 : hook_exited(pid))
			exited = true;
		if (in_i >= 0 && p[in_i].revents) {
			ssize_t n = write(in, state + written, state_len - written);
			if (n > 0)
				written += (size_t)n;
			/* EPIPE: the hook does not read its stdin, which is fine. */
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == state_len) {
				close(in);
				in = -1;
			}
		}
		if (out_i >= 0 && (p[out_i].revents & (POLLIN | POLLHUP)))
			drain(out);
		if (err_i >= 0 && (p[err_i].revents & (POLLIN | POLLHUP)))
			drain(errc);
	}
	if (in >= 0)
		close(in);
	/* Whatever is already in the pipes; a grandchild that keeps them open
	 * must not keep us waiting. */
	drain(out);
	drain(errc);

	siginfo_t si = { 0 };
	int wstatus = 0;
	for (;;) {
		if (pidfd >= 0) {
			if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) == 0) {
				/* Back to a wait(2)-style status. */
				if (si.si_code == CLD_EXITED)
					wstatus = W_EXITCODE(si.si_status, 0);
				else
					wstatus = si.si_status & 0x7f;
				break;
			}
			if (errno == EINTR)
				continue;
		}
		/* Kernels before 5.4 have no P_PIDFD. */
		if (waitpid(pid, &wstatus, 0) == pid)
			break;
		if (errno == EINTR)
			continue;
		return ward_error_errno(err, "wait");
	}
	return *timed_out ? -1 : wstatus;
}

static int nonblocking_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	return 0;
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
}

/* "exit status 3" / "killed by signal 9" */
static void describe_status(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else
		snprintf(buf, size, "killed by signal %d", WTERMSIG(status));
}

static int run_one(const struct spec_hook *h, const struct hook_ctx *ctx, const char *kind,
		   size_t idx, const char *state, struct ward_error *err)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct capture co = { .fd = -1 }, ce = { .fd = -1 };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	bool timed_out = false;
	char what[64];

	if (pipe2(in, O_CLOEXEC) < 0 || nonblocking_pipe(out) < 0 || nonblocking_pipe(errp) < 0) {
		ward_error_errno(err, "%s hook #%zu: pipe", kind, idx);
		close_pair(in);
		close_pair(out);
		close_pair(errp);
		return -1;
	}
	fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);

	/* The hook's exit status is ours to collect: SIGCHLD ignored would
	 * auto-reap it, and a caller's SIGCHLD handler could reap it first. */
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old_chld;
	sigset_t chld, old_mask;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old_mask);
	sigaction(SIGCHLD, &dfl, &old_chld);

	long long started = now_ms();
	pid_t pid = fork();
	if (pid == 0)
		hook_child(h, ctx, in[0], out[1], errp[1]);
	close(in[0]);
	close(out[1]);
	close(errp[1]);
	co.fd = out[0];
	ce.fd = errp[0];
	int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	/* Refused or unknown to the kernel: watch it by polling instead. */
	bool no_pidfd = pidfd < 0 && (errno == ENOSYS || errno == EPERM || errno == EACCES);
	if (pidfd < 0 && (pid < 0 || !no_pidfd)) {
		ward_error_errno(err, "%s hook #%zu: %s", kind, idx, pid < 0 ? "fork" : "pidfd_open");
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		sigaction(SIGCHLD, &old_chld, NULL);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		close(in[1]);
		close(co.fd);
		close(ce.fd);
		return -1;
	}
	/* A hook that exits without reading its stdin must not kill us. */
	sigaction(SIGPIPE, &ign, &old_pipe);
	int status = supervise(pid, pidfd, in[1], state, &co, &ce,
			       h->timeout.set ? h->timeout.value : 0, &timed_out, err);
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (pidfd >= 0)
		close(pidfd);
	trim(&co);
	trim(&ce);
	ward_debug("%s hook #%zu (%s): pid %d, status 0x%x after %lld ms", kind, idx, h->path, (int)pid,
		   status, now_ms() - started);

	if (timed_out)
		return ward_error_set(err, ETIMEDOUT, "%s hook #%zu (%s) timed out after %d seconds",
				      kind, idx, h->path, h->timeout.value);
	if (status < 0)
		return ward_error_wrap(err, "%s hook #%zu (%s)", kind, idx, h->path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	describe_status(status, what, sizeof(what));
	ward_error_set(err, 0, "error running %s hook #%zu (%s): %s%s%s%s%s", kind, idx, h->path, what,
		       co.len ? ", stdout: " : "", co.buf, ce.len ? ", stderr: " : "", ce.buf);
	if (err)
		err->errnum = ECANCELED;
	return -1;
}

int hooks_run(const struct spec_hook_list *hooks, const char *kind, const char *state_json,
	      const struct hook_ctx *ctx, struct ward_error *err)
{
	static const struct hook_ctx ours = { 0 };

	for (size_t i = 0; hooks && i < hooks->len; i++) {
		if (run_one(&hooks->items[i], ctx ? ctx : &ours, kind, i,
			    state_json ? state_json : "{}", err) < 0)
			return -1;
	}
	return 0;
}
