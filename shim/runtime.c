/* Running the OCI runtime (ward, or runc through BinaryName) the way
 * containerd's runc shim does: global `--root R --log BUNDLE/log.json
 * --log-format json`, one short-lived process per call, the runtime's last
 * error line carried back into the RPC error. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <yajl/yajl_tree.h>

/* the runtime binary: BinaryName, else the ward installed beside us */
char *rt_default_binary(void)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 16);
	if (n > 0) {
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			strcpy(slash + 1, "ward");
			if (access(self, X_OK) == 0)
				return strdup(self);
		}
	}
	return strdup("ward");
}

void rt_result_free(struct rt_result *r)
{
	free(r->err);
	free(r->out);
	r->err = r->out = NULL;
}


/* the message of the last error line the runtime appended to its log */
static char *last_error(const char *log_path, off_t from)
{
	_cleanup_free_ char *all = read_file_str(log_path, 1 << 20);
	char *found = NULL, *line, *save = NULL;
	if (!all || (off_t)strlen(all) < from)
		return NULL;
	for (line = strtok_r(all + from, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *lp[] = { "level", NULL }, *mp[] = { "msg", NULL };
		yajl_val v = yajl_tree_parse(line, NULL, 0), lv, mv;
		if (!v)
			continue;
		lv = yajl_tree_get(v, lp, yajl_t_string);
		mv = yajl_tree_get(v, mp, yajl_t_string);
		if (mv && lv && (!strcmp(lv->u.string, "error") || !strcmp(lv->u.string, "fatal"))) {
			free(found);
			found = strdup(mv->u.string);
		}
		yajl_tree_free(v);
	}
	return found;
}

static char *read_all_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	for (;;) {
		ssize_t n;
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	return buf;
}

/* a runtime command in flight: its pid, the pipes still open, what they
 * gave so far, and who to tell */
struct rt_job {
	pid_t pid;
	bool exited;
	int wstatus;
	struct watch out_w, err_w;
	char *out, *err;
	size_t out_len, err_len;
	bool capture;
	char *log_path, *binary, *cmd;
	off_t from;
	char *fail; /* fork or pipe failure: no process ran */
	rt_done_fn done;
	void *ctx;
	struct rt_job *next;
};

static struct rt_job *jobs;
static size_t njobs;

size_t rt_inflight(void)
{
	return njobs;
}

/* fork the runtime with argv built from the container's settings; fills
 * j->pid and the read ends of the pipes (-1 when none) */
static int rt_fork(struct container *ct, const char *const *args, const int fds[3], bool capture, struct rt_job *j)
{
	const char *argv[64];
	size_t n = 0;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct stat sb;
	const char *cmd = args[0];

	j->log_path = xasprintf("%s/log.json", ct->bundle);
	j->binary = strdup(ct->binary);
	j->cmd = strdup(cmd);
	j->capture = capture;
	j->from = stat(j->log_path, &sb) == 0 ? sb.st_size : 0;
	j->out_w.fd = j->err_w.fd = -1;
	argv[n++] = ct->binary;
	argv[n++] = "--root";
	argv[n++] = ct->root;
	argv[n++] = "--log";
	argv[n++] = j->log_path;
	argv[n++] = "--log-format";
	argv[n++] = "json";
	if (ct->policy) {
		argv[n++] = "--policy";
		argv[n++] = ct->policy;
	}
	for (; *args && n < 63; args++)
		argv[n++] = *args;
	argv[n] = NULL;

	if (capture && pipe2(outp, O_CLOEXEC) < 0) {
		j->fail = xasprintf("pipe: %s", strerror(errno));
		return -1;
	}
	/* the runtime's stderr is read until EOF: never for commands whose
	 * container process would inherit (and hold) that pipe */
	if (fds[2] < 0 && strcmp(cmd, "create") && strcmp(cmd, "exec") && strcmp(cmd, "restore") &&
	    pipe2(errp, O_CLOEXEC) < 0) {
		j->fail = xasprintf("pipe: %s", strerror(errno));
		closep(&outp[0]);
		closep(&outp[1]);
		return -1;
	}
	j->pid = fork();
	if (j->pid < 0) {
		j->fail = xasprintf("fork: %s", strerror(errno));
		closep(&outp[0]);
		closep(&outp[1]);
		closep(&errp[0]);
		closep(&errp[1]);
		return -1;
	}
	if (j->pid == 0) {
		sigset_t set;
		int tmp[3];
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		signal(SIGPIPE, SIG_DFL);
		tmp[0] = fds[0] >= 0 ? fcntl(fds[0], F_DUPFD_CLOEXEC, 3) : open("/dev/null", O_RDONLY | O_CLOEXEC);
		tmp[1] = capture ? outp[1] : fds[1] >= 0 ? fcntl(fds[1], F_DUPFD_CLOEXEC, 3) : open("/dev/null", O_WRONLY | O_CLOEXEC);
		tmp[2] = fds[2] >= 0 ? fcntl(fds[2], F_DUPFD_CLOEXEC, 3) : errp[1] >= 0 ? errp[1] : open("/dev/null", O_WRONLY | O_CLOEXEC);
		for (int i = 0; i < 3; i++)
			if (tmp[i] < 0 || dup2(tmp[i], i) < 0)
				_exit(127);
		if (chdir(ct->bundle) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	closep(&outp[1]);
	closep(&errp[1]);
	j->out_w.fd = outp[0];
	j->err_w.fd = errp[0];
	return 0;
}

/* the outcome of a finished job into res (the caller frees it) */
static void rt_outcome(struct rt_job *j, struct rt_result *res)
{
	memset(res, 0, sizeof *res);
	if (j->fail) {
		res->status = -1;
		res->err = j->fail;
		j->fail = NULL;
		return;
	}
	res->status = WIFEXITED(j->wstatus) ? WEXITSTATUS(j->wstatus) : 128 + WTERMSIG(j->wstatus);
	if (j->capture) {
		res->out = j->out ? j->out : strdup("");
		j->out = NULL;
	}
	if (res->status != 0) {
		res->err = last_error(j->log_path, j->from);
		if (!res->err && j->err && *j->err) {
			size_t l = strlen(j->err);
			while (l && j->err[l - 1] == '\n')
				j->err[--l] = 0;
			res->err = strdup(j->err);
		}
		if (!res->err)
			res->err = xasprintf("%s %s exited with status %d", j->binary, j->cmd, res->status);
	}
}

static void rt_job_free(void *p)
{
	struct rt_job *j = p;
	free(j->out);
	free(j->err);
	free(j->log_path);
	free(j->binary);
	free(j->cmd);
	free(j->fail);
	free(j);
}

int rt_run(struct container *ct, const char *const *args, const int fds[3], bool capture, struct rt_result *res)
{
	struct rt_job *j = calloc(1, sizeof *j);
	if (!j)
		abort();
	if (rt_fork(ct, args, fds, capture, j) == 0) {
		if (j->out_w.fd >= 0) {
			j->out = read_all_fd(j->out_w.fd);
			closep(&j->out_w.fd);
		}
		if (j->err_w.fd >= 0) {
			j->err = read_all_fd(j->err_w.fd);
			closep(&j->err_w.fd);
		}
		while (waitpid(j->pid, &j->wstatus, 0) < 0 && errno == EINTR)
			;
	}
	rt_outcome(j, res);
	rt_job_free(j);
	return res->status == 0 ? 0 : -1;
}

/* ---- the same off the event loop ---- */

static void rt_complete(struct rt_job *j)
{
	struct rt_result res;
	struct rt_job **jp;

	for (jp = &jobs; *jp && *jp != j; jp = &(*jp)->next)
		;
	if (*jp)
		*jp = j->next;
	rt_outcome(j, &res);
	log_debug("runtime %s pid %d: status %d", j->cmd, j->pid, res.status);
	if (j->done)
		j->done(&res, j->ctx);
	rt_result_free(&res);
	/* exits of unknown pids only matter while a runtime call may still
	 * name the process; the continuation above has claimed its own */
	if (--njobs == 0)
		proc_forget_early();
	/* a later event of this epoll batch may name one of its watches */
	loop_defer(rt_job_free, j);
}

static void rt_maybe_complete(struct rt_job *j)
{
	if (j->exited && j->out_w.fd < 0 && j->err_w.fd < 0)
		rt_complete(j);
}

static void rt_deferred_fail(void *p)
{
	struct rt_job *j = p;
	j->exited = true;
	rt_maybe_complete(j);
}

static void rt_pipe_ev(struct watch *w, uint32_t events)
{
	struct rt_job *j = w->data;
	bool is_out = w == &j->out_w;
	char **buf = is_out ? &j->out : &j->err;
	size_t *len = is_out ? &j->out_len : &j->err_len;
	char chunk[8192];

	for (;;) {
		ssize_t n = read(w->fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		/* more than any runtime's answer: keep draining, stop keeping */
		if (*len + (size_t)n > (16u << 20))
			continue;
		{
			char *nb = realloc(*buf, *len + (size_t)n + 1);
			if (!nb)
				abort();
			memcpy(nb + *len, chunk, (size_t)n);
			*len += (size_t)n;
			nb[*len] = 0;
			*buf = nb;
		}
	}
	loop_del(w);
	closep(&w->fd);
	w->fd = -1;
	rt_maybe_complete(j);
}

void rt_spawn(struct container *ct, const char *const *args, const int fds[3], bool capture, rt_done_fn done, void *ctx)
{
	struct rt_job *j = calloc(1, sizeof *j);
	if (!j)
		abort();
	j->done = done;
	j->ctx = ctx;
	j->out_w.fn = j->err_w.fn = rt_pipe_ev;
	j->out_w.data = j->err_w.data = j;
	j->next = jobs;
	jobs = j;
	njobs++;
	if (rt_fork(ct, args, fds, capture, j) < 0) {
		/* never answer from inside the caller: it may still be setting up */
		loop_defer(rt_deferred_fail, j);
		return;
	}
	log_debug("runtime %s for %s: pid %d", args[0], ct->id, j->pid);
	for (int i = 0; i < 2; i++) {
		struct watch *w = i ? &j->err_w : &j->out_w;
		if (w->fd < 0)
			continue;
		set_nonblock(w->fd, true);
		if (loop_add(w, EPOLLIN) < 0) {
			/* unwatched it would never be drained: give up its text */
			log_warn("watch runtime pipe: %s", strerror(errno));
			closep(&w->fd);
			w->fd = -1;
		}
	}
}

void rt_spawn_force_delete(struct container *ct, rt_done_fn done, void *ctx)
{
	const char *args[] = { "delete", "--force", ct->id, NULL };
	int none[3] = { -1, -1, -1 };

	rt_spawn(ct, args, none, false, done, ctx);
}

bool rt_reaped(pid_t pid, int wstatus)
{
	for (struct rt_job *j = jobs; j; j = j->next) {
		if (j->pid != pid || j->exited || j->fail)
			continue;
		j->exited = true;
		j->wstatus = wstatus;
		rt_maybe_complete(j);
		return true;
	}
	return false;
}
