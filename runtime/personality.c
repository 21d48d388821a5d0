/* linux.personality (config-linux.md "Personality"): the execution domain
 * (LINUX, or LINUX32 for uname -m to report a 32-bit machine) and flags.
 * The spec defines no flag values yet; the kernel's persona flags are
 * accepted by name and anything else is refused rather than ignored. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/personality.h>

#include "container.h"

static const struct {
	const char *name;
	unsigned long value;
} persona_flags[] = {
	{ "UNAME26", UNAME26 },
	{ "ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE },
	{ "FDPIC_FUNCPTRS", FDPIC_FUNCPTRS },
	{ "MMAP_PAGE_ZERO", MMAP_PAGE_ZERO },
	{ "ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT },
	{ "READ_IMPLIES_EXEC", READ_IMPLIES_EXEC },
	{ "ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT },
	{ "SHORT_INODE", SHORT_INODE },
	{ "WHOLE_SECONDS", WHOLE_SECONDS },
	{ "STICKY_TIMEOUTS", STICKY_TIMEOUTS },
	{ "ADDR_LIMIT_3GB", ADDR_LIMIT_3GB },
};

int personality_apply(const struct spec_linux *l, struct ward_error *err)
{
	const struct spec_personality *pers = l ? l->personality : NULL;
	unsigned long persona;

	if (pers == NULL)
		return 0;
	if (pers->domain == NULL)
		return ward_error_set(err, EINVAL, "personality: domain is required");
	if (strcmp(pers->domain, "LINUX") == 0)
		persona = PER_LINUX;
	else if (strcmp(pers->domain, "LINUX32") == 0)
		persona = PER_LINUX32;
	else
		return ward_error_set(err, EINVAL, "personality: unknown domain %s", pers->domain);

	for (size_t i = 0; i < pers->flags.len; i++) {
		const char *f = pers->flags.items[i];
		size_t j;

		for (j = 0; j < sizeof(persona_flags) / sizeof(persona_flags[0]); j++)
			if (strcmp(f, persona_flags[j].name) == 0)
				break;
		if (j == sizeof(persona_flags) / sizeof(persona_flags[0]))
			return ward_error_set(err, EINVAL, "personality: unknown flag %s", f);
		persona |= persona_flags[j].value;
	}
	if (personality(persona) < 0)
		return ward_error_errno(err, "personality(%s)", pers->domain);
	return 0;
}
