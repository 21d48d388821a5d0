/* Signal names for `ward kill`: case-insensitive, "SIG" optional, numbers
 * accepted as is (runc's parseSignal), plus the real-time forms. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signals.h"

static const struct {
	const char *name; /* without the SIG prefix */
	int sig;
} signal_table[] = {
	{ "HUP", SIGHUP },       { "INT", SIGINT },       { "QUIT", SIGQUIT },
	{ "ILL", SIGILL },       { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },
	{ "IOT", SIGIOT },       { "BUS", SIGBUS },       { "FPE", SIGFPE },
	{ "KILL", SIGKILL },     { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },     { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },
	{ "TERM", SIGTERM },
#ifdef SIGSTKFLT
	{ "STKFLT", SIGSTKFLT },
#endif
	{ "CHLD", SIGCHLD },     { "CLD", SIGCHLD },      { "CONT", SIGCONT },
	{ "STOP", SIGSTOP },     { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU },     { "URG", SIGURG },       { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },   { "IO", SIGIO },         { "POLL", SIGPOLL },
	{ "PWR", SIGPWR },       { "SYS", SIGSYS },
};

/* Parse a decimal number that must fill the whole string. */
static int parse_num(const char *s, long *out)
{
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	return 0;
}

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" (prefix already stripped). */
static int parse_rt(const char *s)
{
	long n = 0;
	int sig;

	if (strncasecmp(s, "RTMIN", 5) == 0) {
		s += 5;
		if (*s == '+' && parse_num(s + 1, &n) < 0)
			return -1;
		if (*s && *s != '+')
			return -1;
		sig = SIGRTMIN + (int)n;
	} else if (strncasecmp(s, "RTMAX", 5) == 0) {
		s += 5;
		if (*s == '-' && parse_num(s + 1, &n) < 0)
			return -1;
		if (*s && *s != '-')
			return -1;
		sig = SIGRTMAX - (int)n;
	} else {
		return -1;
	}
	if (n < 0 || sig < SIGRTMIN || sig > SIGRTMAX)
		return -1;
	return sig;
}

static int unknown_signal(const char *s, struct ward_error *err)
{
	ward_error_set(err, 0, "unknown signal \"%s\"", s);
	if (err)
		err->errnum = EINVAL;
	return -1;
}

int signal_parse(const char *s, struct ward_error *err)
{
	const char *name = s;
	long n;

	if (parse_num(s, &n) == 0) {
		if (n >= 0 && n < NSIG)
			return (int)n;
		return unknown_signal(s, err);
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof(signal_table) / sizeof(signal_table[0]); i++)
		if (strcasecmp(name, signal_table[i].name) == 0)
			return signal_table[i].sig;
	int rt = parse_rt(name);
	if (rt > 0)
		return rt;
	return unknown_signal(s, err);
}

const char *signal_name(int sig)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL",   [SIGTRAP] = "SIGTRAP",     [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",       [SIGKILL] = "SIGKILL",
		[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV",     [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM",
		[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",     [SIGSTOP] = "SIGSTOP",
		[SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN",     [SIGTTOU] = "SIGTTOU",
		[SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",     [SIGXFSZ] = "SIGXFSZ",
		[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
		[SIGIO] = "SIGIO",     [SIGPWR] = "SIGPWR",       [SIGSYS] = "SIGSYS",
#ifdef SIGSTKFLT
		[SIGSTKFLT] = "SIGSTKFLT",
#endif
	};

	if (sig <= 0 || (size_t)sig >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[sig];
}
