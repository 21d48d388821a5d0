/* Process identity and signalling for container inits we are usually not
 * the parent of. A pid alone is not an identity (pids are recycled), so a
 * pid always travels with its start time from /proc/<pid>/stat, and signals
 * go through a pidfd that was verified against that start time. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "state.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* State letter (field 3) and start time (field 22) of a process. */
static int proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024];

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm (field 2) may hold spaces and parentheses: skip to the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	*state = *p;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	char *end;
	errno = 0;
	*start = strtoull(p, &end, 10);
	if (errno || end == p)
		return -1;
	return 0;
}

unsigned long long proc_start_time(pid_t pid)
{
	unsigned long long start;
	char state;

	if (proc_stat(pid, &state, &start) < 0)
		return 0;
	return start;
}

bool proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now;
	char state;

	if (proc_stat(pid, &state, &now) < 0)
		return false;
	/* Z: zombie, X: dead. Either way the container's process has exited. */
	if (state == 'Z' || state == 'X')
		return false;
	return start == 0 || now == start;
}

/* A pidfd for pid if it still is the process that started at `start`;
 * -1 with errno ESRCH when it is gone or was recycled, ENOSYS without
 * pidfd support. */
static int pidfd_verified(pid_t pid, unsigned long long start)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -1;
	/* Checked after opening: from here on the pidfd pins this process. */
	unsigned long long now = proc_start_time(pid);
	if (now == 0 || (start != 0 && now != start)) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	return fd;
}

int proc_signal(pid_t pid, unsigned long long start, int sig, struct ward_error *err)
{
	if (pid <= 0)
		return ward_error_set(err, ESRCH, "signal pid %d", (int)pid);
	cleanup_close int fd = pidfd_verified(pid, start);
	if (fd < 0) {
		if (errno != ENOSYS)
			return ward_error_errno(err, "signal pid %d", (int)pid);
		/* Old kernel: check, then kill; a small race remains. */
		if (!proc_alive(pid, start))
			return ward_error_set(err, ESRCH, "signal pid %d", (int)pid);
		if (kill(pid, sig) < 0)
			return ward_error_errno(err, "signal pid %d", (int)pid);
		return 0;
	}
	if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
		return ward_error_errno(err, "signal pid %d", (int)pid);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int proc_wait_exit(pid_t pid, unsigned long long start, int timeout_ms, struct ward_error *err)
{
	long long deadline = now_ms() + timeout_ms;

	if (pid <= 0 || !proc_alive(pid, start))
		return 0;
	cleanup_close int fd = pidfd_verified(pid, start);
	if (fd < 0 && errno == ESRCH)
		return 0;
	while (proc_alive(pid, start)) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return ward_error_set(err, ETIMEDOUT, "waiting for pid %d to exit", (int)pid);
		if (fd >= 0) {
			/* A pidfd polls readable once the process has exited; it
			 * does not have to be reaped (by us or anyone). */
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int r = poll(&pfd, 1, (int)left);
			if (r < 0 && errno != EINTR)
				return ward_error_errno(err, "waiting for pid %d", (int)pid);
			if (r > 0)
				return 0;
		} else {
			struct timespec ts = { 0, 5 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	return 0;
}
