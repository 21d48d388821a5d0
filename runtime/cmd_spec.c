/* ward spec: write a starter config.json into the bundle directory, never
 * over an existing one. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "spec.h"

static int write_new(int dirfd, const char *name, const char *data, size_t len,
		     struct ward_error *err)
{
	cleanup_close int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				      0666);
	if (fd < 0) {
		if (errno == EEXIST)
			return ward_error_set(err, 0, "File %s exists. Remove it first", name);
		return ward_error_errno(err, "create %s", name);
	}
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ward_error_errno(err, "write %s", name);
			unlinkat(dirfd, name, 0);
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int cmd_spec(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] = "[command options]";
	static const char desc[] =
		"write a starter config.json into the bundle directory\n"
		"The generated configuration runs \"sh\" from ./rootfs with a minimal set of\n"
		"capabilities, the usual namespaces and the default mounts; edit it before use.\n"
		"An existing config.json is never overwritten.\n\n"
		"With --rootless the configuration adds a user namespace that maps the calling\n"
		"user to root inside the container and leaves out what an unprivileged user\n"
		"cannot set up.";
	const char *bundle = NULL;
	bool rootless = false, help;
	const struct cli_opt opts[] = {
		{ "bundle", 'b', CLI_STRING, &bundle, "path to the root of the bundle directory", "value" },
		{ "rootless", 0, CLI_BOOL, &rootless, "generate a configuration for a rootless container", NULL },
		{ 0 },
	};
	struct ward_error err = { 0 };
	int nargs;

	(void)g;
	if (cli_parse("spec", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args("spec", nargs, 0, &err) < 0)
		return cli_fail(&err);

	const char *dir = bundle && *bundle ? bundle : ".";
	cleanup_close int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		ward_error_errno(&err, "open bundle %s", dir);
		return cli_fail(&err);
	}
	/* Checked first so that an existing file is reported as such, as runc
	 * does, before any spec is built. */
	if (faccessat(dirfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		ward_error_set(&err, 0, "File config.json exists. Remove it first");
		return cli_fail(&err);
	}
	cleanup_spec struct spec *s = spec_default(rootless, getuid(), getgid(), &err);
	if (!s)
		return cli_fail(&err);
	size_t len;
	cleanup_free char *json = spec_emit(s, true, &len, &err);
	if (!json)
		return cli_fail(&err);
	if (write_new(dirfd, "config.json", json, len, &err) < 0)
		return cli_fail(&err);
	return 0;
}
