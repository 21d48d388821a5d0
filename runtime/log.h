/* Logging: text or runc's JSON lines ({"level","msg","time"}) to --log or
 * stderr. containerd's shim reads the last error line from the log file. */
#ifndef WARD_LOG_H
#define WARD_LOG_H

#include <stdbool.h>

#include "error.h"

enum ward_log_level { WARD_LOG_DEBUG, WARD_LOG_INFO, WARD_LOG_WARN, WARD_LOG_ERROR };

/* path NULL: stderr. Opened O_APPEND|O_CLOEXEC. */
int ward_log_init(const char *path, bool json, bool debug, struct ward_error *err);
void ward_log(enum ward_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define ward_debug(...) ward_log(WARD_LOG_DEBUG, __VA_ARGS__)
#define ward_info(...) ward_log(WARD_LOG_INFO, __VA_ARGS__)
#define ward_warn(...) ward_log(WARD_LOG_WARN, __VA_ARGS__)
/* Print an error once, at the top: to the log (if --log) and always to stderr. */
void ward_log_error(const struct ward_error *err);
bool ward_log_debug_enabled(void);
/* The log fd (for passing to children that log), -1 for stderr. */
int ward_log_fd(void);

#endif
