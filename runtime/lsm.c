/* LSM labels for the container process (config.md "process.apparmorProfile",
 * "process.selinuxLabel"). Both take effect at the next execve, so the
 * process keeps its own label while it finishes setting up. A requested
 * label on a host without the LSM is an error: running the workload
 * unconfined while the user asked for confinement would be silent. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif

#include "container.h"
#include "security.h"

/* ---- AppArmor ---- */

static bool apparmor_enabled(void)
{
	cleanup_close int fd = open("/sys/module/apparmor/parameters/enabled",
				    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	cleanup_close int cur = -1;
	char c = 0, buf[8];

	if (fd >= 0)
		return read(fd, &c, 1) == 1 && c == 'Y';
	if (access("/sys/module", F_OK) == 0)
		return false;
	/* No sysfs where we stand (the container mounts none): the task's
	 * AppArmor label is only readable when AppArmor is active. */
	cur = open("/proc/thread-self/attr/apparmor/current", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return cur >= 0 && read(cur, buf, sizeof(buf)) > 0;
}

int apparmor_apply(const struct spec_process *p, struct ward_error *err)
{
	const char *profile = p->apparmor_profile;
	cleanup_free char *cmd = NULL;
	int len;

	if (profile == NULL || profile[0] == '\0')
		return 0;
	if (!apparmor_enabled())
		return ward_error_set(err, 0,
				      "apparmor profile \"%s\" requested but AppArmor is not enabled on this host",
				      profile);
	len = asprintf(&cmd, "exec %s", profile);
	if (len < 0)
		return ward_error_set(err, ENOMEM, "apparmor profile %s", profile);
	/* The per-LSM attr directory (Linux 5.8) avoids clashing with
	 * another LSM that also owns /proc/self/attr/exec. */
	if (procfs_write_file("/proc/thread-self/attr/apparmor/exec", cmd, (size_t)len, err) == 0)
		return 0;
	if (errno != ENOENT)
		return ward_error_wrap(err, "unable to apply apparmor profile %s", profile);
	if (procfs_write_file("/proc/self/attr/exec", cmd, (size_t)len, err) == 0)
		return 0;
	return ward_error_wrap(err, "unable to apply apparmor profile %s", profile);
}

/* ---- SELinux ---- */

bool selinux_host_enabled(void)
{
#ifdef HAVE_SELINUX
	return is_selinux_enabled() > 0;
#else
	return false;
#endif
}

#ifdef HAVE_SELINUX
int selinux_apply(const struct spec_process *p, struct ward_error *err)
{
	const char *label = p->selinux_label;

	if (label == NULL || label[0] == '\0')
		return 0;
	if (is_selinux_enabled() <= 0)
		return ward_error_set(err, 0,
				      "selinux label is specified in config, but selinux is disabled or not supported");
	if (setexeccon(label) < 0)
		return ward_error_errno(err, "can't set process label %s", label);
	/* Keys the container creates carry its label too (runc's
	 * SetKeyLabel). Kernels without keyring labelling lack the file. */
	if (setkeycreatecon(label) < 0 && errno != ENOENT)
		return ward_error_errno(err, "can't set keyring label %s", label);
	return 0;
}
#else
int selinux_apply(const struct spec_process *p, struct ward_error *err)
{
	if (p->selinux_label == NULL || p->selinux_label[0] == '\0')
		return 0;
	return ward_error_set(err, 0,
			      "selinux label is specified in config, but ward was built without SELinux support");
}
#endif

/* The labels the process asks for can be applied on this host: checked at
 * create (and before exec's fork), so a config that cannot run fails there
 * rather than after `start`, as with runc. */
int lsm_check(const struct spec_process *p, struct ward_error *err)
{
	if (p->apparmor_profile && p->apparmor_profile[0] && !apparmor_enabled())
		return ward_error_set(err, 0,
				      "apparmor profile \"%s\" requested but AppArmor is not enabled on this host",
				      p->apparmor_profile);
	if (p->selinux_label && p->selinux_label[0] && !selinux_host_enabled())
		return ward_error_set(err, 0,
				      "selinux label is specified in config, but selinux is disabled or not supported");
	return 0;
}
