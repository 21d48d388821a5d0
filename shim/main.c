/* containerd-shim-ward-v2: the binary contract of a containerd v2 shim.
 *   start   pick (or reuse) the pod's socket, daemonize, print the address
 *   delete  clean up after a container whose shim is gone
 *   -v      version
 * The daemon serves the Task API over ttrpc until Shutdown. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <yajl/yajl_tree.h>

#define SOCKET_DIR "/run/containerd/s"

const char *shim_namespace = "default", *shim_address = "", *shim_id = "", *ttrpc_address, *shim_socket_path;
static const char *bundle_flag, *publish_binary;

static void usage(void)
{
	fprintf(stderr, "usage: containerd-shim-ward-v2 [-namespace NS] [-address ADDR] [-id ID] [-bundle DIR] [-debug] start|delete|-v\n");
	exit(2);
}

/* the pod a container belongs to: one shim serves all of its containers */
static char *group_id(const char *id)
{
	_cleanup_free_ char *cfg = read_file_str("config.json", 16 << 20);
	const char *path[] = { "annotations", "io.kubernetes.cri.sandbox-id", NULL };
	yajl_val v, s;
	char *out = NULL;
	if (cfg && (v = yajl_tree_parse(cfg, NULL, 0))) {
		s = yajl_tree_get(v, path, yajl_t_string);
		if (s && *s->u.string)
			out = strdup(s->u.string);
		yajl_tree_free(v);
	}
	return out ? out : strdup(id);
}

static int sock_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
		return fd;
	closep(&fd);
	return -1;
}

/* stdin: the runtime options as a serialized Any (or nothing); read to EOF */
static Wshim__Any *read_options_any(void)
{
	size_t len = 0, cap = 4096;
	uint8_t *buf = malloc(cap);
	Wshim__Any *any = NULL;
	ssize_t n;
	while (buf && (n = read(0, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			uint8_t *nb = cap < (16u << 20) ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				/* too big to be options: drain and ignore */
				char sink[4096];
				while (read(0, sink, sizeof sink) > 0)
					;
				len = 0;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf && len)
		any = wshim__any__unpack(NULL, len, buf);
	free(buf);
	return any;
}

static void read_start_options(struct shim_opts *o)
{
	Wshim__Any *any = read_options_any();
	if (any) {
		opts_parse(any, o);
		wshim__any__free_unpacked(any, NULL);
	}
}

static int serve(int lfd)
{
	if (loop_init() < 0) {
		log_error("event loop: %s", strerror(errno));
		return 1;
	}
	events_init();
	ttrpc_listen(lfd);
	log_info("serving on %s", shim_socket_path);
	loop_run();
	unlink(shim_socket_path);
	log_info("shim exits");
	return 0;
}

static int cmd_start(void)
{
	_cleanup_free_ char *group = group_id(shim_id), *key = NULL, *path = NULL, *addr = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	__attribute__((cleanup(opts_free))) struct shim_opts opts = { 0 };
	char hex[65];
	int fd;
	pid_t pid;

	read_start_options(&opts);
	key = xasprintf("%s/%s/%s", shim_address, shim_namespace, group);
	sha256_hex(key, strlen(key), hex);
	path = xasprintf("%s/%s", SOCKET_DIR, hex);
	addr = xasprintf("unix://%s", path);
	shim_socket_path = path;

	fd = sock_connect(path);
	if (fd >= 0) {
		/* the pod's shim is already running: share it */
		close(fd);
		write_file_str("address", addr, strlen(addr));
		fputs(addr, stdout);
		return 0;
	}
	unlink(path);
	mkdir("/run/containerd", 0711);
	mkdir(SOCKET_DIR, 0711);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || chmod(path, 0600) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, "listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		int null, log;
		setsid();
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		/* nothing containerd's environment left open stays with us */
		if (fd > 3)
			close_range(3, (unsigned)fd - 1, 0);
		close_range((unsigned)fd + 1, ~0u, 0);
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		/* containerd reads the log FIFO; O_RDWR never blocks and keeps
		 * our writes from failing while containerd restarts */
		log = open("log", O_RDWR | O_NONBLOCK | O_CLOEXEC);
		dup2(null, 0);
		dup2(null, 1);
		dup2(log >= 0 ? log : null, 2);
		closep(&null);
		closep(&log);
		if (chdir("/") < 0)
			_exit(1);
		_exit(serve(fd));
	}
	close(fd);
	if (opts.shim_cgroup) {
		_cleanup_free_ char *err = NULL;
		if (shim_cgroup_join(pid, opts.shim_cgroup, &err) < 0) {
			fprintf(stderr, "failed to join the shim cgroup: %s\n", err);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			unlink(path);
			return 1;
		}
	}
	write_file_str("address", addr, strlen(addr));
	fputs(addr, stdout);
	return 0;
}

/* a shim that was killed leaves its socket: remove it once nothing answers
 * there (a pod's shim still serving other containers keeps it) */
static void remove_dead_socket(const char *bundle)
{
	_cleanup_free_ char *file = xasprintf("%s/address", bundle);
	_cleanup_free_ char *addr = read_file_str(file, 4096);
	const char *path;
	int fd;
	if (!addr || strncmp(addr, "unix://" SOCKET_DIR "/", strlen("unix://" SOCKET_DIR "/")))
		return;
	path = addr + strlen("unix://");
	if (strchr(path + strlen(SOCKET_DIR) + 1, '/'))
		return;
	fd = sock_connect(path);
	if (fd >= 0) {
		close(fd);
		return;
	}
	if (errno == ECONNREFUSED)
		unlink(path);
}

static int cmd_delete(void)
{
	struct container ct = { 0 };
	_cleanup_free_ char *cwd = getcwd(NULL, 0), *opts = NULL, *binary = NULL, *root = NULL, *policy = NULL;
	const char *args[] = { "delete", "--force", shim_id, NULL };
	int none[3] = { -1, -1, -1 };
	struct rt_result res;
	Wshim__DeleteResponse resp = WSHIM__DELETE_RESPONSE__INIT;
	Wshim__Timestamp ts = WSHIM__TIMESTAMP__INIT;
	uint8_t buf[64];
	size_t n;

	ct.bundle = (char *)(bundle_flag ? bundle_flag : cwd);
	ct.id = (char *)shim_id;
	{
		_cleanup_free_ char *p = xasprintf("%s/ward-shim.opts", ct.bundle);
		opts = read_file_str(p, 8192);
	}
	/* BINARY\nROOT\nPOLICY\n as Create wrote them (POLICY may be empty) */
	if (opts) {
		char *rest = opts, *line[3] = { NULL, NULL, NULL };
		for (int k = 0; k < 3 && rest; k++)
			line[k] = strsep(&rest, "\n");
		if (line[0] && line[1]) {
			binary = strdup(line[0]);
			root = strdup(line[1]);
			if (line[2] && *line[2])
				policy = strdup(line[2]);
		}
	}
	if (!binary)
		binary = rt_default_binary();
	ct.binary = binary;
	ct.policy = policy;
	ct.root = root ? root : xasprintf("/run/containerd/ward/%s", shim_namespace);
	if (rt_run(&ct, args, none, false, &res) < 0)
		fprintf(stderr, "%s delete %s: %s\n", ct.binary, shim_id, res.err ? res.err : "failed");
	rt_result_free(&res);
	unmount_rootfs(ct.bundle);
	remove_dead_socket(ct.bundle);
	if (!root)
		free(ct.root);
	resp.exit_status = 128 + 9;
	now_ts(&ts, NULL);
	resp.exited_at = &ts;
	n = wshim__delete_response__pack(&resp, buf);
	if (fwrite(buf, 1, n, stdout) != n)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *action = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;
		char name[32];
		const char *val = NULL;
		if (a[0] != '-') {
			action = a;
			continue;
		}
		a += a[1] == '-' ? 2 : 1;
		eq = strchr(a, '=');
		snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		if (!strcmp(name, "v") || !strcmp(name, "version")) {
			printf("containerd-shim-ward-v2:\n  Version:  %s\n  Revision: %s\n", SHIM_VERSION, WARD_GIT_COMMIT);
			return 0;
		}
		if (!strcmp(name, "debug")) {
			shim_debug = true;
			continue;
		}
		if (!strcmp(name, "info")) {
			/* containerd passes the runtime options on stdin; by hand, a
			 * terminal there means none */
			Wshim__Any *any = isatty(0) ? NULL : read_options_any();
			int rc = shim_info(any);
			if (any)
				wshim__any__free_unpacked(any, NULL);
			return rc;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			usage();
		if (!strcmp(name, "namespace"))
			shim_namespace = val;
		else if (!strcmp(name, "address"))
			shim_address = val;
		else if (!strcmp(name, "id"))
			shim_id = val;
		else if (!strcmp(name, "bundle"))
			bundle_flag = val;
		else if (!strcmp(name, "publish-binary"))
			publish_binary = val;
		/* others (-socket, -shim-cgroup...) are accepted and ignored */
	}
	ttrpc_address = getenv("TTRPC_ADDRESS");
	if (!action)
		usage();
	if (!strcmp(action, "start"))
		return cmd_start();
	if (!strcmp(action, "delete"))
		return cmd_delete();
	usage();
	return 2;
}
