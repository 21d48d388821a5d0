/* ward ps [--format table|json] ID [ps options]: the processes of a
 * container. As runc does: json prints the host pids in its cgroup as one
 * JSON array line ("null" when there are none); table runs the host's `ps`
 * (default `ps -ef`) and keeps its header and the rows whose PID column is
 * one of those pids. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "jsonw.h"
#include "log.h"
#include "state.h"

static pid_t *container_pids(struct ward_globals *g, const char *id, size_t *n,
			     struct ward_error *err)
{
	struct ward_state st;
	pid_t *pids;

	cleanup_close int dirfd = state_dir_open(g->root, id, err);
	if (dirfd < 0 || state_read(dirfd, &st, err) < 0)
		return NULL;
	*n = 0;
	if (!st.cgroup ||
	    (state_status(dirfd, &st) == STATUS_STOPPED && !cgroup_exists(st.cgroup))) {
		pids = malloc(sizeof(pid_t));
		if (!pids)
			ward_error_set(err, ENOMEM, "pids");
	} else {
		pids = cgroup_pids(st.cgroup, n, err);
		if (!pids)
			ward_error_wrap(err, "unable to get all container pids");
	}
	state_clear(&st);
	return pids;
}

/* Run `ps ARGS...` and collect stdout and stderr together. */
static char *run_ps(char **args, int nargs, struct ward_error *err)
{
	int pipefd[2];

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		ward_error_errno(err, "pipe");
		return NULL;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		ward_error_errno(err, "fork");
		close(pipefd[0]);
		close(pipefd[1]);
		return NULL;
	}
	if (pid == 0) {
		char *argv[nargs + 2];
		argv[0] = "ps";
		for (int i = 0; i < nargs; i++)
			argv[i + 1] = args[i];
		argv[nargs + 1] = NULL;
		signal(SIGPIPE, SIG_DFL);
		if (dup2(pipefd[1], STDOUT_FILENO) < 0 || dup2(pipefd[1], STDERR_FILENO) < 0)
			_exit(127);
		execvp("ps", argv);
		dprintf(STDERR_FILENO, "exec: \"ps\": %s", strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	cleanup_close int rfd = pipefd[0];
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			char *nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		ssize_t r = read(rfd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!buf) {
		ward_error_set(err, ENOMEM, "ps output");
		return NULL;
	}
	buf[len] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* Go's exec error, then the output, as runc reports it. */
		if (WIFEXITED(status))
			ward_error_set(err, 0, "exit status %d: %s", WEXITSTATUS(status), buf);
		else
			ward_error_set(err, 0, "signal: %s: %s", strsignal(WTERMSIG(status)), buf);
		free(buf);
		return NULL;
	}
	return buf;
}

static bool contains(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* The index of the "PID" column in the header, or -1. */
static int pid_column(const char *header)
{
	cleanup_free char *copy = strdup(header);
	char *save = NULL;
	int i = 0;

	for (char *f = copy ? strtok_r(copy, " \t", &save) : NULL; f;
	     f = strtok_r(NULL, " \t", &save), i++)
		if (strcmp(f, "PID") == 0)
			return i;
	return -1;
}

static int print_table(const pid_t *pids, size_t n, char **args, int nargs,
		       struct ward_error *err)
{
	char *def[] = { "-ef" };
	cleanup_free char *out = nargs > 0 ? run_ps(args, nargs, err) : run_ps(def, 1, err);

	if (!out)
		return -1;
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	int col = pid_column(out);
	if (col < 0)
		return ward_error_set(err, 0, "couldn't find PID field in ps output");
	printf("%s\n", out);
	for (char *line = nl ? nl + 1 : NULL; line && *line;) {
		char *next = strchr(line, '\n');
		if (next)
			*next = '\0';
		if (*line) {
			cleanup_free char *copy = strdup(line);
			char *save = NULL, *f = copy ? strtok_r(copy, " \t", &save) : NULL;
			for (int i = 0; f && i < col; i++)
				f = strtok_r(NULL, " \t", &save);
			char *end;
			long pid = f ? strtol(f, &end, 10) : 0;
			if (!f || *end)
				return ward_error_set(err, 0, "unable to parse pid: %s", f ? f : line);
			if (contains(pids, n, pid))
				printf("%s\n", line);
		}
		line = next ? next + 1 : NULL;
	}
	return 0;
}

static int print_json(const pid_t *pids, size_t n)
{
	struct jsonw w;

	/* Go encodes a nil slice as null. */
	if (n == 0) {
		puts("null");
		return 0;
	}
	jsonw_init(&w, NULL);
	jsonw_arr_open(&w);
	for (size_t i = 0; i < n; i++)
		jsonw_int(&w, pids[i]);
	jsonw_arr_close(&w);
	cleanup_free char *s = jsonw_finish(&w, NULL);
	if (!s)
		return -1;
	puts(s);
	return 0;
}

int cmd_ps(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] = "[command options] <container-id> [ps options]";
	static const char desc[] =
		"display the processes running inside a container\n"
		"With --format table (the default) the host's ps is run with the given options\n"
		"(default: -ef) and only the rows of the container's processes are kept; with\n"
		"--format json the host pids are printed as a JSON array.";
	const char *format = "table";
	bool help;
	const struct cli_opt opts[] = {
		{ "format", 'f', CLI_STRING, &format, "select one of: table or json (default: \"table\")", "value" },
		{ 0 },
	};
	struct ward_error err = { 0 };
	int nargs;
	size_t n;

	/* Everything after the id belongs to ps ("-o pid,comm", "aux"). */
	if (cli_parse_ex("ps", usage, desc, opts, CLI_STOP_AT_ARG, argc, argv, &nargs, &help,
			 &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args_range("ps", nargs, 1, -1, &err) < 0)
		return cli_fail(&err);
	cleanup_free pid_t *pids = container_pids(g, argv[0], &n, &err);
	if (!pids)
		return cli_fail(&err);
	int r;
	if (strcmp(format, "json") == 0) {
		r = print_json(pids, n);
	} else if (strcmp(format, "table") == 0) {
		r = print_table(pids, n, argv + 1, nargs - 1, &err);
	} else {
		ward_error_set(&err, 0, "invalid format option");
		return cli_fail(&err);
	}
	if (r < 0)
		return cli_fail(&err);
	return fflush(stdout) == 0 ? 0 : 1;
}
