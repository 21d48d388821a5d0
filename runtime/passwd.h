/* /etc/passwd lookups without NSS. */
#ifndef WARD_PASSWD_H
#define WARD_PASSWD_H

#include <sys/types.h>

enum passwd_field { PASSWD_NAME = 0, PASSWD_HOME = 5 };

/* Field `field` of the first /etc/passwd entry (of the current root) for
 * `uid`, malloc'd; NULL when there is none, or it is empty. */
char *passwd_lookup(uid_t uid, enum passwd_field field);

#endif
