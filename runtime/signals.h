/* Signal names as `kill` accepts them: "KILL", "SIGKILL", "kill", "9",
 * "RTMIN+3", "SIGRTMAX-1". */
#ifndef WARD_SIGNALS_H
#define WARD_SIGNALS_H

#include "error.h"

/* The signal number, or -1 with "unknown signal \"X\"" in err. */
int signal_parse(const char *s, struct ward_error *err);

/* "SIGKILL" for 9; NULL for numbers without a name. */
const char *signal_name(int sig);

/* Every signal back to its default disposition, none blocked: where a
 * process that ward forks starts from (ward blocks, catches or ignores
 * some; its caller may have ignored others, which exec keeps). */
void signals_reset(void);

#endif
