/* The rootfs mounts containerd passes in Create (CRI: an overlay from the
 * snapshotter) go onto BUNDLE/rootfs, and come off again on failure and at
 * Delete. Options that are mount flags become flags; the rest is data. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} flags[] = {
	{ "ro", false, MS_RDONLY },     { "rw", true, MS_RDONLY },         { "nosuid", false, MS_NOSUID },
	{ "suid", true, MS_NOSUID },    { "nodev", false, MS_NODEV },      { "dev", true, MS_NODEV },
	{ "noexec", false, MS_NOEXEC }, { "exec", true, MS_NOEXEC },       { "sync", false, MS_SYNCHRONOUS },
	{ "async", true, MS_SYNCHRONOUS }, { "noatime", false, MS_NOATIME }, { "relatime", false, MS_RELATIME },
	{ "nodiratime", false, MS_NODIRATIME }, { "bind", false, MS_BIND }, { "rbind", false, MS_BIND | MS_REC },
	{ "remount", false, MS_REMOUNT }, { "defaults", false, 0 },
};

static int mount_one(const Wshim__Mount *m, const char *target, char **errmsg)
{
	unsigned long fl = 0;
	size_t cap = 1;
	_cleanup_free_ char *data = NULL;
	for (size_t i = 0; i < m->n_options; i++)
		cap += strlen(m->options[i]) + 1;
	data = calloc(1, cap);
	if (!data)
		abort();
	for (size_t i = 0; i < m->n_options; i++) {
		const char *o = m->options[i];
		size_t k;
		for (k = 0; k < sizeof flags / sizeof flags[0]; k++)
			if (!strcmp(flags[k].name, o))
				break;
		if (k < sizeof flags / sizeof flags[0]) {
			if (flags[k].clear)
				fl &= ~flags[k].flag;
			else
				fl |= flags[k].flag;
			continue;
		}
		if (*data)
			strcat(data, ",");
		strcat(data, o);
	}
	if (mount(m->source, target, m->type, fl, *data ? data : NULL) < 0) {
		*errmsg = xasprintf("mount %s (%s) on %s: %s", m->source, m->type, target, strerror(errno));
		return -1;
	}
	/* a bind mount takes ro only on a remount */
	if ((fl & MS_BIND) && (fl & MS_RDONLY) &&
	    mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | (fl & (MS_NOSUID | MS_NODEV | MS_NOEXEC)), NULL) < 0) {
		*errmsg = xasprintf("remount %s read-only: %s", target, strerror(errno));
		umount2(target, MNT_DETACH);
		return -1;
	}
	return 0;
}

int mount_rootfs(const char *bundle, size_t n, Wshim__Mount **m, char **errmsg)
{
	_cleanup_free_ char *target = xasprintf("%s/rootfs", bundle);
	size_t done = 0;
	if (mkdir(target, 0711) < 0 && errno != EEXIST) {
		*errmsg = xasprintf("mkdir %s: %s", target, strerror(errno));
		return -1;
	}
	for (; done < n; done++)
		if (mount_one(m[done], target, errmsg) < 0)
			break;
	if (done == n)
		return 0;
	while (done--)
		umount2(target, MNT_DETACH);
	return -1;
}

void unmount_rootfs(const char *bundle)
{
	_cleanup_free_ char *target = xasprintf("%s/rootfs", bundle);
	/* several mounts may be stacked there */
	for (int i = 0; i < 16; i++)
		if (umount2(target, MNT_DETACH) < 0)
			break;
}
