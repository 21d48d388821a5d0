# spec/: the OCI config model (pure: no process or syscall code).
noinst_LIBRARIES += libwardspec.a
libwardspec_a_SOURCES = \
	spec/error.c spec/error.h \
	spec/cleanup.h \
	spec/spec.h
