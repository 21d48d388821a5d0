/* ward exec [options] ID COMMAND [ARGS...] | ward exec -p process.json ID:
 * run one more process in a container (runc-compatible flags). Without
 * --process the process is the container's own (from the spec saved at
 * create) with the flags applied, as runc does; in the foreground ward
 * relays signals and the terminal and exits with the process's status. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "policy_eval.h"
#include "container.h"
#include "exec_process.h"
#include "foreground.h"
#include "log.h"
#include "state.h"
#include "terminal.h"

struct exec_flags {
	const char *console_socket, *cwd, *user, *process, *pid_file;
	const char *process_label, *apparmor;
	char **env, **gids, **caps, **cgroup;
	bool tty, detach, no_new_privs, ignore_paused;
	int preserve_fds;
};

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static int strv_push(struct spec_strv *v, const char *s, struct ward_error *err)
{
	char **items = realloc(v->items, (v->len + 2) * sizeof(char *));

	if (items == NULL)
		return ward_error_set(err, ENOMEM, "exec");
	v->items = items;
	v->items[v->len] = strdup(s);
	if (v->items[v->len] == NULL)
		return ward_error_set(err, ENOMEM, "exec");
	v->items[++v->len] = NULL;
	return 0;
}

static int replace_str(char **dst, const char *s, struct ward_error *err)
{
	char *copy = strdup(s);

	if (copy == NULL)
		return ward_error_set(err, ENOMEM, "exec");
	free(*dst);
	*dst = copy;
	return 0;
}

/* Go's strconv.Atoi, then a uint32 (what runc ends up with). */
static int parse_id(const char *s, const char *what, uint32_t *out, struct ward_error *err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno || v < 0 || v > UINT32_MAX)
		return ward_error_set(err, EINVAL, "parsing %s as int for %s failed", s, what);
	*out = (uint32_t)v;
	return 0;
}

/* runc's getProcess(): the container's process with the flags applied. */
static int apply_flags(struct spec_process *p, const struct exec_flags *f, char **args, int nargs,
		       struct ward_error *err)
{
	struct spec_strv *caps_sets[5];

	strv_free(p->args.items);
	p->args = (struct spec_strv){ 0 };
	for (int i = 0; i < nargs; i++)
		if (strv_push(&p->args, args[i], err) < 0)
			return -1;
	if (f->cwd && replace_str(&p->cwd, f->cwd, err) < 0)
		return -1;
	if (f->apparmor && replace_str(&p->apparmor_profile, f->apparmor, err) < 0)
		return -1;
	if (f->process_label && replace_str(&p->selinux_label, f->process_label, err) < 0)
		return -1;
	if (f->caps && f->caps[0]) {
		if (p->capabilities == NULL) {
			p->capabilities = calloc(1, sizeof(*p->capabilities));
			if (p->capabilities == NULL)
				return ward_error_set(err, ENOMEM, "exec");
		}
		caps_sets[0] = &p->capabilities->bounding;
		caps_sets[1] = &p->capabilities->effective;
		caps_sets[2] = &p->capabilities->inheritable;
		caps_sets[3] = &p->capabilities->permitted;
		caps_sets[4] = &p->capabilities->ambient;
		for (char **c = f->caps; *c; c++) {
			if (spec_capability_from_name(*c) < 0)
				return ward_error_set(err, EINVAL, "unknown capability \"%s\"", *c);
			for (int s = 0; s < 5; s++)
				if (strv_push(caps_sets[s], *c, err) < 0)
					return -1;
		}
	}
	for (char **e = f->env; e && *e; e++)
		if (strv_push(&p->env, *e, err) < 0)
			return -1;
	p->terminal = f->tty;
	if (f->no_new_privs)
		p->no_new_privileges = true;
	if (f->user) {
		cleanup_free char *u = strdup(f->user);
		char *colon;

		if (u == NULL)
			return ward_error_set(err, ENOMEM, "exec");
		colon = strchr(u, ':');
		if (colon) {
			*colon = '\0';
			if (parse_id(colon + 1, "gid", &p->user.gid, err) < 0)
				return -1;
		}
		if (parse_id(u, "uid", &p->user.uid, err) < 0)
			return -1;
	}
	for (char **g = f->gids; g && *g; g++) {
		uint32_t gid, *v;

		if (parse_id(*g, "additional gid", &gid, err) < 0)
			return -1;
		v = realloc(p->user.additional_gids, (p->user.n_additional_gids + 1) * sizeof(gid));
		if (v == NULL)
			return ward_error_set(err, ENOMEM, "exec");
		p->user.additional_gids = v;
		v[p->user.n_additional_gids++] = gid;
	}
	return 0;
}

static struct spec_process *read_process_file(const char *path, struct ward_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;

	if (fd < 0)
		return ward_error_errno(err, "open process file %s", path), NULL;
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);
			if (nb == NULL)
				return ward_error_set(err, ENOMEM, "read %s", path), NULL;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ward_error_errno(err, "read %s", path), NULL;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return spec_parse_process(buf, len, path, err);
}

/* runc's rules, word for word (checkTerminal in utils_linux.go). */
static int check_terminal(const struct exec_flags *f, bool terminal, struct ward_error *err)
{
	const char *msg = NULL;

	if (f->detach && terminal && f->console_socket == NULL)
		msg = "cannot allocate tty if runc will detach without setting console socket";
	else if ((!f->detach || !terminal) && f->console_socket != NULL)
		msg = "cannot use console socket if runc will not detach or allocate tty";
	if (msg == NULL)
		return 0;
	ward_error_set(err, 0, "%s", msg);
	err->errnum = EINVAL;
	return -1;
}

static int check_status(enum container_status st, bool ignore_paused, struct ward_error *err)
{
	switch (st) {
	case STATUS_RUNNING:
	case STATUS_CREATED: /* runc 1.1 allows it as well */
		return 0;
	case STATUS_STOPPED:
		return ward_error_set(err, 0, "cannot exec in a stopped container");
	case STATUS_PAUSED:
		/* The process then starts frozen, with the rest. */
		if (ignore_paused)
			return 0;
		return ward_error_set(err, 0, "cannot exec in a paused container (use "
					      "--ignore-paused to override)");
	default:
		return ward_error_set(err, 0, "cannot exec in a %s container", container_status_name(st));
	}
}

/* The inherited fds must exist before we open any of our own, or one of
 * ours would fill the gap and be handed over. */
static int check_preserved_fds(int n, struct ward_error *err)
{
	for (int fd = 3; fd < 3 + n; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			return ward_error_errno(err, "--preserve-fds: fd %d", fd);
	return 0;
}

/* --cgroup, runc's forms: one PATH for every hierarchy, or any number of
 * CONTROLLER[,CONTROLLER...]:PATH (cgroup v1), each a sub-cgroup of the
 * container's that must exist. */
static struct cgroup_loc *exec_cgroup(const struct cgroup_loc *base, char **args,
				      struct ward_error *err)
{
	size_t n = 0;

	while (args && args[n])
		n++;
	if (n == 0)
		return base ? cgroup_loc_dup(base) : NULL;
	if (base == NULL)
		return ward_error_set(err, EINVAL, "--cgroup: the container has no cgroup"), NULL;
	struct cgroup_loc *cg = cgroup_loc_dup(base);
	if (cg == NULL)
		return ward_error_set(err, ENOMEM, "cgroup path"), NULL;
	for (size_t i = 0; i < n; i++) {
		const char *a = args[i];
		const char *colon = strchr(a, ':');
		int r;
		if (colon && strchr(colon + 1, ':')) {
			r = ward_error_set(err, EINVAL, "invalid --cgroup argument: %s", a);
		} else if (!colon && n != 1) {
			r = ward_error_set(err, EINVAL, "invalid --cgroup argument: %s (missing "
							"<controller>: prefix)", a);
		} else if (!colon) {
			r = cgroup_loc_descend(cg, NULL, a, err);
		} else {
			cleanup_free char *ctrls = strndup(a, (size_t)(colon - a));
			char *save = NULL;
			r = ctrls ? 0 : ward_error_set(err, ENOMEM, "cgroup path");
			for (char *c = ctrls ? strtok_r(ctrls, ",", &save) : NULL; c && r == 0;
			     c = strtok_r(NULL, ",", &save))
				r = cgroup_loc_descend(cg, c, colon + 1, err);
		}
		if (r < 0) {
			cgroup_loc_free(cg);
			return NULL;
		}
	}
	return cg;
}

struct exec_ctx {
	struct ward_state st;
	struct spec *spec;
	struct spec_process *own_proc; /* from --process, else NULL */
	struct cgroup_loc *cgroup;
	int console_socket_fd;
};

static void exec_ctx_clear(struct exec_ctx *x)
{
	state_clear(&x->st);
	spec_free(x->spec);
	spec_process_free(x->own_proc);
	cgroup_loc_free(x->cgroup);
	if (x->console_socket_fd >= 0)
		close(x->console_socket_fd);
}

/* Everything up to the started process; the state lock is held meanwhile
 * (a concurrent delete waits) and released by the caller's return. */
static int start(struct ward_globals *g, const struct exec_flags *f, char **argv, int nargs,
		 struct exec_ctx *x, struct exec_request *r, struct ward_error *err)
{
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;
	struct spec_process *p;

	dirfd = state_dir_open(g->root, argv[0], err);
	if (dirfd < 0)
		return -1;
	lockfd = state_lock(dirfd, err);
	if (lockfd < 0 || state_read(dirfd, &x->st, err) < 0)
		return -1;
	enum container_status status = state_status(dirfd, &x->st);
	if (check_status(status, f->ignore_paused, err) < 0)
		return -1;
	x->spec = state_read_config(dirfd, err);
	if (x->spec == NULL || x->spec->process == NULL)
		return x->spec ? ward_error_set(err, EINVAL, "the container has no process") : -1;
	if (f->process) {
		x->own_proc = read_process_file(f->process, err);
		if (x->own_proc == NULL)
			return -1;
		p = x->own_proc;
	} else {
		if (nargs < 2)
			return ward_error_set(err, EINVAL, "process args cannot be empty");
		p = x->spec->process;
		if (apply_flags(p, f, argv + 1, nargs - 1, err) < 0)
			return -1;
	}
	if (f->process && f->no_new_privs)
		p->no_new_privileges = true;
	/* Under a node policy the caller gets no capability the profile does
	 * not allow, whatever it asks for. */
	if (policy_check_exec(g->policy, x->st.id, x->spec, p, err) < 0)
		return -1;
	if (check_terminal(f, p->terminal, err) < 0)
		return -1;
	x->cgroup = exec_cgroup(x->st.cgroup, f->cgroup, err);
	if (x->cgroup == NULL && (f->cgroup || x->st.cgroup))
		return -1;
	if (f->console_socket) {
		x->console_socket_fd = terminal_connect_socket(f->console_socket, err);
		if (x->console_socket_fd < 0)
			return -1;
	}
	/* Into a paused container the process starts frozen and the exec
	 * completes on `resume`, which must not wait for our lock. */
	if (status == STATUS_PAUSED) {
		close(lockfd);
		lockfd = -1;
	}
	*r = (struct exec_request){
		.id = x->st.id,
		.state = &x->st,
		.spec = x->spec,
		.proc = p,
		.init_pid = x->st.pid,
		.init_start = x->st.pid_start,
		.cgroup = x->cgroup,
		.preserve_fds = f->preserve_fds,
		.console_socket_fd = x->console_socket_fd,
	};
	return exec_process_start(r, err);
}

int cmd_exec(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] =
		"[command options] <container-id> <command> [command options]  || -p process.json <container-id>\n\n"
		"Where \"<container-id>\" is the name for the instance of the container and\n"
		"\"<command>\" is the command to be executed in the container.\n"
		"\"<command>\" can't be empty unless a \"-p\" flag provided.";
	static const char desc[] =
		"execute new process inside the container\n"
		"The process joins every namespace, the root, the cgroup, the seccomp filter and\n"
		"the Landlock rules of the container, and has at most its capabilities.";
	struct exec_flags f = { 0 };
	const struct cli_opt opts[] = {
		{ "console-socket", 0, CLI_STRING, &f.console_socket, "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal", NULL },
		{ "cwd", 0, CLI_STRING, &f.cwd, "current working directory in the container", NULL },
		{ "env", 'e', CLI_LIST, &f.env, "set environment variables", NULL },
		{ "tty", 't', CLI_BOOL, &f.tty, "allocate a pseudo-TTY", NULL },
		{ "user", 'u', CLI_STRING, &f.user, "UID (format: <uid>[:<gid>])", NULL },
		{ "additional-gids", 'g', CLI_LIST, &f.gids, "additional gids", NULL },
		{ "process", 'p', CLI_STRING, &f.process, "path to the process.json", NULL },
		{ "detach", 'd', CLI_BOOL, &f.detach, "detach from the container's process", NULL },
		{ "pid-file", 0, CLI_STRING, &f.pid_file, "specify the file to write the process id to", NULL },
		{ "process-label", 0, CLI_STRING, &f.process_label, "set the asm process label for the process commonly used with selinux", NULL },
		{ "apparmor", 0, CLI_STRING, &f.apparmor, "set the apparmor profile for the process", NULL },
		{ "no-new-privs", 0, CLI_BOOL, &f.no_new_privs, "set the no new privileges value for the process", NULL },
		{ "cap", 'c', CLI_LIST, &f.caps, "add a capability to the bounding set for the process", NULL },
		{ "preserve-fds", 0, CLI_INT, &f.preserve_fds, "Pass N additional file descriptors to the container (stdio + N in total) (default: 0)", NULL },
		{ "cgroup", 0, CLI_LIST, &f.cgroup, "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.", NULL },
		{ "ignore-paused", 0, CLI_BOOL, &f.ignore_paused, "allow exec in a paused container", NULL },
		{ 0 },
	};
	struct exec_ctx x = { .console_socket_fd = -1 };
	struct exec_request r = { .console_fd = -1 };
	struct ward_error err = { 0 };
	bool help;
	sigset_t mask;
	int nargs, status = 0;

	/* CVE-2019-5736: the process must never reach a writable ward. */
	if (exe_ensure_sealed(&err) < 0)
		goto fail;
	if (cli_parse_ex("exec", usage, desc, opts, CLI_STOP_AT_ARG, argc, argv, &nargs, &help,
			 &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args_range("exec", nargs, 1, -1, &err) < 0 ||
	    check_preserved_fds(f.preserve_fds, &err) < 0)
		goto fail;
	if (!f.detach) {
		/* Blocked from now so that none is lost before the wait loop;
		 * the child unblocks everything for itself. */
		foreground_signals(&mask);
		sigprocmask(SIG_BLOCK, &mask, NULL);
		signal(SIGPIPE, SIG_IGN);
	}
	if (start(g, &f, argv, nargs, &x, &r, &err) < 0)
		goto fail;
	/* runc: a pid file that cannot be written fails the exec, and the
	 * process it could not record is killed. */
	if (f.pid_file && container_write_pid_file(f.pid_file, r.pid, &err) < 0) {
		kill(r.pid, SIGKILL);
		if (!f.detach)
			foreground_wait(r.pid, r.console_fd, r.proc->console_size == NULL, &mask);
		if (r.console_fd >= 0)
			close(r.console_fd);
		goto fail;
	}
	if (!f.detach) {
		int st = foreground_wait(r.pid, r.console_fd, r.proc->console_size == NULL, &mask);

		ward_debug("exec in %s: pid %d exited, status %d", r.id, (int)r.pid, st);
		if (status == 0)
			status = st;
	}
	if (r.console_fd >= 0)
		close(r.console_fd);
	exec_ctx_clear(&x);
	strv_free(f.env);
	strv_free(f.gids);
	strv_free(f.caps);
	strv_free(f.cgroup);
	return status;
fail:
	ward_error_wrap(&err, "exec failed");
	exec_ctx_clear(&x);
	strv_free(f.env);
	strv_free(f.gids);
	strv_free(f.caps);
	strv_free(f.cgroup);
	cli_fail(&err);
	return 255; /* runc's exit status for a failed exec */
}
