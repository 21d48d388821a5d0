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

int rt_force_delete(struct container *ct, struct rt_result *res)
{
	const char *args[] = { "delete", "--force", ct->id, NULL };
	int none[3] = { -1, -1, -1 };

	return rt_run(ct, args, none, false, res);
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

int rt_run(struct container *ct, const char *const *args, const int fds[3], bool capture, struct rt_result *res)
{
	_cleanup_free_ char *log_path = xasprintf("%s/log.json", ct->bundle);
	const char *argv[64];
	size_t n = 0;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, st;
	struct stat sb;
	off_t from = stat(log_path, &sb) == 0 ? sb.st_size : 0;
	const char *cmd = args[0];
	pid_t pid;

	memset(res, 0, sizeof *res);
	argv[n++] = ct->binary;
	argv[n++] = "--root";
	argv[n++] = ct->root;
	argv[n++] = "--log";
	argv[n++] = log_path;
	argv[n++] = "--log-format";
	argv[n++] = "json";
	if (ct->policy) {
		argv[n++] = "--policy";
		argv[n++] = ct->policy;
	}
	for (; *args && n < 63; args++)
		argv[n++] = *args;
	argv[n] = NULL;

	if (capture && pipe2(outp, O_CLOEXEC) < 0)
		return res->status = -1;
	/* the runtime's stderr is read until EOF: never for commands whose
	 * container process would inherit (and hold) that pipe */
	if (fds[2] < 0 && strcmp(cmd, "create") && strcmp(cmd, "exec") && strcmp(cmd, "restore") &&
	    pipe2(errp, O_CLOEXEC) < 0) {
		closep(&outp[0]);
		closep(&outp[1]);
		return res->status = -1;
	}
	pid = fork();
	if (pid < 0) {
		res->status = -1;
		res->err = xasprintf("fork: %s", strerror(errno));
		closep(&outp[0]);
		closep(&outp[1]);
		closep(&errp[0]);
		closep(&errp[1]);
		return -1;
	}
	if (pid == 0) {
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
	if (capture) {
		res->out = read_all_fd(outp[0]);
		close(outp[0]);
	}
	{
		_cleanup_free_ char *errtext = errp[0] >= 0 ? read_all_fd(errp[0]) : NULL;
		closep(&errp[0]);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (res->status != 0) {
			res->err = last_error(log_path, from);
			if (!res->err && errtext && *errtext) {
				size_t l = strlen(errtext);
				while (l && errtext[l - 1] == '\n')
					errtext[--l] = 0;
				res->err = strdup(errtext);
			}
			if (!res->err)
				res->err = xasprintf("%s %s exited with status %d", ct->binary, cmd, res->status);
		}
	}
	return res->status == 0 ? 0 : -1;
}
