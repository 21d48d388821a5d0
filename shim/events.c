/* Task events to containerd: ttrpc Events/Forward on TTRPC_ADDRESS, in
 * order. Each stays queued until containerd acknowledges it, so events
 * raised while containerd is away (restarting) are sent when it is back. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#define QUEUE_MAX 10000

struct ev {
	struct ev *next;
	uint32_t sid; /* 0 until sent on the current connection */
	size_t len;
	uint8_t data[];
};

static struct ev *head, *tail;
static size_t queued;
static struct conn *ec;
static uint32_t next_sid = 1;
static bool exiting;

bool events_pending(void)
{
	return head != NULL;
}

static void flush(void);

static void on_timer(void)
{
	if (exiting) {
		loop_quit();
		return;
	}
	flush();
}

static void on_close(struct conn *c)
{
	ec = NULL;
	for (struct ev *e = head; e; e = e->next)
		e->sid = 0;
	if (head)
		loop_timer(exiting ? 2000 : 500, on_timer);
}

static void on_msg(struct conn *c, uint32_t sid, uint8_t type, const uint8_t *data, uint32_t len)
{
	Wshim__Response *r;
	struct ev **pp;
	if (type != 2)
		return;
	for (pp = &head; *pp && (*pp)->sid != sid; pp = &(*pp)->next)
		;
	if (!*pp)
		return;
	r = wshim__response__unpack(NULL, len, data);
	if (r && r->status && r->status->code)
		log_warn("containerd refused an event: %s", r->status->message);
	if (r)
		wshim__response__free_unpacked(r, NULL);
	{
		struct ev *e = *pp;
		*pp = e->next;
		if (tail == e) {
			tail = NULL;
			for (struct ev *x = head; x; x = x->next)
				tail = x;
		}
		free(e);
		queued--;
	}
	if (!head && exiting)
		loop_quit();
	else if (head)
		flush();
}

static void flush(void)
{
	if (!ttrpc_address || !*ttrpc_address) {
		while (head) {
			struct ev *e = head;
			head = e->next;
			free(e);
		}
		tail = NULL;
		queued = 0;
		if (exiting)
			loop_quit();
		return;
	}
	if (!head)
		return;
	if (!ec) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		const char *path = ttrpc_address;
		int fd;
		if (!strncmp(path, "unix://", 7))
			path += 7;
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
			closep(&fd);
			loop_timer(exiting ? 2000 : 500, on_timer);
			return;
		}
		ec = conn_new(fd, on_msg, on_close, NULL);
		if (!ec) {
			close(fd);
			return;
		}
	}
	/* one at a time: containerd handles concurrent requests in parallel,
	 * so only a sequence of acknowledged sends keeps the order */
	if (!head->sid) {
		head->sid = next_sid;
		next_sid += 2;
		conn_send(ec, head->sid, 1, head->data, head->len);
	}
}

void publish(const char *topic, const char *type, const ProtobufCMessage *m)
{
	Wshim__Request req = WSHIM__REQUEST__INIT;
	Wshim__KeyValue kv = WSHIM__KEY_VALUE__INIT, *kvs[1] = { &kv };
	Wshim__ForwardRequest fr = WSHIM__FORWARD_REQUEST__INIT;
	Wshim__Envelope env = WSHIM__ENVELOPE__INIT;
	Wshim__Timestamp ts = WSHIM__TIMESTAMP__INIT;
	Wshim__Any any = WSHIM__ANY__INIT;
	size_t mlen = protobuf_c_message_get_packed_size(m), flen, rlen;
	_cleanup_free_ uint8_t *mbuf = malloc(mlen + 1), *fbuf = NULL;
	struct ev *e;

	if (!ttrpc_address || !*ttrpc_address)
		return;
	if (queued >= QUEUE_MAX) {
		log_error("event queue full, dropping %s", topic);
		return;
	}
	protobuf_c_message_pack(m, mbuf);
	any.type_url = (char *)type;
	any.value.data = mbuf;
	any.value.len = mlen;
	now_ts(&ts, NULL);
	env.timestamp = &ts;
	env.namespace_ = (char *)shim_namespace;
	env.topic = (char *)topic;
	env.event = &any;
	fr.envelope = &env;
	flen = wshim__forward_request__get_packed_size(&fr);
	fbuf = malloc(flen + 1);
	wshim__forward_request__pack(&fr, fbuf);
	req.service = "containerd.services.events.ttrpc.v1.Events";
	req.method = "Forward";
	req.payload.data = fbuf;
	req.payload.len = flen;
	kv.key = "containerd-namespace-ttrpc";
	kv.value = (char *)shim_namespace;
	req.n_metadata = 1;
	req.metadata = kvs;
	rlen = wshim__request__get_packed_size(&req);
	e = malloc(sizeof *e + rlen);
	if (!e)
		abort();
	e->next = NULL;
	e->sid = 0;
	e->len = rlen;
	wshim__request__pack(&req, e->data);
	if (tail)
		tail->next = e;
	else
		head = e;
	tail = e;
	queued++;
	log_debug("event %s", topic);
	flush();
}

void events_exit_when_flushed(void)
{
	exiting = true;
	if (!head || !ttrpc_address || !*ttrpc_address) {
		loop_quit();
		return;
	}
	loop_timer(2000, on_timer);
	flush();
}

void events_init(void)
{
}
