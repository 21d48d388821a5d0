/* ward's default seccomp profile, attached by spec_default() to the config
 * `ward spec` writes (runc writes none: ward's template is meant to run
 * untrusted code as it stands).
 *
 * contrib/seccomp/default.json is the only source of the profile. The build
 * compiles the file in as bytes (spec/embed-file.sh), and it is read here
 * with the parser every config goes through, so the default obeys the same
 * fail-closed checks as a user's linux.seccomp, and what `ward spec` emits
 * is exactly that file (tests/unit/test_spec.c compares the two).
 *
 * --rootless gets the same profile. Nothing in it depends on privilege: it
 * ignores capabilities, denies namespace creation and mounts whoever asks,
 * and allows what the runtime still does after loading it in either mode
 * (execve; without noNewPrivileges also prctl, chdir, setgroups, setresuid
 * and capset). Loading it needs no privilege, as the template sets
 * noNewPrivileges. If anything, a rootless container needs it more: its
 * root holds every capability over its own user namespace, which opens the
 * namespaced kernel paths (filesystems, netfilter) that most container
 * escapes start from. */
#include <stdlib.h>

#include "parse_internal.h"
#include "spec/default_seccomp_profile.h"

int spec_default_seccomp(struct spec_linux *l, struct ward_error *err)
{
	struct json_ctx c = { "ward's default seccomp profile (contrib/seccomp/default.json)", err };
	struct spec_seccomp *sc = NULL;
	struct json_doc doc;
	int rc;

	l->seccomp = NULL;
	if (json_parse((const char *)default_seccomp_profile, sizeof(default_seccomp_profile) - 1,
		       c.what, &doc, err) < 0)
		return -1;
	sc = p_calloc(&c, NULL, 1, sizeof(*sc));
	rc = sc ? parse_seccomp_value(&c, NULL, &doc.root, sc) : -1;
	json_doc_free(&doc);
	if (rc < 0) {
		spec_seccomp_free(sc);
		return -1;
	}
	l->seccomp = sc;
	return 0;
}
