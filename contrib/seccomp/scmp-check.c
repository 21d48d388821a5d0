/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scmp-check: compile a seccomp profile with the local libseccomp.
 *
 * check-profile.sh flattens the OCI "linux.seccomp" object with jq into
 * one line per (rule, name) and pipes it here:
 *
 *   default <action> <errno>
 *   arch <SCMP_ARCH_*>
 *   rule <rule-index> <action> <errno> <name> <nargs> {<index> <op> <value> <valueTwo>}
 *
 * Every name must be a real system call on at least one listed
 * architecture, and every rule must be accepted by seccomp_rule_add().
 * The filter is then exported as BPF to measure its size, which is what
 * the kernel will run on every system call of the container.
 *
 * With -d, the native-architecture system calls that the profile does not
 * name (and which therefore get the default action) are listed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ARCHES 16
#define MAX_NAMES 1024
/* BPF_MAXINSNS in include/uapi/linux/bpf_common.h */
#define KERNEL_MAX_INSNS 4096

static uint32_t arches[MAX_ARCHES];
static const char *arch_names[MAX_ARCHES];
static size_t n_arches;
static char *names[MAX_NAMES];
static size_t n_names;
static int failures;

__attribute__((format(printf, 2, 3)))
static void fail(unsigned long line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "scmp-check: input line %lu: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

/* OCI spells architectures SCMP_ARCH_X86_64; libseccomp wants "x86_64". */
static uint32_t parse_arch(const char *s)
{
	char buf[64];
	size_t i;

	if (strncmp(s, "SCMP_ARCH_", 10) != 0 || strlen(s + 10) >= sizeof(buf))
		return 0;
	for (i = 0; s[10 + i]; i++)
		buf[i] = (char)tolower((unsigned char)s[10 + i]);
	buf[i] = '\0';
	return seccomp_arch_resolve_name(buf);
}

/* Returns false for unknown or unsupported actions. */
static bool parse_action(const char *s, const char *errno_tok, uint32_t *act)
{
	unsigned long e = strtoul(errno_tok, NULL, 10);

	if (!strcmp(s, "SCMP_ACT_ALLOW"))
		*act = SCMP_ACT_ALLOW;
	else if (!strcmp(s, "SCMP_ACT_ERRNO"))
		*act = SCMP_ACT_ERRNO((uint16_t)e);
	else if (!strcmp(s, "SCMP_ACT_TRACE"))
		*act = SCMP_ACT_TRACE((uint16_t)e);
	else if (!strcmp(s, "SCMP_ACT_KILL") || !strcmp(s, "SCMP_ACT_KILL_THREAD"))
		*act = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(s, "SCMP_ACT_KILL_PROCESS"))
		*act = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(s, "SCMP_ACT_TRAP"))
		*act = SCMP_ACT_TRAP;
	else if (!strcmp(s, "SCMP_ACT_LOG"))
		*act = SCMP_ACT_LOG;
	else
		return false;	/* SCMP_ACT_NOTIFY needs a listener: not for a default */
	return e <= 4095;
}

static bool parse_op(const char *s, enum scmp_compare *op)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE },
		{ "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE },
		{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE },
		{ "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!strcmp(s, ops[i].name)) {
			*op = ops[i].op;
			return true;
		}
	}
	return false;
}

static void remember_name(const char *name)
{
	for (size_t i = 0; i < n_names; i++)
		if (!strcmp(names[i], name))
			return;
	if (n_names < MAX_NAMES)
		names[n_names++] = strdup(name);
}

static bool named(const char *name)
{
	for (size_t i = 0; i < n_names; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

/*
 * A name is usable when it is a real system call (number >= 0) on at least
 * one listed architecture. libseccomp also "knows" names of other ABIs
 * (socketcall, chown32 ...) as negative pseudo numbers: those would never
 * match anything here.
 */
static void check_name(unsigned long line, const char *name)
{
	bool known = false, real = false;

	for (size_t i = 0; i < n_arches; i++) {
		int nr = seccomp_syscall_resolve_name_arch(arches[i], name);

		if (nr != __NR_SCMP_ERROR)
			known = true;
		if (nr >= 0)
			real = true;
	}
	if (!known)
		fail(line, "\"%s\" is unknown to this libseccomp", name);
	else if (!real)
		fail(line, "\"%s\" is not a system call on any listed architecture", name);
}

static int add_rule(scmp_filter_ctx ctx, unsigned long line, char *rest)
{
	char action[64], errno_tok[16], name[128];
	struct scmp_arg_cmp cmp[6];
	unsigned int nargs, i;
	uint32_t act;
	int used, nr, r;

	if (sscanf(rest, "%*u %63s %15s %127s %u%n", action, errno_tok, name,
		   &nargs, &used) != 4 || nargs > 6) {
		fail(line, "malformed rule");
		return -1;
	}
	rest += used;
	if (!parse_action(action, errno_tok, &act)) {
		fail(line, "unsupported action or errno in %s", action);
		return -1;
	}
	for (i = 0; i < nargs; i++) {
		char op[32];
		unsigned int idx;
		uint64_t v1, v2;

		if (sscanf(rest, "%u %31s %" SCNu64 " %" SCNu64 "%n", &idx, op,
			   &v1, &v2, &used) != 4 || idx > 5 ||
		    !parse_op(op, &cmp[i].op)) {
			fail(line, "malformed argument of %s", name);
			return -1;
		}
		rest += used;
		cmp[i].arg = idx;
		cmp[i].datum_a = v1;
		cmp[i].datum_b = v2;
	}

	remember_name(name);
	check_name(line, name);
	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return -1;	/* already reported by check_name() */
	r = seccomp_rule_add_array(ctx, act, nr, nargs, cmp);
	if (r < 0)
		fail(line, "libseccomp rejects the rule for %s: %s", name, strerror(-r));
	return r;
}

static long bpf_insns(scmp_filter_ctx ctx)
{
	struct stat st;
	long n = -1;
	int fd;

	fd = memfd_create("scmp-check", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (seccomp_export_bpf(ctx, fd) == 0 && fstat(fd, &st) == 0)
		n = (long)(st.st_size / 8);	/* sizeof(struct sock_filter) */
	close(fd);
	return n;
}

/* The system calls of the first listed architecture left to the default. */
static void list_default(void)
{
	uint32_t arch = arches[0];

	printf("system calls of %s that get the default action:\n", arch_names[0]);
	for (int nr = 0; nr < 1024; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(arch, nr);

		if (!name)
			continue;
		if (!named(name))
			printf("  %3d %s\n", nr, name);
		free(name);
	}
}

int main(int argc, char **argv)
{
	const struct scmp_version *v = seccomp_version();
	bool list = argc > 1 && !strcmp(argv[1], "-d");
	uint32_t native = seccomp_arch_native();
	bool have_native = false, have_default = false;
	scmp_filter_ctx ctx = NULL;
	unsigned long line = 0;
	size_t cap = 0, rules = 0;
	char *buf = NULL;
	long insns;

	while (getline(&buf, &cap, stdin) > 0) {
		char word[16], arg1[64], arg2[16];
		int used;

		line++;
		buf[strcspn(buf, "\n")] = '\0';
		if (sscanf(buf, "%15s%n", word, &used) != 1)
			continue;
		if (!strcmp(word, "default")) {
			uint32_t act;

			if (sscanf(buf + used, "%63s %15s", arg1, arg2) != 2 ||
			    !parse_action(arg1, arg2, &act) || act == SCMP_ACT_ALLOW) {
				fail(line, "unusable default action %s", buf + used);
				break;
			}
			ctx = seccomp_init(act);
			if (!ctx) {
				fail(line, "seccomp_init failed");
				break;
			}
			have_default = true;
		} else if (!strcmp(word, "arch") && ctx) {
			uint32_t a;

			if (sscanf(buf + used, "%63s", arg1) != 1 ||
			    !(a = parse_arch(arg1)) || n_arches == MAX_ARCHES) {
				fail(line, "unknown architecture%s", buf + used);
				continue;
			}
			arches[n_arches] = a;
			arch_names[n_arches++] = strdup(arg1);
			if (a == native)
				have_native = true;
			else if (seccomp_arch_add(ctx, a) < 0)
				fail(line, "libseccomp cannot add %s", arg1);
		} else if (!strcmp(word, "rule") && ctx && n_arches) {
			add_rule(ctx, line, buf + used);
			rules++;
		} else {
			fail(line, "unexpected line: %s", buf);
			break;
		}
	}
	free(buf);
	if (!have_default || !n_arches) {
		fprintf(stderr, "scmp-check: no default action or no architectures\n");
		return 2;
	}
	/*
	 * seccomp_init() put the native ABI in the filter. A profile that does
	 * not list it must not get it, or the native ABI would be filtered
	 * instead of hitting the bad-architecture action.
	 */
	if (!have_native && seccomp_arch_remove(ctx, native) < 0)
		failures++;

	insns = bpf_insns(ctx);
	printf("libseccomp %u.%u.%u: %zu rule lines, %zu distinct names, %zu architectures, BPF %ld instructions\n",
	       v->major, v->minor, v->micro, rules, n_names, n_arches, insns);
	if (insns < 0 || insns > KERNEL_MAX_INSNS) {
		fprintf(stderr, "scmp-check: the filter cannot be loaded (%ld instructions)\n", insns);
		failures++;
	}
	if (list)
		list_default();
	seccomp_release(ctx);
	return failures ? 1 : 0;
}
