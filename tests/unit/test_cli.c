/* The command-line layer and everything around the state directory, tested
 * against the real system: the option parser, signal names, ids, state.json
 * round trips in a temporary root, the status of a real child process
 * (running, created, zombie, gone, recycled pid), hooks as real processes,
 * logging, the runc-shaped JSON and table outputs, and cgroups under a
 * private "ward-test" parent. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "container.h"
#include "jsonw.h"
#include "log.h"
#include "signals.h"
#include "state.h"
#include "tap.h"

static char tmpdir[] = "/tmp/ward-test-cli-XXXXXX";

/* ---- helpers ---- */

/* Run fn with stdout (or stderr) going to a file; return what it wrote. */
static char *capture_fd(int target, int (*fn)(void *), void *arg, int *ret)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/capture", tmpdir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int saved = dup(target);

	fflush(stdout);
	fflush(stderr);
	dup2(fd, target);
	*ret = fn(arg);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, target);
	close(saved);
	char *buf = calloc(1, 65536);
	ssize_t n = pread(fd, buf, 65535, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

struct cmd_call {
	ward_cmd_fn fn;
	struct ward_globals *g;
	int argc;
	char **argv;
};

static int call_cmd(void *p)
{
	struct cmd_call *c = p;
	return c->fn(c->g, c->argc, c->argv);
}

/* Run a command with a NULL-terminated argument list; its stdout. */
static char *run_cmd(ward_cmd_fn fn, struct ward_globals *g, int *ret, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;

	va_start(ap, ret);
	for (char *a; argc < 15 && (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	struct cmd_call c = { fn, g, argc, argv };
	return capture_fd(STDOUT_FILENO, call_cmd, &c, ret);
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void write_file(const char *dir, const char *name, const char *data)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, data, strlen(data)) < 0)
			diag("write %s: %s", path, strerror(errno));
		close(fd);
	}
}

static char *read_path(const char *path)
{
	char *buf = calloc(1, 65536);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, 65535);
		buf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	return buf;
}

/* ---- option parser ---- */

static void test_cli_parse(void)
{
	struct ward_error err = { 0 };
	const char *format = "table", *bundle = NULL;
	bool force = false, quiet = false, help = false;
	int fds = 0, nargs = -1;
	char **env = NULL;
	const struct cli_opt opts[] = {
		{ "format", 'f', CLI_STRING, &format, "fmt", NULL },
		{ "force", 0, CLI_BOOL, &force, "force", NULL },
		{ "quiet", 'q', CLI_BOOL, &quiet, "quiet", NULL },
		{ "bundle", 'b', CLI_STRING, &bundle, "bundle", "path" },
		{ "preserve-fds", 0, CLI_INT, &fds, "fds", NULL },
		{ "env", 'e', CLI_LIST, &env, "env", NULL },
		{ 0 },
	};
#define PARSE(flags, ...)                                                                   \
	({                                                                                   \
		char *a_[] = { __VA_ARGS__, NULL };                                         \
		memcpy(args, a_, sizeof(a_));                                                \
		ward_error_clear(&err);                                                      \
		cli_parse_ex("t", "", "test", opts, flags, (int)(sizeof(a_) / sizeof(char *)) - 1, \
			     args, &nargs, &help, &err);                                     \
	})
	char *args[16];

	ok(PARSE(0, "-f", "json", "id") == 0 && strcmp(format, "json") == 0 && nargs == 1 &&
		   strcmp(args[0], "id") == 0,
	   "short option with a separate value");
	ok(PARSE(0, "--format=table", "id") == 0 && strcmp(format, "table") == 0, "--name=value");
	ok(PARSE(0, "-format", "json") == 0 && strcmp(format, "json") == 0 && nargs == 0,
	   "long name with one dash (Go flag)");
	ok(PARSE(0, "-f=x") == 0 && strcmp(format, "x") == 0, "-f=value");
	ok(PARSE(0, "--force", "id") == 0 && force, "bool option");
	ok(PARSE(0, "--force=false", "id") == 0 && !force, "bool =false");
	PARSE(0, "--force", "false");
	ok(force && nargs == 1 && strcmp(args[0], "false") == 0,
	   "a bool option does not take the next argument");
	is_int(PARSE(0, "--force=maybe"), -1, "bad bool value fails");
	is_str(err.msg, "invalid boolean value \"maybe\" for -force: parse error", "Go's message");
	force = false;
	ok(PARSE(0, "id", "--force", "-q") == 0 && force && quiet && nargs == 1 &&
		   strcmp(args[0], "id") == 0,
	   "known options after the id (urfave reordering)");
	ok(PARSE(0, "id", "-9") == 0 && nargs == 2 && strcmp(args[1], "-9") == 0,
	   "unknown dash argument after the id stays an argument");
	is_int(PARSE(0, "-x", "id"), -1, "unknown option before the id fails");
	is_str(err.msg, "flag provided but not defined: -x", "runc's unknown flag message");
	PARSE(0, "--nope=1");
	is_str(err.msg, "flag provided but not defined: -nope", "unknown long option message");
	is_int(PARSE(0, "--format"), -1, "missing value fails");
	is_str(err.msg, "flag needs an argument: -format", "runc's missing value message");
	is_int(PARSE(0, "---x"), -1, "three dashes fail");
	is_str(err.msg, "bad flag syntax: ---x", "Go's bad syntax message");
	ok(PARSE(0, "--", "-x", "--force") == 0 && nargs == 2 && strcmp(args[0], "-x") == 0 &&
		   strcmp(args[1], "--force") == 0,
	   "-- ends options and is dropped");
	ok(PARSE(0, "id", "--", "x") == 0 && nargs == 3 && strcmp(args[1], "--") == 0,
	   "-- after an argument is kept, as Go's flag does");
	ok(PARSE(0, "-") == 0 && nargs == 1 && strcmp(args[0], "-") == 0, "a lone - is an argument");
	force = false;
	ok(PARSE(CLI_STOP_AT_ARG, "-b", "/b", "id", "ls", "-la", "--force") == 0 && nargs == 4 &&
		   !force && strcmp(bundle, "/b") == 0 && strcmp(args[3], "--force") == 0,
	   "CLI_STOP_AT_ARG passes everything after the id through");
	ok(PARSE(CLI_STOP_AT_ARG, "id", "--", "x") == 0 && nargs == 3, "CLI_STOP_AT_ARG keeps --");
	ok(PARSE(0, "--preserve-fds", "3") == 0 && fds == 3, "int option");
	ok(PARSE(0, "--preserve-fds=0x10") == 0 && fds == 16, "int option, Go base prefixes");
	is_int(PARSE(0, "--preserve-fds=x"), -1, "bad int fails");
	is_str(err.msg, "invalid value \"x\" for flag -preserve-fds: parse error", "Go's int message");
	is_int(PARSE(0, "--preserve-fds=-1"), -1, "negative int fails");
	ok(PARSE(0, "-e", "A=1", "--env=B=2", "--env", "C=3") == 0 && env && env[0] && env[2] &&
		   !env[3] && strcmp(env[1], "B=2") == 0,
	   "list option accumulates");
	ward_strv_freep(&env);

	/* --help prints (to stdout) and reports help. */
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC), saved = dup(1);
	fflush(stdout);
	dup2(devnull, 1);
	int r = PARSE(0, "id", "--help");
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(devnull);
	ok(r == 0 && help, "--help sets help");

	is_int(cli_require_args("state", 2, 1, &err), -1, "exact arg count enforced");
	is_str(err.msg, "ward: \"state\" requires exactly 1 argument(s)", "runc's arg count message");
	is_int(cli_require_args_range("kill", 3, 1, 2, &err), -1, "max args enforced");
	is_str(err.msg, "ward: \"kill\" requires a maximum of 2 argument(s)", "max message");
	cli_require_args_range("kill", 0, 1, 2, &err);
	is_str(err.msg, "ward: \"kill\" requires a minimum of 1 argument(s)", "min message");
	is_int(cli_require_args_range("kill", 2, 1, 2, NULL), 0, "in range passes");
#undef PARSE
}

/* ---- signals and ids ---- */

static void test_signals(void)
{
	struct ward_error err = { 0 };

	is_int(signal_parse("KILL", &err), SIGKILL, "KILL");
	is_int(signal_parse("SIGKILL", &err), SIGKILL, "SIGKILL");
	is_int(signal_parse("kill", &err), SIGKILL, "kill (any case)");
	is_int(signal_parse("sigusr1", &err), SIGUSR1, "sigusr1");
	is_int(signal_parse("9", &err), 9, "number");
	is_int(signal_parse("0", &err), 0, "0 (existence check)");
	is_int(signal_parse("CHLD", &err), SIGCHLD, "CHLD");
	is_int(signal_parse("RTMIN", &err), SIGRTMIN, "RTMIN");
	is_int(signal_parse("SIGRTMIN+2", &err), SIGRTMIN + 2, "SIGRTMIN+2");
	is_int(signal_parse("rtmax-1", &err), SIGRTMAX - 1, "rtmax-1");
	is_int(signal_parse("RTMIN+99", &err), -1, "RTMIN+99 out of range");
	is_int(signal_parse("FOO", &err), -1, "unknown name");
	is_str(err.msg, "unknown signal \"FOO\"", "runc's unknown signal message");
	is_int(signal_parse("-9", &err), -1, "negative number");
	is_int(signal_parse("999", &err), -1, "number beyond NSIG");
	is_int(signal_parse("", &err), -1, "empty");
	is_str(signal_name(SIGTERM), "SIGTERM", "signal_name");
	ok(signal_name(0) == NULL && signal_name(200) == NULL, "signal_name out of range");
}

static void test_ids(void)
{
	char longid[1100];

	is_int(state_validate_id("abc", NULL), 0, "plain id");
	is_int(state_validate_id("A1.b_c+d-e", NULL), 0, "id with . _ + -");
	ok(state_validate_id("", NULL) < 0, "empty id refused");
	ok(state_validate_id(".", NULL) < 0 && state_validate_id("..", NULL) < 0, ". and .. refused");
	ok(state_validate_id("a/b", NULL) < 0, "slash refused");
	ok(state_validate_id("-a", NULL) < 0 && state_validate_id("_a", NULL) < 0,
	   "must start alphanumeric");
	ok(state_validate_id("a b", NULL) < 0 && state_validate_id("a\nb", NULL) < 0,
	   "whitespace refused");
	memset(longid, 'a', 255);
	longid[255] = '\0';
	is_int(state_validate_id(longid, NULL), 0, "255 bytes (NAME_MAX) allowed");
	longid[255] = 'a';
	longid[256] = '\0';
	ok(state_validate_id(longid, NULL) < 0, "256 bytes refused");
	struct ward_error err = { 0 };
	state_validate_id("a/b", &err);
	is_str(err.msg, "invalid container ID format", "runc's id message");
}

/* ---- JSON writer ---- */

static void test_jsonw(void)
{
	struct jsonw w;

	jsonw_init(&w, "  ");
	jsonw_obj_open(&w);
	jsonw_key(&w, "e");
	jsonw_obj_open(&w);
	jsonw_obj_close(&w);
	jsonw_key(&w, "l");
	jsonw_arr_open(&w);
	jsonw_int(&w, 1);
	jsonw_bool(&w, false);
	jsonw_null(&w);
	jsonw_arr_close(&w);
	jsonw_kv_str(&w, "s", "<a&b>\"\\\n\x01\xe2\x80\xa8\xff");
	jsonw_obj_close(&w);
	cleanup_free char *s = jsonw_finish(&w, NULL);
	is_str(s,
	       "{\n  \"e\": {},\n  \"l\": [\n    1,\n    false,\n    null\n  ],\n"
	       "  \"s\": \"\\u003ca\\u0026b\\u003e\\\"\\\\\\n\\u0001\\u2028\\ufffd\"\n}",
	       "Go MarshalIndent layout and escaping");
	jsonw_init(&w, NULL);
	jsonw_arr_open(&w);
	jsonw_arr_open(&w);
	jsonw_arr_close(&w);
	jsonw_kv_int(&w, "bad", 1); /* a key in an array: still produces text */
	jsonw_arr_close(&w);
	free(jsonw_finish(&w, NULL));
	jsonw_init(&w, NULL);
	jsonw_obj_open(&w);
	ok(jsonw_finish(&w, NULL) == NULL, "unbalanced document refused");
}

/* ---- state directory ---- */

static void fill_state(struct ward_state *st, const char *id, pid_t pid)
{
	static struct spec_kv kv[] = { { "a", "b" }, { "c", "<d>" } };

	memset(st, 0, sizeof(*st));
	st->id = (char *)id;
	st->pid = pid;
	st->pid_start = proc_start_time(pid);
	st->bundle = "/b/ü";
	st->rootfs = "/b/ü/rootfs";
	st->created = "2026-11-27T07:23:53.5661001Z";
	st->owner = "";
	st->cgroup = NULL;
	st->annotations.items = kv;
	st->annotations.len = 2;
}

static void test_state_files(const char *root)
{
	struct ward_error err = { 0 };
	struct ward_state in, out;

	int fd = state_dir_create(root, "c1", &err);
	ok(fd >= 0, "state_dir_create makes root and id dir");
	int fd2 = state_dir_create(root, "c1", &err);
	ok(fd2 < 0 && err.errnum == EEXIST, "duplicate id refused");
	is_str(err.msg, "container with id exists: c1", "duplicate message");
	ok(state_dir_create(root, "../x", &err) < 0, "bad id refused at create");
	ok(state_dir_open(root, "nope", &err) < 0 && err.errnum == ENOENT, "missing id");
	is_str(err.msg, "container does not exist", "runc's missing message");
	ok(state_dir_open("/nonexistent-ward-root", "c1", &err) < 0 && err.errnum == ENOENT,
	   "missing root reads as missing container");

	fill_state(&in, "c1", getpid());
	in.cgroup = cgroup_loc_uniform("/ward-test/c1", false);
	if (in.cgroup && in.cgroup->n > 0)
		in.cgroup->dirs[0].created = true;
	in.creating = true;
	in.systemd_cgroup = true;
	ok(state_write(fd, &in, &err) == 0, "state_write");
	ok(state_read(fd, &out, &err) == 0, "state_read: %s", err.msg);
	ok(strcmp(out.id, "c1") == 0 && out.pid == getpid() && out.pid_start == in.pid_start &&
		   strcmp(out.bundle, in.bundle) == 0 && strcmp(out.rootfs, in.rootfs) == 0 &&
		   strcmp(out.created, in.created) == 0 && strcmp(out.owner, "") == 0 &&
		   out.cgroup && strcmp(out.cgroup->path, "/ward-test/c1") == 0 && out.systemd_cgroup &&
		   out.cgroup->n == in.cgroup->n && out.creating &&
		   (out.cgroup->n == 0 || (out.cgroup->dirs[0].created &&
					   strcmp(out.cgroup->dirs[0].mnt, in.cgroup->dirs[0].mnt) == 0)) &&
		   !cgroup_owned(out.cgroup) == (out.cgroup->n > 1) &&
		   out.annotations.len == 2 && strcmp(out.annotations.items[1].value, "<d>") == 0,
	   "round trip keeps every field");
	state_clear(&out);
	cgroup_loc_free(in.cgroup);
	in.cgroup = NULL;
	in.creating = false;
	in.annotations.len = 0;
	state_write(fd, &in, &err);
	ok(state_read(fd, &out, &err) == 0 && out.cgroup == NULL && !out.creating && out.annotations.len == 0,
	   "round trip of absent fields");
	state_clear(&out);
	ok(faccessat(fd, ".state.json.tmp", F_OK, 0) < 0, "no temporary file left");

	char dir[512];
	snprintf(dir, sizeof(dir), "%s/c1", root);
	write_file(dir, "state.json", "{\"id\": 5}");
	ok(state_read(fd, &out, &err) < 0, "corrupt state.json refused: %s", err.msg);
	write_file(dir, "state.json", "{not json");
	ok(state_read(fd, &out, &err) < 0, "malformed state.json refused");
	state_write(fd, &in, &err);

	int lock = state_lock(fd, &err);
	ok(lock >= 0, "state_lock");
	pid_t child = fork();
	if (child == 0) {
		int l2 = openat(fd, "lock", O_RDWR | O_CLOEXEC);
		_exit(flock(l2, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK ? 0 : 1);
	}
	int ws;
	waitpid(child, &ws, 0);
	ok(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "the lock excludes another process");
	close(lock);

	/* listing: sorted, only valid directory names */
	close(state_dir_create(root, "b2", &err));
	close(state_dir_create(root, "a3", &err));
	write_file(root, "zfile", "x");
	char odd[512];
	snprintf(odd, sizeof(odd), "%s/.hidden", root);
	mkdir(odd, 0700);
	cleanup_strv char **ids = state_list_ids(root, &err);
	ok(ids && ids[0] && ids[1] && ids[2] && !ids[3] && strcmp(ids[0], "a3") == 0 &&
		   strcmp(ids[1], "b2") == 0 && strcmp(ids[2], "c1") == 0,
	   "state_list_ids sorted, skips files and invalid names");
	rmdir(odd);
	snprintf(odd, sizeof(odd), "%s/zfile", root);
	unlink(odd);
	cleanup_strv char **none = state_list_ids("/nonexistent-ward-root", &err);
	ok(none && none[0] == NULL, "missing root lists nothing");

	mkdir(strcat(dir, "/sub"), 0700);
	ok(state_remove(root, "c1", &err) == 0 && state_dir_open(root, "c1", &err) < 0,
	   "state_remove removes the tree");
	ok(state_remove(root, "c1", &err) == 0, "state_remove of a missing id is fine");
	state_remove(root, "a3", &err);
	state_remove(root, "b2", &err);
	close(fd);
}

static void test_oci_json(void)
{
	struct ward_state st;

	fill_state(&st, "x1", 4242);
	cleanup_free char *pretty = state_oci_json(&st, STATUS_RUNNING, true, true);
	is_str(pretty,
	       "{\n  \"ociVersion\": \"1.3.0\",\n  \"id\": \"x1\",\n  \"pid\": 4242,\n"
	       "  \"status\": \"running\",\n  \"bundle\": \"/b/ü\",\n  \"rootfs\": \"/b/ü/rootfs\",\n"
	       "  \"created\": \"2026-11-27T07:23:53.5661001Z\",\n  \"annotations\": {\n"
	       "    \"a\": \"b\",\n    \"c\": \"\\u003cd\\u003e\"\n  },\n  \"owner\": \"\"\n}",
	       "runc state layout");
	cleanup_free char *stopped = state_oci_json(&st, STATUS_STOPPED, true, false);
	ok(stopped && strstr(stopped, "\"pid\":0,\"status\":\"stopped\""), "stopped reports pid 0");
	st.annotations.len = 0;
	cleanup_free char *oci = state_oci_json(&st, STATUS_CREATED, false, false);
	is_str(oci,
	       "{\"ociVersion\":\"1.3.0\",\"id\":\"x1\",\"status\":\"created\",\"pid\":4242,"
	       "\"bundle\":\"/b/ü\"}",
	       "OCI state for hooks: no runc fields, no empty annotations");
	cleanup_free char *oci_stopped = state_oci_json(&st, STATUS_STOPPED, false, false);
	ok(oci_stopped && !strstr(oci_stopped, "\"pid\""), "OCI state omits pid once stopped");

	cleanup_free char *ts = state_timestamp_now();
	ok(ts && strlen(ts) >= 20 && ts[4] == '-' && ts[10] == 'T' && ts[strlen(ts) - 1] == 'Z' &&
		   (strlen(ts) == 20 || (ts[19] == '.' && ts[strlen(ts) - 2] != '0')),
	   "timestamp in RFC3339Nano form: %s", ts);
}

/* ---- status with real processes ---- */

static void test_status(const char *root)
{
	struct ward_error err = { 0 };
	struct ward_state st;
	int fd = state_dir_create(root, "live", &err);
	pid_t child = spawn_sleeper();

	fill_state(&st, "live", child);
	ok(st.pid_start != 0, "proc_start_time of a live child");
	is_int(state_status(fd, &st), STATUS_RUNNING, "live pid: running");
	mkfifoat(fd, "exec.fifo", 0600);
	is_int(state_status(fd, &st), STATUS_CREATED, "exec.fifo present: created");
	unlinkat(fd, "exec.fifo", 0);
	st.pid_start++;
	is_int(state_status(fd, &st), STATUS_STOPPED, "recycled pid (other start time): stopped");
	ok(proc_signal(child, st.pid_start, SIGKILL, &err) < 0 && err.errnum == ESRCH,
	   "proc_signal refuses a pid with the wrong start time");
	ok(proc_alive(child, 0), "...and the process was not signalled");
	st.pid_start--;
	ok(proc_signal(child, st.pid_start, SIGKILL, &err) == 0, "proc_signal with the right start");
	ok(proc_wait_exit(child, st.pid_start, 2000, &err) == 0, "proc_wait_exit sees the exit");
	is_int(state_status(fd, &st), STATUS_STOPPED, "zombie: stopped");
	waitpid(child, NULL, 0);
	is_int(state_status(fd, &st), STATUS_STOPPED, "reaped: stopped");
	is_int((long long)proc_start_time(child), 0, "no start time once gone");
	st.pid = 0;
	is_int(state_status(fd, &st), STATUS_STOPPED, "pid 0: stopped");

	child = spawn_sleeper();
	unsigned long long start = proc_start_time(child);
	long long t0 = time(NULL);
	ok(proc_wait_exit(child, start, 200, &err) < 0 && err.errnum == ETIMEDOUT,
	   "proc_wait_exit times out on a live process");
	ok(time(NULL) - t0 < 3, "...promptly");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(fd);
	state_remove(root, "live", &err);
}

/* ---- hooks ---- */

static struct spec_hook mkhook(char **args, char **env, int timeout)
{
	struct spec_hook h = { .path = "/bin/sh" };
	size_t n = 0;

	while (args[n])
		n++;
	h.args.items = args;
	h.args.len = n;
	if (env) {
		n = 0;
		while (env[n])
			n++;
		h.env.items = env;
		h.env.len = n;
	}
	if (timeout) {
		h.timeout.set = true;
		h.timeout.value = timeout;
	}
	return h;
}

static void test_hooks(void)
{
	struct ward_error err = { 0 };
	char cmd[512], out[300];
	const char *state = "{\"ociVersion\":\"1.3.0\",\"id\":\"h\",\"status\":\"stopped\"}";

	snprintf(out, sizeof(out), "%s/hook-stdin", tmpdir);
	snprintf(cmd, sizeof(cmd), "cat > %s", out);
	char *a1[] = { "sh", "-c", cmd, NULL };
	char *e1[] = { "FOO=bar", NULL };
	char *a2[] = { "sh", "-c", "[ \"$FOO\" = bar ] && [ -z \"$HOME\" ]", NULL };
	struct spec_hook hs[] = { mkhook(a1, NULL, 5), mkhook(a2, e1, 0) };
	struct spec_hook_list list = { hs, 2 };
	ok(hooks_run(&list, "poststop", state, NULL, &err) == 0, "hooks run in order: %s", err.msg);
	cleanup_free char *got = read_path(out);
	is_str(got, state, "the hook read the state on stdin");

	char *a3[] = { "sh", "-c", "echo out; echo boom >&2; exit 3", NULL };
	struct spec_hook h3 = mkhook(a3, NULL, 0);
	struct spec_hook_list l3 = { &h3, 1 };
	ok(hooks_run(&l3, "prestart", state, NULL, &err) < 0, "failing hook fails");
	ok(strstr(err.msg, "prestart hook #0") && strstr(err.msg, "exit status 3") &&
		   strstr(err.msg, "stderr: boom") && strstr(err.msg, "stdout: out"),
	   "error names the hook, status and output: %s", err.msg);

	signal(SIGCHLD, SIG_IGN);
	ok(hooks_run(&l3, "prestart", state, NULL, &err) < 0 && strstr(err.msg, "exit status 3"),
	   "exit status collected even with SIGCHLD ignored by the caller");
	signal(SIGCHLD, SIG_DFL);

	char *a4[] = { "sh", "-c", "sleep 10", NULL };
	struct spec_hook h4 = mkhook(a4, NULL, 1);
	struct spec_hook_list l4 = { &h4, 1 };
	time_t t0 = time(NULL);
	ok(hooks_run(&l4, "createRuntime", state, NULL, &err) < 0 && err.errnum == ETIMEDOUT,
	   "timed-out hook fails");
	ok(time(NULL) - t0 <= 3, "...after about its timeout");
	ok(strstr(err.msg, "timed out after 1 seconds") != NULL, "timeout message: %s", err.msg);

	/* A leaked (non-CLOEXEC) descriptor must not reach the hook. */
	int leak = dup2(STDERR_FILENO, 47);
	char *a5[] = { "sh", "-c", "[ ! -e /proc/self/fd/47 ]", NULL };
	struct spec_hook h5 = mkhook(a5, NULL, 5);
	struct spec_hook_list l5 = { &h5, 1 };
	ok(leak == 47 && hooks_run(&l5, "poststart", state, NULL, &err) == 0,
	   "hooks do not inherit ward's descriptors");
	close(47);

	/* Ignored signals are inherited across exec unless reset. */
	signal(SIGTERM, SIG_IGN);
	char *a6[] = { "sh", "-c", "kill -TERM $$; sleep 1; exit 0", NULL };
	struct spec_hook h6 = mkhook(a6, NULL, 5);
	struct spec_hook_list l6 = { &h6, 1 };
	ok(hooks_run(&l6, "poststart", state, NULL, &err) < 0 && strstr(err.msg, "killed by signal 15"),
	   "hooks start with default signal dispositions: %s", err.msg);
	signal(SIGTERM, SIG_DFL);

	struct spec_hook h7 = { .path = "/nonexistent/hook" };
	struct spec_hook_list l7 = { &h7, 1 };
	ok(hooks_run(&l7, "poststop", state, NULL, &err) < 0 && strstr(err.msg, "exit status 127") &&
		   strstr(err.msg, "cannot execute hook"),
	   "missing hook binary: %s", err.msg);

	/* A hook that ignores stdin entirely, with a large state. */
	char *big = malloc(300000);
	memset(big, 'x', 299999);
	big[299999] = '\0';
	char *a8[] = { "sh", "-c", "exit 0", NULL };
	struct spec_hook h8 = mkhook(a8, NULL, 5);
	struct spec_hook_list l8 = { &h8, 1 };
	ok(hooks_run(&l8, "poststop", big, NULL, &err) == 0, "hook not reading stdin: %s", err.msg);
	free(big);
	ok(hooks_run(NULL, "poststop", state, NULL, &err) == 0, "no hooks is fine");

	/* The caller chooses the hook's directory and default environment. */
	char dir[PATH_MAX], want[PATH_MAX + 8];
	ok(realpath(tmpdir, dir) != NULL, "tmpdir resolves");
	snprintf(want, sizeof(want), "WANT=%s", dir);
	char *env9[] = { want, NULL };
	char *a9[] = { "sh", "-c", "[ \"$(pwd -P)\" = \"$WANT\" ] && [ -z \"$HOME\" ]", NULL };
	struct spec_hook h9 = mkhook(a9, NULL, 5);
	struct spec_hook_list l9 = { &h9, 1 };
	struct hook_ctx ctx = { .cwd = dir, .env = env9 };
	ok(hooks_run(&l9, "createContainer", state, &ctx, &err) == 0,
	   "hook runs in the given directory with the given environment: %s", err.msg);
	/* A bundle removed before poststop: the hook runs where we are. */
	char *a10[] = { "sh", "-c", "true", NULL };
	struct spec_hook h10 = mkhook(a10, NULL, 5);
	struct spec_hook_list l10 = { &h10, 1 };
	struct hook_ctx gone = { .cwd = "/nonexistent/bundle" };
	ok(hooks_run(&l10, "poststop", state, &gone, &err) == 0, "missing directory tolerated: %s",
	   err.msg);
	struct hook_ctx notdir = { .cwd = "/dev/null" };
	ok(hooks_run(&l10, "poststop", state, &notdir, &err) < 0 &&
		   strstr(err.msg, "cannot change to the hook's directory"),
	   "a directory that cannot be entered fails the hook: %s", err.msg);
}

/* ---- logging ---- */

static int log_some_error(void *arg)
{
	struct ward_error e = { 0 };

	ward_error_set(&e, 0, "%s", (const char *)arg);
	ward_log_error(&e);
	ward_warn("a warning");
	ward_debug("hidden debug");
	return 0;
}

static void test_log(void)
{
	char path[300];
	struct ward_error err = { 0 };
	int r;

	snprintf(path, sizeof(path), "%s/log.json", tmpdir);
	ok(ward_log_init(path, true, false, &err) == 0, "log init (json, file)");
	ok(ward_log_fd() >= 0 && (fcntl(ward_log_fd(), F_GETFD) & FD_CLOEXEC), "log fd is CLOEXEC");
	cleanup_free char *se = capture_fd(STDERR_FILENO, log_some_error, "bad \"thing\"\n", &r);
	is_str(se, "bad \"thing\"\n\n", "with --log stderr gets the bare message");
	cleanup_free char *lf = read_path(path);
	static const char rec[] = "{\"level\":\"error\",\"msg\":\"bad \\\"thing\\\"\\n\",\"time\":\"";
	ok(strncmp(lf, rec, strlen(rec)) == 0,
	   "JSON error record");
	char *second = strchr(lf, '\n');
	ok(second && strncmp(second + 1, "{\"level\":\"warning\",\"msg\":\"a warning\"", 36) == 0 &&
		   !strstr(lf, "hidden"),
	   "warning logged, debug filtered");
	struct stat sb;
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0644, "log file mode 0644");

	/* text format to stderr only */
	snprintf(path, sizeof(path), "%s/log.txt", tmpdir);
	ward_log_init(NULL, false, true, &err);
	cleanup_free char *t = capture_fd(STDERR_FILENO, log_some_error, "one two", &r);
	ok(strncmp(t, "time=\"", 6) == 0 && strstr(t, "\" level=error msg=\"one two\"\n") &&
		   strstr(t, "level=warning msg=\"a warning\"") && strstr(t, "level=debug"),
	   "text records once on stderr without --log");
	cleanup_free char *t2 = capture_fd(STDERR_FILENO, log_some_error, "single", &r);
	ok(strstr(t2, "level=error msg=single\n") != NULL, "logrus leaves plain words unquoted");
	ward_log_init(NULL, false, false, &err);
}

/* ---- commands ---- */

static void test_commands(const char *root)
{
	struct ward_globals g = { .root = root };
	struct ward_error err = { 0 };
	struct ward_state st;
	int r;

	cleanup_free char *empty = run_cmd(cmd_list, &g, &r, NULL);
	is_str(empty, "ID          PID         STATUS      BUNDLE      CREATED     OWNER\n",
	       "empty list: runc's header");
	cleanup_free char *ej = run_cmd(cmd_list, &g, &r, "-f", "json", NULL);
	is_str(ej, "null\n", "empty json list is null");

	pid_t child = spawn_sleeper();
	int fd = state_dir_create(root, "web1", &err);
	fill_state(&st, "web1", child);
	st.bundle = "/tmp/b";
	st.rootfs = "/tmp/b/rootfs";
	state_write(fd, &st, &err);
	int fd2 = state_dir_create(root, "db", &err);
	fill_state(&st, "db", getpid());
	st.pid_start++; /* a recycled pid: stopped */
	st.bundle = "/srv/bundles/database";
	st.annotations.len = 0;
	state_write(fd2, &st, &err);

	cleanup_free char *table = run_cmd(cmd_list, &g, &r, NULL);
	/* columns: max(12, widest cell + 3); the last one unpadded */
	char expect[1024], pidstr[16];
	const char *ts = "2026-11-27T07:23:53.5661001Z";
	snprintf(pidstr, sizeof(pidstr), "%d", (int)child);
	snprintf(expect, sizeof(expect),
		 "%-12s%-12s%-12s%-24s%-31s%s\n%-12s%-12s%-12s%-24s%-31s%s\n%-12s%-12s%-12s%-24s%-31s%s\n",
		 "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER",
		 "db", "0", "stopped", "/srv/bundles/database", ts, "root",
		 "web1", pidstr, "running", "/tmp/b", ts, "root");
	is_str(table, expect, "table aligned like runc's tabwriter");
	cleanup_free char *q = run_cmd(cmd_list, &g, &r, "-q", NULL);
	is_str(q, "db\nweb1\n", "list -q");
	cleanup_free char *js = run_cmd(cmd_list, &g, &r, "--format=json", NULL);
	ok(r == 0 && js[0] == '[' && strstr(js, "\"id\":\"web1\"") &&
		   strstr(js, "\"owner\":\"root\"}]\n") && strstr(js, "\"status\":\"stopped\""),
	   "list json: one line, owner resolved");
	cleanup_free char *bad = run_cmd(cmd_list, &g, &r, "-f", "xml", NULL);
	is_int(r, 1, "invalid format fails");

	cleanup_free char *sj = run_cmd(cmd_state, &g, &r, "web1", NULL);
	ok(r == 0 && strncmp(sj, "{\n  \"ociVersion\": \"1.3.0\",\n  \"id\": \"web1\",\n", 42) == 0 &&
		   sj[strlen(sj) - 1] == '}',
	   "state prints runc's JSON without a trailing newline");
	cleanup_free char *sm = run_cmd(cmd_state, &g, &r, "missing", NULL);
	is_int(r, 1, "state of a missing container fails");

	/* kill */
	cleanup_free char *k1 = run_cmd(cmd_kill, &g, &r, "db", NULL);
	is_int(r, 1, "kill on a stopped container fails (container not running)");
	cleanup_free char *k2 = run_cmd(cmd_kill, &g, &r, "web1", "BOGUS", NULL);
	is_int(r, 1, "kill with an unknown signal fails");
	cleanup_free char *k3 = run_cmd(cmd_kill, &g, &r, "web1", "USR1", NULL);
	int ws = 0;
	waitpid(child, &ws, 0);
	ok(r == 0 && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGUSR1, "kill delivers the named signal");

	/* delete */
	cleanup_free char *d0 = run_cmd(cmd_delete, &g, &r, "nope", NULL);
	is_int(r, 1, "delete of a missing container fails");
	cleanup_free char *d1 = run_cmd(cmd_delete, &g, &r, "--force", "nope", NULL);
	is_int(r, 0, "delete --force of a missing container succeeds");

	child = spawn_sleeper();
	fill_state(&st, "web1", child);
	state_write(fd, &st, &err);
	cleanup_free char *d2 = run_cmd(cmd_delete, &g, &r, "web1", NULL);
	ok(r == 1 && proc_alive(child, 0), "delete of a running container needs --force");
	mkfifoat(fd, "exec.fifo", 0600);
	cleanup_free char *d3 = run_cmd(cmd_delete, &g, &r, "web1", NULL);
	ok(r == 0 && !proc_alive(child, 0) && state_dir_open(root, "web1", &err) < 0,
	   "delete of a created container kills init and removes the state");
	waitpid(child, NULL, 0);

	/* poststop hooks from the saved config, for a stopped container */
	char hook_out[300], cfg[1024];
	snprintf(hook_out, sizeof(hook_out), "%s/poststop.out", tmpdir);
	snprintf(cfg, sizeof(cfg),
		 "{\"ociVersion\":\"1.3.0\",\"hooks\":{\"poststop\":[{\"path\":\"/bin/sh\","
		 "\"args\":[\"sh\",\"-c\",\"cat > %s\"]},{\"path\":\"/bin/false\"}]}}",
		 hook_out);
	char dbdir[512];
	snprintf(dbdir, sizeof(dbdir), "%s/db", root);
	write_file(dbdir, "config.json", cfg);
	cleanup_free char *d4 = run_cmd(cmd_delete, &g, &r, "db", NULL);
	cleanup_free char *hs = read_path(hook_out);
	ok(r == 0 && state_dir_open(root, "db", &err) < 0, "delete of a stopped container");
	ok(strstr(hs, "\"id\":\"db\"") && strstr(hs, "\"status\":\"stopped\""),
	   "poststop hook got the stopped state: %s", hs);
	close(fd);
	close(fd2);

	/* spec */
	char bundle[300];
	snprintf(bundle, sizeof(bundle), "%s/bundle", tmpdir);
	mkdir(bundle, 0755);
	cleanup_free char *s1 = run_cmd(cmd_spec, &g, &r, "-b", bundle, NULL);
	char cfgpath[400];
	snprintf(cfgpath, sizeof(cfgpath), "%s/config.json", bundle);
	cleanup_spec struct spec *sp = spec_parse_file(cfgpath, &err);
	ok(r == 0 && sp && sp->process && sp->root, "spec writes a parsable config.json");
	cleanup_free char *s2 = run_cmd(cmd_spec, &g, &r, "--bundle", bundle, NULL);
	is_int(r, 1, "spec refuses to overwrite config.json");
	unlink(cfgpath);
	rmdir(bundle);

	/* features */
	cleanup_free char *fj = run_cmd(cmd_features, &g, &r, NULL);
	char ebuf[128];
	yajl_val doc = yajl_tree_parse(fj, ebuf, sizeof(ebuf));
	const char *p_max[] = { "ociVersionMax", NULL };
	const char *p_ns[] = { "linux", "namespaces", NULL };
	const char *p_sd[] = { "linux", "cgroup", "systemd", NULL };
	const char *p_mo[] = { "mountOptions", NULL };
	yajl_val vmax = doc ? yajl_tree_get(doc, p_max, yajl_t_string) : NULL;
	yajl_val vns = doc ? yajl_tree_get(doc, p_ns, yajl_t_array) : NULL;
	ok(r == 0 && vmax && strcmp(vmax->u.string, "1.3.0") == 0 && vns && vns->u.array.len == 8 &&
		   YAJL_IS_FALSE(yajl_tree_get(doc, p_sd, yajl_t_any)) &&
		   yajl_tree_get(doc, p_mo, yajl_t_array),
	   "features document");
	if (doc)
		yajl_tree_free(doc);
}

/* ---- cgroups (under /ward-test only) ---- */

static void loc_freep(struct cgroup_loc **cg)
{
	cgroup_loc_free(*cg);
}
#define cleanup_loc __attribute__((cleanup(loc_freep)))

static void test_cgroups(void)
{
	struct ward_error err = { 0 };
	char pathbuf[128];
	struct spec s = { 0 };
	struct spec_linux l = { 0 };

	s.linux = &l;
	l.cgroups_path = "/ward-test/../../a/./b/";
	cleanup_loc struct cgroup_loc *l1 = cgroup_resolve(&s, "id");
	is_str(l1 ? l1->path : NULL, "/a/b", "absolute cgroupsPath cleaned, cannot climb above /");
	ok(l1 && !cgroup_owned(l1), "nothing is marked created before it is made");
	l.cgroups_path = NULL;
	cleanup_loc struct cgroup_loc *l2 = cgroup_resolve(&s, "myid");
	bool all_myid = l2 != NULL;
	for (size_t i = 0; l2 && i < l2->n; i++) {
		const char *q = l2->dirs[i].path;
		all_myid &= q[0] == '/' && strlen(q) >= 5 && strcmp(q + strlen(q) - 5, "/myid") == 0;
	}
	ok(all_myid, "default path is <own cgroup>/<id> in every hierarchy: %s",
	   l2 ? l2->path : "");
	l.cgroups_path = "../../../../x";
	cleanup_loc struct cgroup_loc *l3 = cgroup_resolve(&s, "id");
	is_str(l3 ? l3->path : NULL, "/x", "relative .. stops at the root");
	cleanup_loc struct cgroup_loc *l4 = cgroup_loc_uniform("/ward-test/a", true);
	ok(l4 && cgroup_loc_descend(l4, NULL, "../b", &err) < 0 &&
		   strcmp(err.msg, "../b is not a sub cgroup path") == 0,
	   "exec --cgroup: no way out of the container's cgroup: %s", err.msg);
	ok(l4 && cgroup_loc_descend(l4, "no-such-ctrl", "x", &err) < 0 &&
		   strcmp(err.msg, "unknown controller no-such-ctrl in SubCgroupPaths") == 0,
	   "exec --cgroup: unknown controller: %s", err.msg);
	ok(cgroup_check_driver(true, &err) < 0 &&
		   (access("/run/systemd/system", F_OK) == 0 ||
		    strcmp(err.msg, "systemd cgroup driver requested but systemd is not running") == 0),
	   "--systemd-cgroup refused: %s", err.msg);
	cleanup_loc struct cgroup_loc *rootcg = cgroup_loc_uniform("/", true);
	ok(cgroup_create(rootcg, &err) < 0 && cgroup_destroy(rootcg, &err) < 0 &&
		   cgroup_signal_all(rootcg, SIGKILL, &err) < 0,
	   "the root cgroup is never used");

	enum cgroup_mode mode = cgroup_detect_mode();
	diag("cgroup mode: %s", cgroup_mode_name(mode));
	if (geteuid() != 0 || mode == CGROUP_MODE_NONE) {
		ok(1, "# SKIP cgroup membership tests need root and cgroups");
		return;
	}
	snprintf(pathbuf, sizeof(pathbuf), "/ward-test/unit-%d/c", (int)getpid());
	cleanup_loc struct cgroup_loc *path = cgroup_loc_uniform(pathbuf, false);
	ok(cgroup_prepare(path, &err) == 0 && cgroup_owned(path), "cgroup_prepare: %s", err.msg);
	ok(cgroup_create(path, &err) == 0, "cgroup_create %s: %s", pathbuf, err.msg);
	ok(cgroup_exists(path), "cgroup_exists");
	pid_t child = spawn_sleeper();
	ok(cgroup_join(path, child, &err) == 0, "cgroup_join: %s", err.msg);
	size_t n = 0;
	cleanup_free pid_t *pids = cgroup_pids(path, &n, &err);
	ok(pids && n == 1 && pids[0] == child, "cgroup_pids lists the member");
	const char *mem = cgroup_mountpoint("memory");
	if (mem) {
		char procs[512];
		snprintf(procs, sizeof(procs), "%s%s/cgroup.procs", mem, pathbuf);
		cleanup_free char *content = read_path(procs);
		is_int(atoi(content), child, "joined in the memory hierarchy too");
	}
	ok(!cgroup_is_frozen(path), "not frozen");
	ok(cgroup_set_frozen(path, true, &err) == 0 && cgroup_is_frozen(path), "freeze: %s", err.msg);
	ok(cgroup_set_frozen(path, false, &err) == 0 && !cgroup_is_frozen(path), "thaw");
	ok(cgroup_destroy(path, &err) < 0, "a populated cgroup is not removed");
	cleanup_loc struct cgroup_loc *again = cgroup_loc_uniform(pathbuf, false);
	ok(cgroup_prepare(again, &err) < 0 &&
		   strstr(err.msg, "container's cgroup is not empty: 1 process(es) found"),
	   "an existing cgroup with a process in it is refused: %s", err.msg);
	cgroup_set_frozen(path, true, &err);
	ok(cgroup_signal_all(path, SIGKILL, &err) == 0, "signal_all SIGKILL: %s", err.msg);
	int ws = 0;
	waitpid(child, &ws, 0);
	ok(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "the frozen member died");
	ok(!cgroup_is_frozen(path), "thawed after SIGKILL");

	child = spawn_sleeper();
	cgroup_join(path, child, &err);
	ok(cgroup_signal_all(path, SIGUSR2, &err) == 0, "signal_all SIGUSR2");
	waitpid(child, &ws, 0);
	ok(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGUSR2 && !cgroup_is_frozen(path),
	   "non-KILL signal delivered, cgroup back to thawed");

	char sub[160];
	snprintf(sub, sizeof(sub), "%s/nested", pathbuf);
	cleanup_loc struct cgroup_loc *subcg = cgroup_loc_uniform(sub, true);
	cgroup_create(subcg, &err);
	ok(cgroup_destroy(path, &err) == 0 && !cgroup_exists(path),
	   "cgroup_destroy removes the cgroup and its children: %s", err.msg);
	ok(cgroup_destroy(path, &err) == 0, "destroying twice is fine");
	size_t n2 = 5;
	cleanup_free pid_t *none = cgroup_pids(path, &n2, &err);
	ok(none && n2 == 0, "no pids once gone");

	/* test cleanup: the per-run parent (ours, recursively), then the shared
	 * ward-test parent only if it is empty (plain rmdir) */
	snprintf(pathbuf, sizeof(pathbuf), "/ward-test/unit-%d", (int)getpid());
	cleanup_loc struct cgroup_loc *top = cgroup_loc_uniform(pathbuf, true);
	ok(cgroup_destroy(top, &err) == 0, "test cgroups removed");
	static const char *const hier[] = { "", "cpu", "cpuacct", "cpuset", "memory", "devices",
					    "freezer", "blkio", "pids", "perf_event", "net_cls",
					    "hugetlb", "rdma", "misc", "name=systemd" };
	for (size_t i = 0; i < sizeof(hier) / sizeof(hier[0]); i++) {
		const char *m = cgroup_mountpoint(hier[i]);
		char d[512];
		if (!m)
			continue;
		snprintf(d, sizeof(d), "%s/ward-test", m);
		rmdir(d);
	}
}

/* delete --force and kill --all on a "running" container made of real
 * processes in a real cgroup (the container is faked: no namespaces). */
static void test_force_delete(const char *root)
{
	struct ward_globals g = { .root = root };
	struct ward_error err = { 0 };
	struct ward_state st;
	char pathbuf[128];
	int r, ws;

	if (geteuid() != 0 || cgroup_detect_mode() == CGROUP_MODE_NONE) {
		ok(1, "# SKIP needs root and cgroups");
		return;
	}
	snprintf(pathbuf, sizeof(pathbuf), "/ward-test/unit-%d/df", (int)getpid());
	cleanup_loc struct cgroup_loc *path = cgroup_loc_uniform(pathbuf, true);
	pid_t init = spawn_sleeper(), other = spawn_sleeper();
	cgroup_create(path, &err);
	cgroup_join(path, init, &err);
	cgroup_join(path, other, &err);
	int fd = state_dir_create(root, "df", &err);
	fill_state(&st, "df", init);
	st.cgroup = path;
	state_write(fd, &st, &err);
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/df", root);
	write_file(dir, "config.json", "{\"ociVersion\":\"1.3.0\"}");

	cleanup_free char *k = run_cmd(cmd_kill, &g, &r, "--all", "df", "USR1", NULL);
	waitpid(other, &ws, 0);
	ok(r == 0 && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGUSR1, "kill --all reaches every member");
	waitpid(init, &ws, 0);
	init = spawn_sleeper();
	other = spawn_sleeper();
	cgroup_join(path, init, &err);
	cgroup_join(path, other, &err);
	fill_state(&st, "df", init);
	st.cgroup = path;
	state_write(fd, &st, &err);

	cgroup_set_frozen(path, true, &err);
	cleanup_free char *l = run_cmd(cmd_list, &g, &r, "-q", NULL);
	cleanup_free char *sj = run_cmd(cmd_state, &g, &r, "df", NULL);
	ok(strstr(sj, "\"status\": \"paused\"") != NULL, "frozen cgroup: paused");
	cleanup_free char *d1 = run_cmd(cmd_delete, &g, &r, "df", NULL);
	ok(r == 1 && proc_alive(init, 0), "paused container not deleted without --force");
	cleanup_free char *d2 = run_cmd(cmd_delete, &g, &r, "-f", "df", NULL);
	waitpid(init, &ws, 0);
	int ws2;
	waitpid(other, &ws2, 0);
	ok(r == 0 && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL && WIFSIGNALED(ws2) &&
		   WTERMSIG(ws2) == SIGKILL,
	   "delete --force kills init and the rest of the cgroup");
	ok(!cgroup_exists(path) && state_dir_open(root, "df", &err) < 0,
	   "cgroup and state are gone");
	close(fd);
}

static int remove_tree(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(void)
{
	char root[300];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(root, sizeof(root), "%s/root", tmpdir);
	test_cli_parse();
	test_signals();
	test_ids();
	test_jsonw();
	test_state_files(root);
	test_oci_json();
	test_status(root);
	test_hooks();
	test_log();
	test_commands(root);
	test_force_delete(root);
	test_cgroups();
	remove_tree(tmpdir);
	return tap_done();
}
