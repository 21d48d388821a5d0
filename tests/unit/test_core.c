/* Unit tests for the spawn machinery that needs no container: the
 * namespace plan (which path a config takes), the sync protocol (errors,
 * fds and credentials across the socket) and the console-socket message. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "namespaces.h"
#include "spec.h"
#include "sync.h"
#include "tap.h"
#include "terminal.h"

#define MAPS                                                                                       \
	"\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"                  \
	"\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"

static struct spec *config(const char *linux_json)
{
	char buf[4096];
	struct ward_error err = { 0 };
	struct spec *s;

	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		 "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"true\"],\"cwd\":\"/\"},"
		 "\"linux\":{%s}}",
		 linux_json);
	s = spec_parse(buf, strlen(buf), "test", &err);
	if (s == NULL)
		printf("# parse: %s\n", err.msg);
	return s;
}

static int plan(const char *linux_json, struct ns_plan *p, struct ward_error *err)
{
	cleanup_spec struct spec *s = config(linux_json);

	memset(p, 0, sizeof(*p));
	if (s == NULL)
		return ward_error_set(err, EINVAL, "bad test config");
	return ns_plan_init(p, s, err);
}

static void test_plan_all_new(void)
{
	struct ns_plan p;
	struct ward_error err = { 0 };
	int want = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
		   CLONE_NEWUTS;

	ok(plan(MAPS "\"namespaces\":[{\"type\":\"user\"},{\"type\":\"mount\"},{\"type\":\"pid\"},"
		     "{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
		     "{\"type\":\"cgroup\"},{\"type\":\"time\"}]",
		&p, &err) == 0,
	   "all-new plan: %s", err.msg);
	is_int(p.clone_flags, want, "one clone makes every namespace but cgroup and time");
	ok(p.create[SPEC_NS_CGROUP] && p.create[SPEC_NS_TIME], "cgroup and time are made later");
	ok(!p.unshare_user && p.unshare_flags == 0 && !p.fork_init, "fast path: no unshare, no fork");
	ok(p.in_userns, "init ends up in a user namespace");
	ns_plan_release(&p);
}

static void test_plan_join_without_userns(void)
{
	struct ns_plan p;
	struct ward_error err = { 0 };

	ok(plan("\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"},"
		"{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"}]",
		&p, &err) == 0,
	   "join net without a user namespace: %s", err.msg);
	is_int(p.clone_flags, CLONE_NEWNS | CLONE_NEWPID, "clone still makes the new ones");
	ok(p.join_fd[SPEC_NS_NETWORK] >= 0, "the net path is opened by the parent");
	ok(!p.fork_init && !p.in_userns, "no fork, no user namespace");
	ns_plan_release(&p);
	ok(p.join_fd[SPEC_NS_NETWORK] == -1, "release closes the join fds");
}

static void test_plan_join_userns(void)
{
	struct ns_plan p;
	struct ward_error err = { 0 };

	ok(plan("\"namespaces\":[{\"type\":\"user\",\"path\":\"/proc/self/ns/user\"},"
		"{\"type\":\"mount\"},{\"type\":\"pid\"}]",
		&p, &err) == 0,
	   "joined user namespace: %s", err.msg);
	is_int(p.clone_flags, 0, "nothing made by clone (it would be owned by the host)");
	is_int(p.unshare_flags, CLONE_NEWNS | CLONE_NEWPID, "made after setns(user) instead");
	ok(!p.unshare_user && p.fork_init, "init is forked into the new pid namespace");
	ns_plan_release(&p);
}

static void test_plan_new_userns_with_joins(void)
{
	struct ns_plan p;
	struct ward_error err = { 0 };

	ok(plan(MAPS "\"namespaces\":[{\"type\":\"user\"},{\"type\":\"mount\"},{\"type\":\"pid\"},"
		     "{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"}]",
		&p, &err) == 0,
	   "new user namespace plus a joined one: %s", err.msg);
	is_int(p.clone_flags, 0, "joins happen with host privileges, before the user namespace");
	ok(p.unshare_user, "the child unshares the user namespace and asks for maps");
	is_int(p.unshare_flags, CLONE_NEWNS | CLONE_NEWPID, "the rest after it");
	ok(p.fork_init, "pid namespace after clone: init is a grandchild");
	ns_plan_release(&p);
}

static void test_plan_errors(void)
{
	struct ns_plan p;
	struct ward_error err = { 0 };

	ok(plan("\"namespaces\":[{\"type\":\"pid\"}]", &p, &err) < 0 &&
		   strstr(err.msg, "mount namespace is required"),
	   "no mount namespace is refused: %s", err.msg);
	ok(plan("\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}]", &p, &err) < 0 &&
		   strstr(err.msg, "uidMappings"),
	   "a new user namespace needs mappings: %s", err.msg);
	ok(plan("\"namespaces\":[{\"type\":\"mount\"},"
		"{\"type\":\"network\",\"path\":\"/proc/self/ns/uts\"}]",
		&p, &err) < 0 &&
		   strstr(err.msg, "is not a network namespace"),
	   "a path of the wrong type is refused: %s", err.msg);
	ok(plan("\"namespaces\":[{\"type\":\"mount\"},"
		"{\"type\":\"ipc\",\"path\":\"/nonexistent/ns\"}]",
		&p, &err) < 0 &&
		   err.errnum == ENOENT,
	   "a missing path is refused: %s", err.msg);
}

static void test_sync_roundtrip(void)
{
	struct ward_error err = { 0 }, e2 = { 0 };
	struct sync_msg m = { .type = SYNC_HOOKS_DONE, .pid = 4242 };
	struct sync_extra x;
	int fds[2];

	if (!ok(sync_pair(fds, &err) == 0, "socketpair: %s", err.msg))
		return;
	ok(sync_send(fds[1], &m, -1, &err) == 0, "send");
	memset(&m, 0, sizeof(m));
	ok(sync_recv(fds[0], &m, &x, &err) == 0 && m.type == SYNC_HOOKS_DONE && m.pid == 4242,
	   "a message arrives whole");
	is_int(x.pid, getpid(), "the kernel tells the sender's pid");
	ok(x.fd == -1, "no fd when none was sent");

	/* An fd rides along, and arrives close-on-exec. */
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct sync_msg c = { .type = SYNC_CONSOLE };
	strcpy(c.text, "/dev/pts/7");
	ok(sync_send(fds[1], &c, devnull, &err) == 0, "send with fd");
	ok(sync_recv(fds[0], &m, &x, &err) == 0 && x.fd >= 0 && strcmp(m.text, "/dev/pts/7") == 0,
	   "fd and payload received");
	ok(x.fd >= 0 && (fcntl(x.fd, F_GETFD) & FD_CLOEXEC), "received fd is close-on-exec");
	struct stat a, b;
	ok(x.fd >= 0 && fstat(x.fd, &a) == 0 && fstat(devnull, &b) == 0 && a.st_rdev == b.st_rdev,
	   "it is the same file");
	if (x.fd >= 0)
		close(x.fd);
	close(devnull);

	/* The child's error becomes ours, word for word. */
	ward_error_set(&e2, ENOENT, "mount \"/proc\" in container");
	sync_send_error(fds[1], &e2);
	ok(sync_recv(fds[0], &m, NULL, &err) == -1 && err.errnum == ENOENT &&
		   strcmp(err.msg, e2.msg) == 0,
	   "an ERROR message turns into the peer's error: %s", err.msg);

	ok(sync_send_type(fds[1], SYNC_READY, &err) == 0 &&
		   sync_expect(fds[0], SYNC_HOOKS, NULL, &err) < 0 && strstr(err.msg, "expected hooks"),
	   "an unexpected type is a protocol error: %s", err.msg);

	close(fds[1]);
	is_int(sync_recv(fds[0], &m, NULL, &err), SYNC_RECV_EOF, "a vanished peer reads as EOF");
	close(fds[0]);
}

/* A forked sender: the pid the parent sees is the child's. */
static void test_sync_creds_from_child(void)
{
	struct ward_error err = { 0 };
	struct sync_msg m;
	struct sync_extra x;
	int fds[2];
	pid_t pid;

	if (sync_pair(fds, &err) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		_exit(sync_send_type(fds[1], SYNC_INIT_PID, NULL) == 0 ? 0 : 1);
	}
	close(fds[1]);
	ok(sync_recv(fds[0], &m, &x, &err) == 0 && m.type == SYNC_INIT_PID, "INIT_PID received");
	is_int(x.pid, pid, "credentials carry the sender's pid");
	waitpid(pid, NULL, 0);
	close(fds[0]);
}

static void test_console_message(void)
{
	struct ward_error err = { 0 };
	int sv[2], fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char name[64] = { 0 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	ok(terminal_send_master(sv[0], fd, "/dev/pts/3", &err) == 0, "send master: %s", err.msg);
	ssize_t n = recvmsg(sv[1], &mh, MSG_CMSG_CLOEXEC);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	ok(n == 10 && strcmp(name, "/dev/pts/3") == 0, "payload is the pty name (runc's protocol)");
	ok(c && c->cmsg_type == SCM_RIGHTS, "the master travels as SCM_RIGHTS");
	if (c && c->cmsg_type == SCM_RIGHTS) {
		int got;
		memcpy(&got, CMSG_DATA(c), sizeof(int));
		close(got);
	}
	close(sv[0]);
	close(sv[1]);
	close(fd);
}

int main(void)
{
	test_plan_all_new();
	test_plan_join_without_userns();
	test_plan_join_userns();
	test_plan_new_userns_with_joins();
	test_plan_errors();
	test_sync_roundtrip();
	test_sync_creds_from_child();
	test_console_message();
	return tap_done();
}
