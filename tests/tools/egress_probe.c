/* The egress tests' probe (tests/integration/policy_egress.bats), built
 * static and run inside containers and, as the listener, in their network
 * namespace from the host:
 *   egress_probe tcp ADDR PORT          connect; "ok" or the errno name
 *   egress_probe udp ADDR PORT          an unconnected sendto
 *   egress_probe listen tcp|udp ADDR PORT  one connection or datagram,
 *                                       then "got tcp" / "got udp DATA"
 *   egress_probe detach                 what root inside can try against
 *                                       the cgroup programs: query, detach,
 *                                       fetch by id, mount cgroup2; "kept"
 *                                       when every attempt failed */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static socklen_t addr_of(const char *a, const char *port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)atoi(port));
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)atoi(port));
		return sizeof(*s6);
	}
	fprintf(stderr, "bad address %s\n", a);
	exit(2);
}

static int report(int r)
{
	if (r == 0) {
		puts("ok");
		return 0;
	}
	puts(errno == EPERM ? "EPERM" : strerror(errno));
	return 1;
}

static int out(const char *a, const char *port, int type)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(a, port, &ss);
	int fd = socket(ss.ss_family, type, 0);

	if (fd < 0)
		return report(-1);
	if (type == SOCK_DGRAM)
		return report(sendto(fd, "hello", 5, 0, (struct sockaddr *)&ss, len) == 5 ? 0 : -1);
	struct timeval tv = { .tv_sec = 3 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return report(connect(fd, (struct sockaddr *)&ss, len));
}

static int listen_one(const char *proto, const char *a, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(a, port, &ss);
	int udp = strcmp(proto, "udp") == 0, one = 1;
	int fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	char buf[64];

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 || (!udp && listen(fd, 4) < 0)) {
		perror("listen");
		return 2;
	}
	puts("ready");
	fflush(stdout);
	if (udp) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		printf("got udp %s\n", buf);
	} else {
		int c = accept(fd, NULL, NULL);
		printf(c >= 0 ? "got tcp\n" : "accept failed\n");
	}
	return 0;
}

static long bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static int detach(void)
{
	static const char *const dirs[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/tmp/cg2" };
	static const unsigned types[] = { BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT,
					  BPF_CGROUP_UDP4_SENDMSG, BPF_CGROUP_UDP6_SENDMSG };
	int broken = 0;

	FILE *st = fopen("/proc/self/status", "r");
	char line[256];
	while (st && fgets(line, sizeof(line), st))
		if (strncmp(line, "CapEff:", 7) == 0)
			fputs(line, stdout);
	if (st)
		fclose(st);
	/* A tmpfs first: the rootfs may not be writable by this root. */
	mount("none", "/tmp", "tmpfs", 0, NULL);
	mkdir("/tmp/cg2", 0700);
	if (mount("none", "/tmp/cg2", "cgroup2", 0, NULL) == 0) {
		puts("mounted cgroup2");
	} else {
		printf("mount cgroup2: %s\n", strerror(errno));
	}
	for (size_t d = 0; d < 3; d++) {
		int cg = open(dirs[d], O_RDONLY | O_DIRECTORY);
		if (cg < 0)
			continue;
		for (size_t t = 0; t < 4; t++) {
			union bpf_attr a;
			uint32_t ids[16];
			memset(&a, 0, sizeof(a));
			a.query.target_fd = (uint32_t)cg;
			a.query.attach_type = types[t];
			a.query.prog_ids = (uintptr_t)ids;
			a.query.prog_cnt = 16;
			if (bpf(BPF_PROG_QUERY, &a) == 0) {
				printf("%s: query type %u: %u programs\n", dirs[d], types[t], a.query.prog_cnt);
				for (uint32_t i = 0; i < a.query.prog_cnt && i < 16; i++) {
					union bpf_attr g;
					memset(&g, 0, sizeof(g));
					g.prog_id = ids[i];
					int pfd = (int)bpf(BPF_PROG_GET_FD_BY_ID, &g);
					printf("get fd of program %u: %s\n", ids[i], pfd >= 0 ? "ok" : strerror(errno));
					broken |= pfd >= 0;
				}
			} else {
				printf("%s: query type %u: %s\n", dirs[d], types[t], strerror(errno));
			}
			memset(&a, 0, sizeof(a));
			a.target_fd = (uint32_t)cg;
			a.attach_type = types[t];
			if (bpf(BPF_PROG_DETACH, &a) == 0) {
				printf("%s: detach type %u: done\n", dirs[d], types[t]);
				broken = 1;
			} else {
				printf("%s: detach type %u: %s\n", dirs[d], types[t], strerror(errno));
			}
		}
		close(cg);
	}
	/* By id, without any cgroup fd: the programs ward loaded. */
	for (uint32_t id = 1, found = 0; id < 100000 && found < 4; id++) {
		union bpf_attr g;
		memset(&g, 0, sizeof(g));
		g.prog_id = id;
		int pfd = (int)bpf(BPF_PROG_GET_FD_BY_ID, &g);
		if (pfd >= 0) {
			printf("get fd of program %u: ok\n", id);
			broken = 1;
			found++;
		} else if (errno != ENOENT) {
			printf("get fd by id: %s\n", strerror(errno));
			break;
		}
	}
	puts(broken ? "broken" : "kept");
	return broken;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "tcp") == 0)
		return out(argv[2], argv[3], SOCK_STREAM);
	if (argc == 4 && strcmp(argv[1], "udp") == 0)
		return out(argv[2], argv[3], SOCK_DGRAM);
	if (argc == 5 && strcmp(argv[1], "listen") == 0)
		return listen_one(argv[2], argv[3], argv[4]);
	if (argc == 2 && strcmp(argv[1], "detach") == 0)
		return detach();
	fprintf(stderr, "usage: egress_probe tcp|udp ADDR PORT | listen tcp|udp ADDR PORT | detach\n");
	return 2;
}
