/* What a hostile container process does with a terminal it inherited as
 * stdin: report whether it is its controlling terminal, then push
 * argv[1] into the terminal's input queue with TIOCSTI (the shell that
 * owns the terminal would read and run it) and poke TIOCLINUX. Prints one
 * line per attempt: "ctty: yes|no", "TIOCSTI: ok|<errno name>",
 * "TIOCLINUX: ok|<errno name>". Built static: the container has no libc. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char *outcome(int r)
{
	return r == 0 ? "ok" : strerrorname_np(errno);
}

int main(int argc, char **argv)
{
	const char *text = argc > 1 ? argv[1] : "echo INJECTED\n";
	int fd, r = 0;
	char sub = 0; /* TIOCLINUX subcode 0 is invalid but reaches the tty layer */

	/* /dev/tty opens only the controlling terminal (ENXIO without one). */
	fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	printf("ctty: %s\n", fd >= 0 ? "yes" : "no");
	if (fd >= 0)
		close(fd);
	for (const char *p = text; *p && r == 0; p++)
		r = ioctl(0, TIOCSTI, p);
	printf("TIOCSTI: %s\n", outcome(r));
	r = ioctl(0, TIOCLINUX, &sub);
	printf("TIOCLINUX: %s\n", r == 0 || errno == EINVAL ? "reached the tty" : outcome(r));
	return 0;
}
