/* Holding a container process in the foreground (`ward run`, `ward exec`
 * without --detach). */
#ifndef WARD_FOREGROUND_H
#define WARD_FOREGROUND_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* The signals relayed to the process: block them (sigprocmask) before the
 * process is started so that none is lost in between. */
void foreground_signals(sigset_t *set);

/* Relay the signals of `mask` (SIGWINCH resizes the pty instead) and, with
 * a pty `master` (>= 0), our stdin/stdout to and from it, until `pid` (our
 * child, or one reparented to us as subreaper) exits. copy_size: give the
 * pty our terminal's size. Returns the exit code to exit with: the
 * process's status, 128+N when killed by signal N, 255 when unknown. */
int foreground_wait(pid_t pid, int master, bool copy_size, const sigset_t *mask);

/* A wait status as a shell exit code. */
int foreground_exit_code(int status);

#endif
