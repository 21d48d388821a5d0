/*
 * fds: what a container process inherited (CVE-2024-21626).
 *
 *   fds list		one line per open fd: "N TARGET" (our own directory
 *			fd for /proc/self/fd left out)
 *   fds cwd MARKER	the working directory we were started in: print
 *			"cwd PATH" (or "cwd <errno name>" when it lies outside
 *			our root), then climb ".." 64 times and print
 *			"ESCAPED" if the absolute host path MARKER can be
 *			reached relative to where we end up, else "contained".
 *   fds chroot ROOT MARKER
 *			the broken setup, to check the probe itself: chroot
 *			into ROOT keeping the current directory, then as
 *			`fds cwd MARKER`.
 *
 * Build: cc -static -O2 -o fds fds.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int list(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d) {
		perror("/proc/self/fd");
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX], link[PATH_MAX];
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		ssize_t n;

		if (*end || e->d_name[0] == '\0' || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		printf("%ld %s\n", fd, link);
	}
	closedir(d);
	return 0;
}

static int cwd(const char *marker)
{
	char buf[PATH_MAX];

	if (getcwd(buf, sizeof(buf)))
		printf("cwd %s\n", buf);
	else
		printf("cwd %s\n", strerrorname_np(errno));
	/* From a directory outside our root, ".." never meets the root and
	 * ends at the host's "/". */
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	while (*marker == '/')
		marker++;
	puts(access(marker, F_OK) == 0 ? "ESCAPED" : "contained");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return list();
	if (argc == 3 && strcmp(argv[1], "cwd") == 0)
		return cwd(argv[2]);
	if (argc == 4 && strcmp(argv[1], "chroot") == 0) {
		if (chroot(argv[2]) < 0) {
			perror(argv[2]);
			return 1;
		}
		return cwd(argv[3]);
	}
	fprintf(stderr, "usage: fds list | fds cwd MARKER | fds chroot ROOT MARKER\n");
	return 2;
}
