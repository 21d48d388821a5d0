/* hostname and domainname (config.md "Hostname", config-linux.md
 * "Domainname"). Both need a UTS namespace of the container's own: setting
 * them in a shared one would rename the host or a sibling. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "container.h"

static bool has_uts_ns(const struct spec *s)
{
	return spec_find_namespace(s, SPEC_NS_UTS) != NULL;
}

int uts_setup(const struct spec *s, struct ward_error *err)
{
	if (s->hostname != NULL && s->hostname[0] != '\0') {
		if (!has_uts_ns(s))
			return ward_error_set(err, 0, "unable to set hostname without a private UTS namespace");
		if (sethostname(s->hostname, strlen(s->hostname)) < 0)
			return ward_error_errno(err, "sethostname %s", s->hostname);
	}
	if (s->domainname != NULL && s->domainname[0] != '\0') {
		if (!has_uts_ns(s))
			return ward_error_set(err, 0, "unable to set domainname without a private UTS namespace");
		if (setdomainname(s->domainname, strlen(s->domainname)) < 0)
			return ward_error_errno(err, "setdomainname %s", s->domainname);
	}
	return 0;
}
