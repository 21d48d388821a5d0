/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe: try system calls inside a container and print what happened.
 *
 *   probe [NAME...]        (no name: every probe)
 *
 * One line per probe: "NAME ok", "NAME E<errno name>" or "NAME killed:SIG".
 * Each probe runs in its own forked child, so one that changes the
 * process (unshare, personality, ptrace) cannot affect the next one.
 *
 * The probes are meant to be run twice by run-bundle.sh: with the profile
 * and, as a control, without any seccomp filter but with every capability.
 * Arguments are therefore chosen so that an unfiltered call fails harmlessly
 * after the kernel's own permission checks (bad pointer, bad fd, missing
 * path) and never changes host state: the control run shows the errno the
 * kernel gives, the profile run must show the filter's errno instead.
 *
 * Build: cc -static -O2 -o probe probe.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define X32_SYSCALL_BIT 0x40000000L
/* Newer than the profile and than libseccomp 2.5.4 (Linux 6.10). */
#define NR_MSEAL 462
#define NR_FCHMODAT2 452
#define HIGH_BITS (1L << 32)

/* Leading part of struct clone_args (CLONE_ARGS_SIZE_VER0). */
struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		 stack_size, tls;
};

/* Result of a call: 0 on success, else errno. Descriptors are closed. */
static int res(long r)
{
	if (r < 0)
		return errno;
	return 0;
}

static int fdres(long r)
{
	if (r < 0)
		return errno;
	close((int)r);
	return 0;
}

/* Wait for a child created by a raw clone and return its result. */
static int reap(long pid)
{
	int st;

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0);
	if (waitpid((pid_t)pid, &st, __WALL) < 0)
		return errno;
	return 0;
}

static int do_clone(long flags)
{
	return reap(syscall(SYS_clone, flags | SIGCHLD, 0L, 0L, 0L, 0L));
}

static int p_clone_plain(void) { return do_clone(0); }
static int p_clone_newuser(void) { return do_clone(CLONE_NEWUSER); }
static int p_clone_newns(void) { return do_clone(CLONE_NEWNS); }
static int p_clone_newnet(void) { return do_clone(CLONE_NEWNET); }

static int p_clone3(void)
{
	struct clone_args_v0 a = { .exit_signal = SIGCHLD };

	return reap(syscall(SYS_clone3, &a, sizeof(a)));
}

/* glibc tries clone3 first and falls back to clone on ENOSYS only. */
static void *thread_main(void *arg)
{
	return arg;
}

static int p_thread(void)
{
	pthread_t t;
	int r = pthread_create(&t, NULL, thread_main, NULL);

	if (r)
		return r;
	return pthread_join(t, NULL);
}

static int p_spawn(void)
{
	char *argv[] = { "true", NULL }, *envp[] = { NULL };
	pid_t pid;
	int r, st;

	r = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, envp);
	if (r)
		return r;
	if (waitpid(pid, &st, 0) < 0)
		return errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : ECHILD;
}

static int p_unshare_user(void) { return res(unshare(CLONE_NEWUSER)); }
static int p_unshare_mount(void) { return res(unshare(CLONE_NEWNS)); }
static int p_unshare_files(void) { return res(unshare(CLONE_FILES)); }
static int p_setns(void) { return res(setns(-1, 0)); }

static int p_socket_unix(void) { return fdres(socket(AF_UNIX, SOCK_STREAM, 0)); }
static int p_socket_inet(void) { return fdres(socket(AF_INET, SOCK_STREAM, 0)); }
static int p_socket_inet6(void) { return fdres(socket(AF_INET6, SOCK_DGRAM, 0)); }
static int p_socket_netlink(void) { return fdres(socket(AF_NETLINK, SOCK_RAW, 0)); }
static int p_socket_packet(void) { return fdres(socket(AF_PACKET, SOCK_DGRAM, 0)); }
static int p_socket_alg(void) { return fdres(socket(AF_ALG, SOCK_SEQPACKET, 0)); }
static int p_socket_vsock(void) { return fdres(socket(AF_VSOCK, SOCK_STREAM, 0)); }
static int p_socket_key(void) { return fdres(socket(AF_KEY, SOCK_RAW, 2)); }
static int p_socket_rds(void) { return fdres(socket(AF_RDS, SOCK_SEQPACKET, 0)); }

/* The kernel truncates the family to an int: bits 32-63 are ignored. */
static int p_socket_inet_hibits(void)
{
	return fdres(syscall(SYS_socket, HIGH_BITS | AF_INET, SOCK_STREAM, 0L));
}

static int p_socket_alg_hibits(void)
{
	return fdres(syscall(SYS_socket, HIGH_BITS | AF_ALG, SOCK_SEQPACKET, 0L));
}

/* A terminal of our own: the slave of a new pty (-1 on failure). */
static int pty_slave(void)
{
	int unlock = 0, master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int slave;

	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return -1;
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return slave;
}

/* Push a byte into a terminal's input (with CAP_SYS_ADMIN, any terminal
 * the process has open: the operator's shell, if one leaked in). */
static long tiocsti(unsigned long cmd)
{
	int fd = pty_slave();
	char c = 'x';

	if (fd < 0)
		return -1;
	return syscall(SYS_ioctl, fd, cmd, &c);
}

static int p_ioctl_tiocsti(void) { return res(tiocsti(TIOCSTI)); }
/* The kernel reads the command as an unsigned int: bits 32-63 are ignored. */
static int p_ioctl_tiocsti_hibits(void) { return res(tiocsti(HIGH_BITS | TIOCSTI)); }

static int p_ioctl_tioclinux(void)
{
	int fd = pty_slave();
	char sub = 0;

	if (fd < 0)
		return errno;
	return res(ioctl(fd, TIOCLINUX, &sub));
}

/* Ordinary terminal ioctls around TIOCSTI's number stay allowed. */
static int p_ioctl_tiocgwinsz(void)
{
	struct winsize ws;
	int fd = pty_slave();

	if (fd < 0)
		return errno;
	return res(ioctl(fd, TIOCGWINSZ, &ws));
}

static int p_socketpair_unix(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return errno;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

static int p_socketpair_inet(void)
{
	int sv[2];

	return res(socketpair(AF_INET, SOCK_STREAM, 0, sv));
}

static int p_mount(void) { return res(mount("none", "/nonexistent", "tmpfs", 0, NULL)); }
static int p_umount2(void) { return res(umount2("/nonexistent", 0)); }
static int p_pivot_root(void) { return res(syscall(SYS_pivot_root, "/nonexistent", "/nonexistent")); }
static int p_open_tree(void) { return fdres(syscall(SYS_open_tree, AT_FDCWD, "/nonexistent", 0L)); }
static int p_move_mount(void) { return res(syscall(SYS_move_mount, -1L, "", -1L, "", 0L)); }
static int p_fsopen(void) { return fdres(syscall(SYS_fsopen, "nonexistentfs", 0L)); }
static int p_fsmount(void) { return fdres(syscall(SYS_fsmount, -1L, 0L, 0L)); }
static int p_fsconfig(void) { return res(syscall(SYS_fsconfig, -1L, 0L, NULL, NULL, 0L)); }
static int p_fspick(void) { return fdres(syscall(SYS_fspick, -1L, "", 0L)); }
static int p_mount_setattr(void) { return res(syscall(SYS_mount_setattr, -1L, "", 0L, NULL, 0L)); }

static int p_keyctl(void)
{
	return res(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0L));
}

/* Keyring 0 is invalid: nothing is added. */
static int p_add_key(void) { return res(syscall(SYS_add_key, "user", "ward-probe", "x", 1L, 0L)); }
/* No callout string: the kernel never runs /sbin/request-key. */
static int p_request_key(void) { return res(syscall(SYS_request_key, "user", "ward-probe-none", NULL, 0L)); }

static int p_io_uring_setup(void) { return fdres(syscall(SYS_io_uring_setup, 0L, NULL)); }
static int p_io_uring_enter(void) { return res(syscall(SYS_io_uring_enter, -1L, 0L, 0L, 0L, NULL, 0L)); }
static int p_io_uring_register(void) { return res(syscall(SYS_io_uring_register, -1L, 0L, NULL, 0L)); }
static int p_bpf(void) { return fdres(syscall(SYS_bpf, 0L, NULL, 0L)); }
static int p_userfaultfd(void) { return fdres(syscall(SYS_userfaultfd, 0x7fffffffL)); }
static int p_perf_event_open(void) { return fdres(syscall(SYS_perf_event_open, NULL, 0L, -1L, -1L, 0L)); }

static int p_ptrace_traceme(void) { return res(ptrace(PTRACE_TRACEME, 0, NULL, NULL)); }

static int p_process_vm_readv(void)
{
	char src[8] = "probe", dst[8];
	struct iovec l = { dst, sizeof(dst) }, r = { src, sizeof(src) };

	return res(process_vm_readv(getpid(), &l, 1, &r, 1, 0));
}

static int p_kcmp(void) { return res(syscall(SYS_kcmp, (long)getpid(), (long)getpid(), 1L, 0L, 0L)); }
static int p_pidfd_getfd(void) { return fdres(syscall(SYS_pidfd_getfd, -1L, 0L, 0L)); }

/* Invalid flags: rejected after the capability check, nothing is loaded. */
static int p_kexec_load(void) { return res(syscall(SYS_kexec_load, 0L, 0L, NULL, 0xffff0000L)); }
static int p_kexec_file_load(void) { return res(syscall(SYS_kexec_file_load, -1L, -1L, 0L, NULL, 0L)); }
static int p_init_module(void) { return res(syscall(SYS_init_module, NULL, 0L, "")); }
static int p_finit_module(void) { return res(syscall(SYS_finit_module, -1L, "", 0L)); }
static int p_delete_module(void) { return res(syscall(SYS_delete_module, "ward_probe_none", (long)O_NONBLOCK)); }
static int p_acct(void) { return res(syscall(SYS_acct, "/nonexistent/acct")); }
static int p_swapon(void) { return res(syscall(SYS_swapon, NULL, 0L)); }
static int p_swapoff(void) { return res(syscall(SYS_swapoff, NULL)); }
/* Bad magic numbers: the kernel refuses after checking CAP_SYS_BOOT. */
static int p_reboot(void) { return res(syscall(SYS_reboot, 0L, 0L, 0L, NULL)); }

static int p_settimeofday(void)
{
	struct { long sec, usec; } bad = { 0, 2000000 };	/* invalid usec */

	return res(syscall(SYS_settimeofday, &bad, NULL));
}

static int p_clock_settime(void) { return res(syscall(SYS_clock_settime, 0L, NULL)); }
static int p_adjtimex(void) { return res(syscall(SYS_adjtimex, NULL)); }
static int p_clock_adjtime(void) { return res(syscall(SYS_clock_adjtime, 0L, NULL)); }

static int p_personality_query(void) { return res(personality(0xffffffff)); }
static int p_personality_linux(void) { return res(personality(PER_LINUX)); }
static int p_personality_noaslr(void) { return res(personality(ADDR_NO_RANDOMIZE)); }
static int p_personality_exec(void) { return res(personality(READ_IMPLIES_EXEC)); }

static int p_lookup_dcookie(void) { return res(syscall(SYS_lookup_dcookie, 0L, NULL, 0L)); }
static int p_quotactl(void) { return res(syscall(SYS_quotactl, 0L, NULL, 0L, NULL)); }
static int p_name_to_handle_at(void) { return res(syscall(SYS_name_to_handle_at, AT_FDCWD, "/", NULL, NULL, 0L)); }
static int p_open_by_handle_at(void) { return fdres(syscall(SYS_open_by_handle_at, -1L, NULL, 0L)); }

static int p_modify_ldt(void)
{
	char buf[16];

	return res(syscall(SYS_modify_ldt, 0L, buf, (long)sizeof(buf)));
}

static int p_syslog(void) { return res(syscall(SYS_syslog, 10L, NULL, 0L)); }	/* SIZE_BUFFER */

/* Sets the hostname the UTS namespace already has. */
static int p_sethostname(void)
{
	char name[256] = "";

	if (gethostname(name, sizeof(name) - 1) < 0)
		return errno;
	return res(sethostname(name, strlen(name)));
}

static int p_get_mempolicy(void) { return res(syscall(SYS_get_mempolicy, NULL, NULL, 0L, NULL, 0L)); }
static int p_move_pages(void) { return res(syscall(SYS_move_pages, 0L, 0L, NULL, NULL, NULL, 0L)); }
static int p_fanotify_init(void) { return fdres(syscall(SYS_fanotify_init, 0L, 0L)); }
static int p_ioperm(void) { return res(syscall(SYS_ioperm, 0x80L, 1L, 0L)); }	/* turns access off */
static int p_chroot(void) { return res(chroot("/")); }
static int p_fchmodat2(void) { return res(syscall(NR_FCHMODAT2, AT_FDCWD, "/dev/null", 0666L, 0L)); }
static int p_mseal(void) { return res(syscall(NR_MSEAL, 0L, 0L, 0L)); }

/* getpid through the i386 entry point (int $0x80, i386 number 20). */
static int p_abi_i386(void)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	if (r < 0 && r > -4096)
		return (int)-r;
	return 0;
}

/* getpid through the x32 ABI (x86_64 number 39 with the x32 bit). */
static int p_abi_x32(void) { return res(syscall(X32_SYSCALL_BIT | 39L)); }

static const struct probe {
	const char *name;
	int (*fn)(void);
} probes[] = {
#define P(n) { #n, p_##n }
	P(clone_plain), P(clone_newuser), P(clone_newns), P(clone_newnet), P(clone3),
	P(thread), P(spawn),
	P(unshare_user), P(unshare_mount), P(unshare_files), P(setns),
	P(socket_unix), P(socket_inet), P(socket_inet6), P(socket_netlink),
	P(socket_packet), P(socket_alg), P(socket_vsock), P(socket_key), P(socket_rds),
	P(socket_inet_hibits), P(socket_alg_hibits), P(socketpair_unix), P(socketpair_inet),
	P(ioctl_tiocsti), P(ioctl_tiocsti_hibits), P(ioctl_tioclinux), P(ioctl_tiocgwinsz),
	P(mount), P(umount2), P(pivot_root), P(open_tree), P(move_mount), P(fsopen),
	P(fsmount), P(fsconfig), P(fspick), P(mount_setattr),
	P(keyctl), P(add_key), P(request_key),
	P(io_uring_setup), P(io_uring_enter), P(io_uring_register),
	P(bpf), P(userfaultfd), P(perf_event_open),
	P(ptrace_traceme), P(process_vm_readv), P(kcmp), P(pidfd_getfd),
	P(kexec_load), P(kexec_file_load), P(init_module), P(finit_module), P(delete_module),
	P(acct), P(swapon), P(swapoff), P(reboot),
	P(settimeofday), P(clock_settime), P(adjtimex), P(clock_adjtime),
	P(personality_query), P(personality_linux), P(personality_noaslr), P(personality_exec),
	P(lookup_dcookie), P(quotactl), P(name_to_handle_at), P(open_by_handle_at),
	P(modify_ldt), P(syslog), P(sethostname), P(get_mempolicy), P(move_pages),
	P(fanotify_init), P(ioperm), P(chroot), P(fchmodat2), P(mseal),
	P(abi_i386), P(abi_x32),
#undef P
};

static void run(const struct probe *p)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("%s fork:%s\n", p->name, strerrorname_np(errno));
		return;
	}
	if (pid == 0)
		_exit(p->fn());
	if (waitpid(pid, &st, 0) < 0) {
		printf("%s wait:%s\n", p->name, strerrorname_np(errno));
	} else if (WIFSIGNALED(st)) {
		printf("%s killed:SIG%s\n", p->name, sigabbrev_np(WTERMSIG(st)));
	} else if (WEXITSTATUS(st) == 0) {
		printf("%s ok\n", p->name);
	} else {
		const char *e = strerrorname_np(WEXITSTATUS(st));

		if (e)
			printf("%s %s\n", p->name, e);
		else
			printf("%s errno:%d\n", p->name, WEXITSTATUS(st));
	}
}

int main(int argc, char **argv)
{
	size_t n = sizeof(probes) / sizeof(probes[0]);
	int status = 0;

	if (argc < 2) {
		for (size_t i = 0; i < n; i++)
			run(&probes[i]);
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		size_t i;

		for (i = 0; i < n && strcmp(probes[i].name, argv[a]); i++)
			;
		if (i == n) {
			fprintf(stderr, "probe: unknown probe %s\n", argv[a]);
			status = 2;
			continue;
		}
		run(&probes[i]);
	}
	return status;
}
