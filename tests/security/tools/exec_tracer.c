/* exec_tracer TARGET SECONDS: a hostile process in a container that holds
 * CAP_SYS_PTRACE lies in wait for the next `ward exec` and tries to seize
 * it the moment it appears in the container's pid namespace, while it may
 * still be running the runtime's code. Pids in a namespace are handed out
 * in order, so it spins on PTRACE_SEIZE of the next few pids after its own.
 *
 * On success it stops the process and reports what it caught, one line:
 *   caught exe=<the process's executable> uid=<real uid> capeff=<hex>
 *          seccomp=<mode> nnp=<0|1> target=<yes|no>
 * target=yes means the process had already exec'd TARGET (the runtime was
 * gone); target=no means the runtime's own code was caught. Then it lets
 * the process go. Without success: "missed <errno of the last try>". */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GUESSES 4

static void status_field(pid_t pid, const char *key, char *out, size_t len)
{
	char path[64], line[256];
	FILE *f;

	snprintf(out, len, "?");
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0) {
			char *v = line + strlen(key);
			v += strspn(v, " \t");
			v[strcspn(v, " \t\n")] = '\0';
			snprintf(out, len, "%s", v);
			break;
		}
	fclose(f);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *target = argc > 1 ? argv[1] : "/bin/busybox";
	double end = now() + (argc > 2 ? atof(argv[2]) : 10);
	pid_t self = getpid();
	int last = 0;

	/* Tell whoever waits that we are lying in wait. */
	printf("ready %d\n", (int)self);
	fflush(stdout);
	while (now() < end) {
		for (pid_t pid = self + 1; pid <= self + GUESSES; pid++) {
			char path[64], exe[256] = "?", uid[32], cap[32], sec[8], nnp[8];
			ssize_t n;
			int st;

			if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
				if (errno != ESRCH)
					last = errno;
				continue;
			}
			/* Caught: freeze it where it stands and look. */
			ptrace(PTRACE_INTERRUPT, pid, 0, 0);
			waitpid(pid, &st, __WALL);
			snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
			n = readlink(path, exe, sizeof(exe) - 1);
			exe[n > 0 ? n : 0] = '\0';
			status_field(pid, "Uid:", uid, sizeof(uid));
			status_field(pid, "CapEff:", cap, sizeof(cap));
			status_field(pid, "Seccomp:", sec, sizeof(sec));
			status_field(pid, "NoNewPrivs:", nnp, sizeof(nnp));
			printf("caught exe=%s uid=%s capeff=%s seccomp=%s nnp=%s target=%s\n",
			       n > 0 ? exe : "?", uid, cap, sec, nnp,
			       strcmp(exe, target) == 0 ? "yes" : "no");
			ptrace(PTRACE_DETACH, pid, 0, 0);
			return 0;
		}
	}
	printf("missed %s\n", last ? strerrorname_np(last) : "ESRCH");
	return 0;
}
