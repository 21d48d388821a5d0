/* The clean slate of signal dispositions a process ward forks starts
 * from (signals.h). */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signals.h"

/* The "SigIgn" and "SigCgt" masks of /proc/self/status: the signals that
 * are not at their default. false when it cannot be read (no /proc, or
 * one of another pid namespace). */
static bool non_default(uint64_t *mask)
{
	char buf[4096];
	const char *ign, *cgt;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	ign = strstr(buf, "\nSigIgn:");
	cgt = strstr(buf, "\nSigCgt:");
	if (!ign || !cgt)
		return false;
	*mask = strtoull(ign + 8, NULL, 16) | strtoull(cgt + 8, NULL, 16);
	return true;
}

void signals_reset(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	uint64_t mask;
	sigset_t none;

	/* One read instead of a sigaction per signal (64 system calls). */
	if (!non_default(&mask))
		mask = UINT64_MAX;
	for (int sig = 1; sig < NSIG && sig <= 64; sig++)
		if (mask & (UINT64_C(1) << (sig - 1)))
			sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
