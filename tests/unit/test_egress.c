/* The egress programs (runtime/egress_prog.c, egress.c): what the verifier
 * says of them, and their verdicts for real sockets. The verdicts are
 * taken in an empty network namespace, inside a cgroup below /ward-test of
 * the cgroup2 hierarchy that carries the programs: a refused connect or
 * sendto fails with EPERM before any route lookup, an allowed one goes on
 * to fail with ENETUNREACH (nothing is up), so no peer is needed. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "egress.h"
#include "tap.h"

static struct policy_net net(const char *cidr, const char *ports, enum policy_proto proto)
{
	struct policy_net n = { 0 };

	if (policy_parse_cidr(cidr, &n) < 0 || policy_parse_ports(ports, &n.port_lo, &n.port_hi) < 0)
		abort();
	n.proto = proto;
	return n;
}

static const struct policy_net *allowlist(size_t *n)
{
	static struct policy_net l[5];

	l[0] = net("10.1.2.0/24", "443", POLICY_PROTO_TCP);
	l[1] = net("192.0.2.53", "53", POLICY_PROTO_ANY);
	l[2] = net("2001:db8::/64", "8000-8100", POLICY_PROTO_ANY);
	l[3] = net("fd00:1234:5600::/40", "", POLICY_PROTO_TCP);
	l[4] = net("198.51.100.0/31", "7000-7001", POLICY_PROTO_UDP);
	*n = 5;
	return l;
}

/* A TCP connect carried by the first sendto (MSG_FASTOPEN). */
#define FASTOPEN 100

struct probe {
	const char *addr;
	int port;
	int type; /* SOCK_STREAM: connect; SOCK_DGRAM: sendto; FASTOPEN: TCP sendto */
	bool allowed;
};

static const struct probe probes[] = {
	{ "127.0.0.1", 9, SOCK_STREAM, true },
	{ "127.255.1.2", 9, SOCK_DGRAM, true },
	{ "10.1.2.3", 443, SOCK_STREAM, true },
	{ "10.1.2.255", 443, SOCK_STREAM, true },
	{ "10.1.2.3", 444, SOCK_STREAM, false },
	{ "10.1.3.3", 443, SOCK_STREAM, false },
	{ "10.1.2.3", 443, SOCK_DGRAM, false },
	{ "192.0.2.53", 53, SOCK_DGRAM, true },
	{ "192.0.2.53", 53, SOCK_STREAM, true },
	{ "192.0.2.53", 54, SOCK_DGRAM, false },
	{ "192.0.2.54", 53, SOCK_DGRAM, false },
	{ "198.51.100.1", 7001, SOCK_DGRAM, true },
	{ "198.51.100.2", 7001, SOCK_DGRAM, false },
	{ "198.51.100.1", 6999, SOCK_DGRAM, false },
	{ "198.51.100.1", 7000, SOCK_STREAM, false },
	{ "8.8.8.8", 53, SOCK_DGRAM, false },
	{ "::1", 9, SOCK_STREAM, true },
	{ "::2", 9, SOCK_STREAM, false },
	{ "::", 9, SOCK_DGRAM, false },
	{ "2001:db8::5", 8080, SOCK_STREAM, true },
	{ "2001:db8::ffff:1", 8000, SOCK_DGRAM, true },
	{ "2001:db8::5", 8101, SOCK_STREAM, false },
	{ "2001:db8:0:1::5", 8080, SOCK_STREAM, false },
	{ "fd00:1234:56ff::1", 1, SOCK_STREAM, true },
	{ "fd00:1234:5700::1", 1, SOCK_STREAM, false },
	{ "fd00:1234:56ff::1", 1, SOCK_DGRAM, false },
	/* IPv4-mapped: an IPv6 socket reaching an IPv4 peer */
	{ "::ffff:10.1.2.3", 443, SOCK_STREAM, true },
	{ "::ffff:10.1.2.4", 444, SOCK_STREAM, false },
	{ "::ffff:127.0.0.1", 9, SOCK_STREAM, true },
	{ "::ffff:8.8.8.8", 53, SOCK_DGRAM, false },
	{ "::ffff:192.0.2.53", 53, SOCK_DGRAM, true },
	{ "10.1.3.3", 443, FASTOPEN, false },
	{ "10.1.2.3", 443, FASTOPEN, true },
	{ "::ffff:10.1.3.3", 443, FASTOPEN, false },
};
#define N_PROBES (sizeof(probes) / sizeof(probes[0]))

/* 1 allowed, 0 refused (EPERM), 2 anything else failed. */
static char try(const struct probe *p)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, r;

	if (inet_pton(AF_INET, p->addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p->port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, p->addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p->port);
		len = sizeof(*s6);
	} else {
		return 2;
	}
	fd = socket(ss.ss_family, (p->type == FASTOPEN ? SOCK_STREAM : p->type) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 2;
	if (p->type == SOCK_STREAM)
		r = connect(fd, (struct sockaddr *)&ss, len);
	else if (p->type == FASTOPEN)
		r = (int)sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&ss, len);
	else
		r = (int)sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len);
	int e = errno;
	close(fd);
	if (r == 0 || e != EPERM)
		return 1;
	return 0;
}

static void test_verifier(void)
{
	static const unsigned types[] = { BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT,
					  BPF_CGROUP_UDP4_SENDMSG, BPF_CGROUP_UDP6_SENDMSG };
	struct ward_error err = { 0 };
	size_t n, len;
	const struct policy_net *l = allowlist(&n);

	for (size_t t = 0; t < 4; t++) {
		int family = t % 2 ? AF_INET6 : AF_INET;
		struct bpf_insn *p = egress_program(l, n, family, &len, &err);
		int fd = p ? egress_prog_load(p, len, types[t], &err) : -1;
		ok(fd >= 0, "attach type %u: %zu instructions pass the verifier %s", types[t], len,
		   fd < 0 ? err.msg : "");
		if (fd >= 0)
			close(fd);
		free(p);
	}
	/* An empty list (loopback only) and the largest one load too. */
	struct bpf_insn *p = egress_program(NULL, 0, AF_INET6, &len, &err);
	int fd = p ? egress_prog_load(p, len, BPF_CGROUP_INET6_CONNECT, &err) : -1;
	ok(fd >= 0, "empty allowlist loads (%zu instructions)", len);
	if (fd >= 0)
		close(fd);
	free(p);
	struct policy_net *big = calloc(EGRESS_MAX_RULES + 1, sizeof(*big));
	for (size_t i = 0; big && i <= EGRESS_MAX_RULES; i++)
		big[i] = net(i % 2 ? "2001:db8:1:2:2000::/67" : "10.0.0.0/9", "1-2", POLICY_PROTO_UDP);
	p = big ? egress_program(big, EGRESS_MAX_RULES, AF_INET6, &len, &err) : NULL;
	fd = p ? egress_prog_load(p, len, BPF_CGROUP_UDP6_SENDMSG, &err) : -1;
	ok(fd >= 0, "%d entries load (%zu instructions) %s", EGRESS_MAX_RULES, len,
	   fd < 0 ? err.msg : "");
	if (fd >= 0)
		close(fd);
	free(p);
	p = big ? egress_program(big, EGRESS_MAX_RULES + 1, AF_INET, &len, &err) : NULL;
	ok(p == NULL && err.errnum == E2BIG, "one entry more is refused: %s", err.msg);
	free(p);
	free(big);
}

static void test_verdicts(void)
{
	const char *mnt = cgroup_mountpoint("unified");
	struct ward_error err = { 0 };
	char dir[256], procs[300], got[N_PROBES];
	int pfd[2], status;
	size_t n;
	const struct policy_net *l = allowlist(&n);

	if (!mnt) {
		printf("# skip verdicts: no cgroup2 hierarchy is mounted\n");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/ward-test", mnt);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/ward-test/egress-unit-%d", mnt, (int)getpid());
	if (!ok(mkdir(dir, 0755) == 0, "cgroup %s", dir))
		return;
	int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ok(cgfd >= 0 && egress_attach(cgfd, l, n, &err) == 0, "programs attached %s", err.msg);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	if (pipe(pfd) < 0)
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		int f = open(procs, O_WRONLY);
		if (f < 0 || write(f, "0", 1) != 1 || unshare(CLONE_NEWNET) < 0)
			_exit(1);
		for (size_t i = 0; i < N_PROBES; i++)
			got[i] = try(&probes[i]);
		_exit(write(pfd[1], got, sizeof(got)) == (ssize_t)sizeof(got) ? 0 : 1);
	}
	close(pfd[1]);
	ssize_t r = read(pfd[0], got, sizeof(got));
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (ok(r == (ssize_t)sizeof(got), "the probe ran in the cgroup"))
		for (size_t i = 0; i < N_PROBES; i++)
			ok(got[i] == (probes[i].allowed ? 1 : 0), "%s %s port %d: %s (got %d)",
			   probes[i].type == SOCK_STREAM ? "tcp connect"
			   : probes[i].type == FASTOPEN	 ? "tcp fast open"
							 : "udp sendto",
			   probes[i].addr,
			   probes[i].port, probes[i].allowed ? "allowed" : "refused", got[i]);
	/* A process of the cgroup is gone; the programs go with the cgroup. */
	if (cgfd >= 0)
		close(cgfd);
	ok(rmdir(dir) == 0, "cgroup removed");
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # skip: loading cgroup programs needs root\n");
		return 0;
	}
	test_verifier();
	test_verdicts();
	return tap_done();
}
