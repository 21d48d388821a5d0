# runtime/: the ward binary and its library.
noinst_LIBRARIES += libward.a
libward_a_SOURCES =

bin_PROGRAMS += ward
ward_SOURCES = runtime/main.c
ward_LDADD = libward.a libwardspec.a $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) $(SELINUX_LIBS)
