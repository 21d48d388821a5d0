#include "config.h"

#include "mountopts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

enum opt_kind {
	OPT_FLAG,    /* mount(2) flag */
	OPT_PROP,    /* propagation change applied after the mount */
	OPT_RATTR,   /* recursive MOUNT_ATTR_* */
	OPT_NOOP,    /* "defaults" */
	OPT_COPYUP,
	OPT_IDMAP,
	OPT_RIDMAP,
};

struct opt {
	const char *name;
	enum opt_kind kind;
	bool clear;
	uint64_t value;
};

/* Sorted by name: the same table answers `ward features`. "acl" is
 * deliberately absent (MS_POSIXACL cannot be requested from userspace), so
 * it reaches the filesystem as data, as with runc. */
static const struct opt table[] = {
	{ "async", OPT_FLAG, true, MS_SYNCHRONOUS },
	{ "atime", OPT_FLAG, true, MS_NOATIME },
	{ "bind", OPT_FLAG, false, MS_BIND },
	{ "defaults", OPT_NOOP, false, 0 },
	{ "dev", OPT_FLAG, true, MS_NODEV },
	{ "diratime", OPT_FLAG, true, MS_NODIRATIME },
	{ "dirsync", OPT_FLAG, false, MS_DIRSYNC },
	{ "exec", OPT_FLAG, true, MS_NOEXEC },
	{ "idmap", OPT_IDMAP, false, 0 },
	{ "iversion", OPT_FLAG, false, MS_I_VERSION },
	{ "lazytime", OPT_FLAG, false, MS_LAZYTIME },
	{ "loud", OPT_FLAG, true, MS_SILENT },
	{ "mand", OPT_FLAG, false, MS_MANDLOCK },
	{ "noatime", OPT_FLAG, false, MS_NOATIME },
	{ "nodev", OPT_FLAG, false, MS_NODEV },
	{ "nodiratime", OPT_FLAG, false, MS_NODIRATIME },
	{ "noexec", OPT_FLAG, false, MS_NOEXEC },
	{ "noiversion", OPT_FLAG, true, MS_I_VERSION },
	{ "nolazytime", OPT_FLAG, true, MS_LAZYTIME },
	{ "nomand", OPT_FLAG, true, MS_MANDLOCK },
	{ "norelatime", OPT_FLAG, true, MS_RELATIME },
	{ "nostrictatime", OPT_FLAG, true, MS_STRICTATIME },
	{ "nosuid", OPT_FLAG, false, MS_NOSUID },
	{ "nosymfollow", OPT_FLAG, false, MS_NOSYMFOLLOW },
	{ "private", OPT_PROP, false, MS_PRIVATE },
	{ "ratime", OPT_RATTR, true, MOUNT_ATTR_NOATIME },
	{ "rbind", OPT_FLAG, false, MS_BIND | MS_REC },
	{ "rdev", OPT_RATTR, true, MOUNT_ATTR_NODEV },
	{ "rdiratime", OPT_RATTR, true, MOUNT_ATTR_NODIRATIME },
	{ "relatime", OPT_FLAG, false, MS_RELATIME },
	{ "remount", OPT_FLAG, false, MS_REMOUNT },
	{ "rexec", OPT_RATTR, true, MOUNT_ATTR_NOEXEC },
	{ "ridmap", OPT_RIDMAP, false, 0 },
	{ "rnoatime", OPT_RATTR, false, MOUNT_ATTR_NOATIME },
	{ "rnodev", OPT_RATTR, false, MOUNT_ATTR_NODEV },
	{ "rnodiratime", OPT_RATTR, false, MOUNT_ATTR_NODIRATIME },
	{ "rnoexec", OPT_RATTR, false, MOUNT_ATTR_NOEXEC },
	{ "rnorelatime", OPT_RATTR, true, MOUNT_ATTR_RELATIME },
	{ "rnostrictatime", OPT_RATTR, true, MOUNT_ATTR_STRICTATIME },
	{ "rnosuid", OPT_RATTR, false, MOUNT_ATTR_NOSUID },
	{ "rnosymfollow", OPT_RATTR, false, MOUNT_ATTR_NOSYMFOLLOW },
	{ "ro", OPT_FLAG, false, MS_RDONLY },
	{ "rprivate", OPT_PROP, false, MS_PRIVATE | MS_REC },
	{ "rrelatime", OPT_RATTR, false, MOUNT_ATTR_RELATIME },
	{ "rro", OPT_RATTR, false, MOUNT_ATTR_RDONLY },
	{ "rrw", OPT_RATTR, true, MOUNT_ATTR_RDONLY },
	{ "rshared", OPT_PROP, false, MS_SHARED | MS_REC },
	{ "rslave", OPT_PROP, false, MS_SLAVE | MS_REC },
	{ "rstrictatime", OPT_RATTR, false, MOUNT_ATTR_STRICTATIME },
	{ "rsuid", OPT_RATTR, true, MOUNT_ATTR_NOSUID },
	{ "rsymfollow", OPT_RATTR, true, MOUNT_ATTR_NOSYMFOLLOW },
	{ "runbindable", OPT_PROP, false, MS_UNBINDABLE | MS_REC },
	{ "rw", OPT_FLAG, true, MS_RDONLY },
	{ "shared", OPT_PROP, false, MS_SHARED },
	{ "silent", OPT_FLAG, false, MS_SILENT },
	{ "slave", OPT_PROP, false, MS_SLAVE },
	{ "strictatime", OPT_FLAG, false, MS_STRICTATIME },
	{ "suid", OPT_FLAG, true, MS_NOSUID },
	{ "symfollow", OPT_FLAG, true, MS_NOSYMFOLLOW },
	{ "sync", OPT_FLAG, false, MS_SYNCHRONOUS },
	{ "tmpcopyup", OPT_COPYUP, false, 0 },
	{ "unbindable", OPT_PROP, false, MS_UNBINDABLE },
};

#define N_OPTS (sizeof(table) / sizeof(table[0]))

const char *const mountopts_known[] = {
	"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
	"idmap", "iversion", "lazytime", "loud", "mand", "noatime", "nodev",
	"nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime",
	"nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind",
	"rdev", "rdiratime", "relatime", "remount", "rexec", "ridmap", "rnoatime",
	"rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime",
	"rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw",
	"rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable",
	"rw", "shared", "silent", "slave", "strictatime", "suid", "symfollow",
	"sync", "tmpcopyup", "unbindable", NULL,
};

static int cmp_opt(const void *key, const void *elem)
{
	return strcmp(key, ((const struct opt *)elem)->name);
}

static const struct opt *lookup(const char *name)
{
	return bsearch(name, table, N_OPTS, sizeof(table[0]), cmp_opt);
}

int mountopts_propagation(const char *name, unsigned long *flag)
{
	const struct opt *o = name ? lookup(name) : NULL;

	if (!o || o->kind != OPT_PROP)
		return -1;
	*flag = o->value;
	return 0;
}

static int append_data(struct mount_opts *out, size_t *len, const char *s, struct ward_error *err)
{
	size_t n = strlen(s);
	size_t need = *len + (*len ? 1 : 0) + n + 1;
	char *d = realloc(out->data, need);

	if (!d)
		return ward_error_set(err, ENOMEM, "mount options");
	if (*len)
		d[(*len)++] = ',';
	memcpy(d + *len, s, n + 1);
	*len += n;
	out->data = d;
	return 0;
}

int mountopts_parse(const struct spec_strv *opts, struct mount_opts *out, struct ward_error *err)
{
	size_t data_len = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; opts && i < opts->len; i++) {
		const char *name = opts->items[i];
		const struct opt *o = lookup(name);

		if (!o) {
			if (append_data(out, &data_len, name, err) < 0)
				goto fail;
			continue;
		}
		switch (o->kind) {
		case OPT_FLAG:
			/* Last one wins, like mount(8): "ro,rw" is rw. */
			if (o->clear) {
				out->flags &= ~o->value;
				out->cleared |= o->value;
			} else {
				out->flags |= o->value;
				out->cleared &= ~o->value;
			}
			break;
		case OPT_PROP:
			if (out->n_prop == MOUNTOPTS_MAX_PROP) {
				ward_error_set(err, EINVAL, "too many propagation options");
				goto fail;
			}
			out->prop[out->n_prop++] = o->value;
			break;
		case OPT_RATTR:
			if ((o->value & MOUNT_ATTR__ATIME) == o->value) {
				/* The atime mode is a field, not a bit: mount_setattr(2)
				 * wants the whole field cleared and the new value set.
				 * Negating a mode falls back to relatime (value 0). */
				uint64_t cur = out->attr_set & MOUNT_ATTR__ATIME;

				out->attr_clr |= MOUNT_ATTR__ATIME;
				out->attr_set &= ~MOUNT_ATTR__ATIME;
				if (!o->clear)
					out->attr_set |= o->value;
				else if (cur != o->value)
					out->attr_set |= cur;
			} else if (o->clear) {
				out->attr_clr |= o->value;
				out->attr_set &= ~o->value;
			} else {
				out->attr_set |= o->value;
				out->attr_clr &= ~o->value;
			}
			break;
		case OPT_NOOP:
			break;
		case OPT_COPYUP:
			out->copyup = true;
			break;
		case OPT_IDMAP:
			out->idmap = true;
			break;
		case OPT_RIDMAP:
			out->idmap = true;
			out->idmap_recursive = true;
			break;
		}
	}
	return 0;
fail:
	mountopts_release(out);
	return -1;
}

void mountopts_release(struct mount_opts *o)
{
	free(o->data);
	o->data = NULL;
}
