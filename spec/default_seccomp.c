/* The seam where ward's default seccomp profile goes: spec_default() calls
 * spec_default_seccomp() last, on the finished linux object. ward has no
 * profile of its own yet, so the default config carries no linux.seccomp
 * (as `runc spec` writes none); a profile added here fills l->seccomp and
 * returns -1 with err set if it cannot be built. */
#include "parse_internal.h"

int spec_default_seccomp(struct spec_linux *l, struct ward_error *err)
{
	(void)err;
	l->seccomp = NULL;
	return 0;
}
