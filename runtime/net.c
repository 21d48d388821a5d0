/* The network namespace a container creates starts with only `lo`, and
 * down: bring it up so that a server and a client inside can talk over
 * 127.0.0.1 without any network plugin (runc's "loopback" strategy). A
 * namespace joined by path belongs to whoever made it and is left alone. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "cleanup.h"
#include "container.h"

int net_loopback_up(struct ward_error *err)
{
	cleanup_close int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	if (sock < 0)
		return ward_error_errno(err, "bring up lo: socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return ward_error_errno(err, "bring up lo: get flags");
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return ward_error_errno(err, "bring up lo");
	return 0;
}
