/* process.user (config.md "POSIX process / User"): supplementary groups,
 * gid, uid and umask. Capabilities survive the uid change (keep-caps) so
 * that caps_apply() can then set exactly the configured sets; without it
 * the kernel clears them when the last uid 0 goes away. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "container.h"

#define DEFAULT_UMASK 0022 /* runc's, when process.user.umask is unset */

/* In a user namespace whose gid map was written by an unprivileged parent,
 * /proc/self/setgroups reads "deny" and setgroups(2) always fails. */
static bool setgroups_denied(void)
{
	cleanup_close int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	char buf[8] = { 0 };

	if (fd < 0)
		return false;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		return false;
	return strncmp(buf, "deny", 4) == 0;
}

/* Make the stdio the container inherits owned by its user, so it can use
 * its terminal (runc's fixStdioPermissions). Only the uid changes; stdio on
 * /dev/null and files we may not chown are left alone. */
static int fix_stdio_owner(uid_t uid, struct ward_error *err)
{
	struct stat null_st;
	bool have_null = stat("/dev/null", &null_st) == 0;

	for (int fd = 0; fd <= 2; fd++) {
		struct stat st;

		if (fstat(fd, &st) < 0) {
			if (errno == EBADF)
				continue;
			return ward_error_errno(err, "fstat stdio fd %d", fd);
		}
		if (st.st_uid == uid)
			continue;
		if (have_null && S_ISCHR(st.st_mode) && st.st_rdev == null_st.st_rdev)
			continue;
		/* Only terminals and pipes/sockets handed to us are ours to
		 * give away; a regular file (a log the caller redirected)
		 * belongs to the caller. */
		if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
			continue;
		if (fchown(fd, uid, (gid_t)-1) < 0) {
			if (errno == EINVAL || errno == EPERM || errno == EROFS)
				continue;
			return ward_error_errno(err, "fchown stdio fd %d", fd);
		}
	}
	return 0;
}

int user_prepare(const struct spec_process *p, bool *setgroups_ok, struct ward_error *err)
{
	*setgroups_ok = !setgroups_denied();
	return fix_stdio_owner(p->user.uid, err);
}

int user_apply(const struct spec_process *p, bool setgroups_ok, struct ward_error *err)
{
	const struct spec_user *u = &p->user;
	int r;

	if (!setgroups_ok) {
		if (u->n_additional_gids > 0)
			return ward_error_set(err, EPERM,
					      "cannot set additionalGids: setgroups is denied in this user namespace");
	} else if (setgroups(u->n_additional_gids, u->n_additional_gids ? u->additional_gids : NULL) < 0) {
		return ward_error_errno(err, "setgroups");
	}

	if (setresgid(u->gid, u->gid, u->gid) < 0) {
		if (errno == EINVAL)
			return ward_error_set(err, EINVAL, "cannot set gid %u: unmapped in the user namespace",
					      u->gid);
		return ward_error_errno(err, "setresgid %u", u->gid);
	}

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return ward_error_errno(err, "unable to set keep caps");
	r = setresuid(u->uid, u->uid, u->uid);
	if (r < 0) {
		int saved = errno;

		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
		if (saved == EINVAL)
			return ward_error_set(err, EINVAL, "cannot set uid %u: unmapped in the user namespace",
					      u->uid);
		return ward_error_set(err, saved, "setresuid %u", u->uid);
	}
	/* Permitted caps were kept by the transition itself; the flag must
	 * not linger (execve clears it anyway). */
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return ward_error_errno(err, "unable to clear keep caps");

	umask(u->umask.set ? (mode_t)(u->umask.value & 0777) : DEFAULT_UMASK);
	return 0;
}
