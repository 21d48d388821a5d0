/* process.terminal: the pty inside the container (child side), handing its
 * master to whoever holds the console (--console-socket, or `ward run` in
 * the foreground), and the copy loop of `ward run`. */
#ifndef WARD_TERMINAL_H
#define WARD_TERMINAL_H

#include <stdbool.h>
#include <termios.h>

#include "error.h"
#include "spec.h"

/* Child, after pivot_root: open /dev/ptmx of the container's devpts, size
 * it, bind-mount the slave over /dev/console, make it our controlling
 * terminal and stdio. Returns the master (O_CLOEXEC) and its slave's name. */
int terminal_setup_console(const struct spec_console_size *size, char *name, size_t name_len,
			   struct ward_error *err);

/* The same without touching /dev/console (it belongs to init): for
 * `ward exec --tty`, in the container's mount namespace. The pty is our
 * stdio but not yet our controlling terminal: terminal_take_ctty, once
 * in the session the process will run in. */
int terminal_setup_pty(const struct spec_console_size *size, char *name, size_t name_len,
		       struct ward_error *err);
int terminal_take_ctty(struct ward_error *err);

/* Lead a new session (unless we already do), with no controlling terminal.
 * Every container process starts this way: a terminal in the caller's
 * stdio never becomes the container's (TIOCSTI into the operator's shell),
 * and kill(0, ...) inside reaches nothing of the caller's process group. */
int terminal_new_session(struct ward_error *err);

/* Connect to a --console-socket (a unix stream socket). */
int terminal_connect_socket(const char *path, struct ward_error *err);
/* runc's console-socket protocol: one message whose payload is the pty
 * name and which carries the master with SCM_RIGHTS. */
int terminal_send_master(int sock, int master, const char *name, struct ward_error *err);

/* `ward run` with a terminal: our stdin in raw mode (when it is a tty). */
struct terminal_saved {
	bool raw;
	struct termios tio;
};
int terminal_make_raw(int fd, struct terminal_saved *saved, struct ward_error *err);
void terminal_restore(int fd, const struct terminal_saved *saved);
/* Copy our window size (from `from`, a tty) to the pty master. */
void terminal_copy_size(int from, int master);

#endif
