/* __attribute__((cleanup)) helpers: resources released on every return path. */
#ifndef WARD_CLEANUP_H
#define WARD_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void ward_freep(void *p)
{
	void **pp = (void **)p;
	free(*pp);
	*pp = NULL;
}

static inline void ward_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
	*fd = -1;
}

static inline void ward_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
	*f = NULL;
}

static inline void ward_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
	*d = NULL;
}

/* Free a NULL-terminated array of strings and the array itself. */
static inline void ward_strv_freep(char ***v)
{
	if (*v) {
		for (char **s = *v; *s; s++)
			free(*s);
		free(*v);
	}
	*v = NULL;
}

#define cleanup_free __attribute__((cleanup(ward_freep)))
#define cleanup_close __attribute__((cleanup(ward_closep)))
#define cleanup_file __attribute__((cleanup(ward_fclosep)))
#define cleanup_dir __attribute__((cleanup(ward_closedirp)))
#define cleanup_strv __attribute__((cleanup(ward_strv_freep)))

/* Hand ownership out of a cleanup variable. */
static inline void *ward_steal_ptr(void *pp)
{
	void **p = (void **)pp;
	void *v = *p;
	*p = NULL;
	return v;
}
static inline int ward_steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}
#define steal_ptr(p) ward_steal_ptr(&(p))
#define steal_fd(fd) ward_steal_fd(&(fd))

#endif
