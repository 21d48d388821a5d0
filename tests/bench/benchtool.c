/* Timing helper for tests/bench/run.sh.
 *
 *   benchtool time [-n MNTNS] [-i IDLE_MS] -- PROG ARGS...
 *       Sleep IDLE_MS (outside the measurement), then run PROG once and
 *       print "<wall ns> <peak RSS KiB> <CPU ns> <exit status>". With -n
 *       the child enters the mount namespace file MNTNS first (crun runs in
 *       one where the cgroup2 mount of a hybrid host is hidden). PROG's
 *       stdout is /dev/null.
 *   benchtool floor [-i IDLE_MS] ROOTFS N
 *       The floor: what any runtime must do at least. N times: clone3 with
 *       the namespaces of the default config (mount, pid, ipc, uts, net,
 *       cgroup), make the mounts private, bind ROOTFS, pivot_root into it,
 *       mount /proc, exec /bin/true; wait. Prints one wall ns per line.
 *
 * The clock is read around fork..wait only: the shell's own cost is not
 * part of any sample. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void idle(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int cmd_time(int argc, char **argv)
{
	const char *mntns = NULL;
	long idle_ms = 0;
	int opt, status, nsfd = -1;
	struct rusage ru;
	long long t0, t1;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+n:i:")) != -1) {
		if (opt == 'n')
			mntns = optarg;
		else if (opt == 'i')
			idle_ms = atol(optarg);
		else
			return 2;
	}
	if (optind >= argc)
		return 2;
	if (mntns && (nsfd = open(mntns, O_RDONLY | O_CLOEXEC)) < 0) {
		perror(mntns);
		return 1;
	}
	idle(idle_ms);
	t0 = now_ns();
	pid = fork();
	if (pid == 0) {
		/* Our stdout is the caller's pipe: a container left running
		 * (create) must not hold it open. */
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, 1) < 0) {
			perror("/dev/null");
			_exit(127);
		}
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNS) < 0) {
			perror("setns");
			_exit(127);
		}
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return 1;
	}
	t1 = now_ns();
	/* Wall ns, peak RSS KiB, CPU ns of the command and the children it
	 * reaped (a container's init, left running, is not among them). */
	printf("%lld %ld %lld %d\n", t1 - t0, ru.ru_maxrss,
	       (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

static void die(const char *what)
{
	perror(what);
	_exit(1);
}

static void floor_child(const char *rootfs)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / private");
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		die("bind rootfs");
	if (chdir(rootfs) < 0)
		die("chdir rootfs");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die("detach old root");
	if (chdir("/") < 0)
		die("chdir /");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount /proc");
	execl("/bin/true", "true", (char *)NULL);
	die("exec /bin/true");
}

static int cmd_floor(int argc, char **argv)
{
	long idle_ms = 0;
	int opt;

	while ((opt = getopt(argc, argv, "+i:")) != -1) {
		if (opt == 'i')
			idle_ms = atol(optarg);
		else
			return 2;
	}
	if (argc - optind != 2)
		return 2;
	const char *rootfs = argv[optind];
	long n = atol(argv[optind + 1]);

	for (long i = 0; i < n; i++) {
		struct clone_args args = {
			.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
				 CLONE_NEWNET | CLONE_NEWCGROUP,
			.exit_signal = SIGCHLD,
		};
		long long t0, t1;
		int status;
		long pid;

		idle(idle_ms);
		t0 = now_ns();
		pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid == 0)
			floor_child(rootfs);
		if (pid < 0) {
			perror("clone3");
			return 1;
		}
		if (waitpid((pid_t)pid, &status, 0) < 0) {
			perror("waitpid");
			return 1;
		}
		t1 = now_ns();
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "floor probe failed (status 0x%x)\n", status);
			return 1;
		}
		printf("%lld\n", t1 - t0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "time") == 0)
		return cmd_time(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "floor") == 0)
		return cmd_floor(argc - 1, argv + 1);
	fprintf(stderr, "usage: benchtool time [-n MNTNS] [-i MS] -- PROG ARGS... | "
			"benchtool floor [-i MS] ROOTFS N\n");
	return 2;
}
