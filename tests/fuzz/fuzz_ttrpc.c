/* libFuzzer target: ttrpc frames as they arrive on a shim connection
 * (any split, any length, oversize, odd types), each request decoded and
 * its payload decoded as every Task request message. Built with
 * clang -fsanitize=fuzzer by tests/integration/shim_fuzz.bats. */
#include "config.h"
#include "shim/shim.h"

#include <string.h>
#include <sys/socket.h>

/* what ttrpc.c and loop.c need from the rest of the shim */
void proc_reap(void) {}

static void decode_all(struct call *call, const uint8_t *data, size_t len)
{
#define TRY(name)                                                      \
	do {                                                           \
		__auto_type m = wshim__##name##__unpack(NULL, len, data); \
		if (m)                                                 \
			wshim__##name##__free_unpacked(m, NULL);       \
	} while (0)
	TRY(create_task_request);
	TRY(start_request);
	TRY(delete_request);
	TRY(exec_process_request);
	TRY(resize_pty_request);
	TRY(state_request);
	TRY(kill_request);
	TRY(close_iorequest);
	TRY(pids_request);
	TRY(update_task_request);
	TRY(checkpoint_task_request);
	TRY(checkpoint_options);
	TRY(wait_request);
	TRY(stats_request);
	TRY(connect_request);
	TRY(shutdown_request);
	TRY(runc_options);
	TRY(runtime_options);
	TRY(response);
	call_error(call, ST_UNIMPLEMENTED, "fuzz");
}

rpc_fn task_lookup(const char *service, const char *method)
{
	return strcmp(method, "None") ? decode_all : NULL;
}

const char *task_method_name(const char *method)
{
	return "fuzz";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char sink[1 << 16];
	static bool ready;
	int sv[2];
	struct conn *c;
	size_t cut;

	if (!ready) {
		loop_init();
		ready = true;
	}
	/* a fresh connection per input: a frame left half-read (or a huge
	 * length being skipped) must not swallow the next input */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	set_nonblock(sv[1], true);
	c = conn_new(sv[0], ttrpc_dispatch, NULL, NULL);
	/* feed in two pieces: frames split anywhere must parse the same */
	cut = size ? data[0] % (size + 1) : 0;
	conn_input(c, data, cut);
	conn_input(c, data + cut, size - cut);
	while (read(sv[1], sink, sizeof sink) > 0)
		;
	conn_close(c);
	close(sv[1]);
	loop_run_deferred();
	return 0;
}
