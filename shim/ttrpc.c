/* ttrpc: 10-byte frame header (length, stream id, type, flags; big endian),
 * protobuf Request/Response bodies. Each connection parses frames as they
 * arrive; every request becomes a `call` that may be answered later (Wait),
 * so one blocked request never holds up the others. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

enum { T_REQUEST = 1, T_RESPONSE = 2, T_DATA = 3 };

struct obuf {
	struct obuf *next;
	size_t len, off;
	uint8_t data[];
};

struct conn {
	struct watch w;
	uint8_t hdr[10];
	size_t hlen;
	uint8_t *body;
	uint32_t need, got, sid;
	uint8_t type;
	bool discard;
	struct obuf *out, *out_tail;
	int refs;
	bool closed;
	msg_fn on_msg;
	void (*on_close)(struct conn *);
	void *data;
};

static size_t nconns;
static struct watch listen_w;

size_t ttrpc_connections(void)
{
	return nconns;
}

void *conn_data(struct conn *c)
{
	return c->data;
}

static void conn_free(void *p)
{
	struct conn *c = p;
	while (c->out) {
		struct obuf *b = c->out;
		c->out = b->next;
		free(b);
	}
	free(c->body);
	free(c);
}

static void conn_unref(struct conn *c)
{
	if (--c->refs == 0)
		loop_defer(conn_free, c);
}

void conn_close(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	loop_del(&c->w);
	close(c->w.fd);
	c->w.fd = -1;
	nconns--;
	if (c->on_close)
		c->on_close(c);
	conn_unref(c);
}

static void conn_flush(struct conn *c)
{
	while (c->out) {
		struct obuf *b = c->out;
		ssize_t n = send(c->w.fd, b->data + b->off, b->len - b->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			loop_mod(&c->w, EPOLLIN | EPOLLOUT);
			return;
		}
		if (n < 0) {
			conn_close(c);
			return;
		}
		b->off += (size_t)n;
		if (b->off == b->len) {
			c->out = b->next;
			if (!c->out)
				c->out_tail = NULL;
			free(b);
		}
	}
	loop_mod(&c->w, EPOLLIN);
}

int conn_send(struct conn *c, uint32_t sid, uint8_t type, const uint8_t *data, size_t len)
{
	struct obuf *b;
	bool idle;
	if (c->closed)
		return -1;
	if (len > TTRPC_MAX_DATA)
		return -1;
	b = malloc(sizeof *b + 10 + len);
	if (!b)
		return -1;
	b->next = NULL;
	b->len = 10 + len;
	b->off = 0;
	b->data[0] = (uint8_t)(len >> 24);
	b->data[1] = (uint8_t)(len >> 16);
	b->data[2] = (uint8_t)(len >> 8);
	b->data[3] = (uint8_t)len;
	b->data[4] = (uint8_t)(sid >> 24);
	b->data[5] = (uint8_t)(sid >> 16);
	b->data[6] = (uint8_t)(sid >> 8);
	b->data[7] = (uint8_t)sid;
	b->data[8] = type;
	b->data[9] = 0;
	if (len)
		memcpy(b->data + 10, data, len);
	idle = !c->out;
	if (c->out_tail)
		c->out_tail->next = b;
	else
		c->out = b;
	c->out_tail = b;
	if (idle)
		conn_flush(c);
	return 0;
}

int conn_send_msg(struct conn *c, uint32_t sid, uint8_t type, const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	_cleanup_free_ uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -1;
	protobuf_c_message_pack(m, buf);
	return conn_send(c, sid, type, buf, len);
}

/* one complete frame */
static void conn_frame(struct conn *c)
{
	uint8_t *body = c->body;
	c->body = NULL;
	c->on_msg(c, c->sid, c->type, body, c->need);
	free(body);
}

void conn_input(struct conn *c, const uint8_t *p, size_t n)
{
	while (n && !c->closed) {
		if (c->hlen < 10) {
			size_t k = 10 - c->hlen < n ? 10 - c->hlen : n;
			memcpy(c->hdr + c->hlen, p, k);
			c->hlen += k;
			p += k;
			n -= k;
			if (c->hlen < 10)
				return;
			c->need = (uint32_t)c->hdr[0] << 24 | (uint32_t)c->hdr[1] << 16 | (uint32_t)c->hdr[2] << 8 | c->hdr[3];
			c->sid = (uint32_t)c->hdr[4] << 24 | (uint32_t)c->hdr[5] << 16 | (uint32_t)c->hdr[6] << 8 | c->hdr[7];
			c->type = c->hdr[8];
			c->got = 0;
			c->discard = c->need > TTRPC_MAX_DATA;
			if (!c->discard) {
				c->body = malloc(c->need ? c->need : 1);
				if (!c->body) {
					conn_close(c);
					return;
				}
			}
		}
		{
			size_t k = c->need - c->got < n ? c->need - c->got : n;
			if (!c->discard)
				memcpy(c->body + c->got, p, k);
			c->got += (uint32_t)k;
			p += k;
			n -= k;
		}
		if (c->got == c->need) {
			c->hlen = 0;
			if (c->discard) {
				/* too large: answer that stream, keep the connection */
				if (c->type == T_REQUEST) {
					struct call *call = calloc(1, sizeof *call);
					if (!call)
						abort();
					call->c = c;
					call->sid = c->sid;
					call->method = "?";
					c->refs++;
					clock_gettime(CLOCK_MONOTONIC, &call->t0);
					call_error(call, ST_RESOURCE_EXHAUSTED, "message length %u exceeds maximum message size of %u",
						   c->need, TTRPC_MAX_DATA);
				}
				c->discard = false;
			} else {
				conn_frame(c);
			}
		}
	}
}

static void conn_event(struct watch *w, uint32_t events)
{
	struct conn *c = w->data;
	static uint8_t buf[65536];
	c->refs++;
	if (events & EPOLLOUT)
		conn_flush(c);
	if (!c->closed && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		for (int i = 0; i < 16 && !c->closed; i++) {
			ssize_t n = recv(w->fd, buf, sizeof buf, MSG_DONTWAIT);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				break;
			if (n <= 0) {
				conn_close(c);
				break;
			}
			conn_input(c, buf, (size_t)n);
		}
	}
	conn_unref(c);
}

struct conn *conn_new(int fd, msg_fn on_msg, void (*on_close)(struct conn *), void *data)
{
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->w.fd = fd;
	c->w.fn = conn_event;
	c->w.data = c;
	c->refs = 1;
	c->on_msg = on_msg;
	c->on_close = on_close;
	c->data = data;
	set_nonblock(fd, true);
	if (loop_add(&c->w, EPOLLIN) < 0) {
		free(c);
		return NULL;
	}
	nconns++;
	return c;
}

/* ---- server side ---- */

static void call_finish(struct call *call, const Wshim__Response *resp)
{
	if (shim_debug) {
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_debug("rpc %s stream %u: %s in %ld us", call->method, call->sid,
			  resp->status ? "error" : "ok",
			  (long)((t1.tv_sec - call->t0.tv_sec) * 1000000L + (t1.tv_nsec - call->t0.tv_nsec) / 1000));
	}
	conn_send_msg(call->c, call->sid, T_RESPONSE, &resp->base);
	call_drop(call);
}

void call_drop(struct call *call)
{
	conn_unref(call->c);
	free(call);
}

void call_reply(struct call *call, const ProtobufCMessage *m)
{
	Wshim__Response resp = WSHIM__RESPONSE__INIT;
	size_t len = m ? protobuf_c_message_get_packed_size(m) : 0;
	_cleanup_free_ uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	if (len)
		protobuf_c_message_pack(m, buf);
	resp.payload.data = buf;
	resp.payload.len = len;
	call_finish(call, &resp);
}

void call_error(struct call *call, int code, const char *fmt, ...)
{
	Wshim__Response resp = WSHIM__RESPONSE__INIT;
	Wshim__Status st = WSHIM__STATUS__INIT;
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	st.code = code;
	st.message = msg;
	resp.status = &st;
	if (code != ST_NOT_FOUND)
		log_debug("rpc %s: %s", call->method, msg);
	call_finish(call, &resp);
}

void ttrpc_dispatch(struct conn *c, uint32_t sid, uint8_t type, const uint8_t *data, uint32_t len)
{
	Wshim__Request *req;
	struct call *call;
	rpc_fn fn;

	if (type != T_REQUEST)
		return; /* we open no streams: stray data frames are dropped */
	call = calloc(1, sizeof *call);
	if (!call)
		abort();
	call->c = c;
	call->sid = sid;
	call->method = "?";
	c->refs++;
	clock_gettime(CLOCK_MONOTONIC, &call->t0);
	if (!(sid & 1)) {
		call_error(call, ST_INVALID_ARGUMENT, "stream id %u is not a client stream", sid);
		return;
	}
	req = wshim__request__unpack(NULL, len, data);
	if (!req) {
		call_error(call, ST_INVALID_ARGUMENT, "malformed ttrpc request");
		return;
	}
	fn = task_lookup(req->service, req->method);
	if (!fn) {
		call_error(call, ST_UNIMPLEMENTED, "%s/%s is not implemented", req->service, req->method);
	} else {
		call->method = task_method_name(req->method);
		fn(call, req->payload.data, req->payload.len);
	}
	wshim__request__free_unpacked(req, NULL);
}

static void on_accept(struct watch *w, uint32_t events)
{
	for (;;) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		if (!conn_new(fd, ttrpc_dispatch, NULL, NULL))
			close(fd);
	}
}

void ttrpc_listen(int fd)
{
	set_nonblock(fd, true);
	listen_w.fd = fd;
	listen_w.fn = on_accept;
	loop_add(&listen_w, EPOLLIN);
}
