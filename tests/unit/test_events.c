// SPDX-License-Identifier: MIT
/*
 * BPF event -> trace record conversion (recorder/events.c): every field
 * lands where trace.h says, variable-length parts become tail strings,
 * and truncated or lying events are refused instead of read past.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <linux/types.h>

#include "bpf/events.h"
#include "recorder/events.h"

static void fill_hdr(struct ev_hdr *h, unsigned int type, size_t size)
{
	h->size = size;
	h->type = type;
	h->cpu = 1;
	h->ts = 123456789;
	h->cgroup_id = 0x100000000000abcdull;
	h->pid = 42;
	h->tid = 43;
	strcpy(h->comm, "worker");
}

static void check_hdr(const struct cadet_rec *r, unsigned int type)
{
	assert_int_equal(r->type, type);
	assert_int_equal(r->cpu, 1);
	assert_int_equal(r->ts, 123456789);
	assert_true(r->cgroup_id == 0x100000000000abcdull);
	assert_int_equal(r->pid, 42);
	assert_int_equal(r->tid, 43);
	assert_string_equal(r->comm, "worker");
	assert_int_equal(r->size % 8, 0);
}

static void test_exec(void **state)
{
	static struct ev_exec e;
	const char fn[] = "/bin/true", av[] = "true\0-x\0last\0";
	struct cadet_recbuf *b = cadet_recbuf__new();
	const struct cadet_rec_exec *r;
	size_t size;

	memset(&e, 0, sizeof(e));
	memcpy(e.buf, fn, strlen(fn));
	memcpy(e.buf + strlen(fn), av, sizeof(av) - 1);
	e.filename_len = strlen(fn);
	e.argv_len = sizeof(av) - 1; /* with the final NUL, as read */
	e.ppid = 7;
	e.uid = 1000;
	e.gid = 100;
	e.argc = 3;
	size = offsetof(struct ev_exec, buf) + e.filename_len + e.argv_len;
	fill_hdr(&e.h, EV_EXEC, size);

	assert_int_equal(event_to_record(b, &e, size), 0);
	r = (const void *)cadet_recbuf__rec(b);
	check_hdr(&r->h, CADET_REC_EXEC);
	assert_int_equal(r->ppid, 7);
	assert_int_equal(r->uid, 1000);
	assert_int_equal(r->gid, 100);
	assert_int_equal(r->argc, 3);
	assert_string_equal(cadet_rec_str(&r->h, &r->filename), "/bin/true");
	/* argv keeps its separators but not the trailing NUL */
	assert_int_equal(r->argv.len, strlen("true-xlast") + 2);
	assert_memory_equal(cadet_rec_str(&r->h, &r->argv), "true\0-x\0last",
			    r->argv.len);

	/* A length pointing past the event is refused. */
	e.argv_len = 100;
	assert_int_equal(event_to_record(b, &e, size), -EINVAL);
	cadet_recbuf__free(b);
}

static void test_open_and_file_op(void **state)
{
	static struct ev_open o;
	static struct ev_file_op f;
	struct cadet_recbuf *b = cadet_recbuf__new();
	const struct cadet_rec_file_op *fr;
	const struct cadet_rec_open *r;
	size_t size;

	o.flags = 0x241;
	o.mode = 0644;
	o.ret = 3;
	o.dirfd = -100;
	strcpy(o.path, "/etc/shadow");
	o.path_len = strlen(o.path);
	size = offsetof(struct ev_open, path) + o.path_len;
	fill_hdr(&o.h, EV_OPEN, size);
	assert_int_equal(event_to_record(b, &o, size), 0);
	r = (const void *)cadet_recbuf__rec(b);
	check_hdr(&r->h, CADET_REC_OPEN);
	assert_int_equal(r->flags, 0x241);
	assert_int_equal(r->mode, 0644);
	assert_int_equal(r->ret, 3);
	assert_int_equal(r->dirfd, -100);
	assert_string_equal(cadet_rec_str(&r->h, &r->path), "/etc/shadow");

	f.op = FOP_RENAME;
	f.ret = -2;
	f.uid = f.gid = (__u32)-1;
	memcpy(f.buf, "/a/old/b/new", 12);
	f.path_len = 6;
	f.path2_len = 6;
	size = offsetof(struct ev_file_op, buf) + 12;
	fill_hdr(&f.h, EV_FILE_OP, size);
	assert_int_equal(event_to_record(b, &f, size), 0);
	fr = (const void *)cadet_recbuf__rec(b);
	check_hdr(&fr->h, CADET_REC_FILE_OP);
	assert_string_equal(fr->op, "rename");
	assert_int_equal(fr->ret, -2);
	assert_string_equal(cadet_rec_str(&fr->h, &fr->path), "/a/old");
	assert_string_equal(cadet_rec_str(&fr->h, &fr->path2), "/b/new");
	cadet_recbuf__free(b);
}

static void test_sock_and_security(void **state)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	const struct cadet_rec_security *sr;
	const struct cadet_rec_sock *r;
	struct ev_security s = {0};
	struct ev_sock k = {0};

	k.daddr[10] = k.daddr[11] = 0xff;
	k.daddr[12] = 10;
	k.daddr[15] = 7;
	k.dport = 443;
	k.sport = 50000;
	k.family = 2;
	k.proto = 6;
	k.ret = -111;
	fill_hdr(&k.h, EV_CONNECT, sizeof(k));
	assert_int_equal(event_to_record(b, &k, sizeof(k)), 0);
	r = (const void *)cadet_recbuf__rec(b);
	check_hdr(&r->h, CADET_REC_CONNECT);
	assert_memory_equal(r->daddr.a, k.daddr, 16);
	assert_int_equal(r->dport, 443);
	assert_int_equal(r->sport, 50000);
	assert_int_equal(r->ret, -111);

	s.op = SOP_MOUNT;
	s.ret = -1;
	s.denied = 1;
	s.arg[0] = 0x1000;
	strcpy(s.str, "/host");
	s.str_len = 5;
	fill_hdr(&s.h, EV_SECURITY, sizeof(s));
	assert_int_equal(event_to_record(b, &s, sizeof(s)), 0);
	sr = (const void *)cadet_recbuf__rec(b);
	check_hdr(&sr->h, CADET_REC_SECURITY);
	assert_string_equal(sr->op, "mount");
	assert_int_equal(sr->denied, 1);
	assert_int_equal(sr->arg0, 0x1000);
	assert_string_equal(cadet_rec_str(&sr->h, &sr->str), "/host");

	/* Too short for its type. */
	assert_int_equal(event_to_record(b, &s, sizeof(s) - 8), -EINVAL);
	cadet_recbuf__free(b);
}

static void test_cgroup_and_garbage(void **state)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct ev_cgroup c = {0};
	struct ev_hdr h = {0};
	uint64_t id = 0;
	int mkdir = 0;

	fill_hdr(&c.h, EV_CGROUP, sizeof(c));
	c.id = 9999;
	c.mkdir = 1;
	assert_int_equal(event_to_record(b, &c, sizeof(c)), -ENOENT);
	assert_int_equal(event_cgroup(&c, sizeof(c), &id, &mkdir), 1);
	assert_int_equal(id, 9999);
	assert_int_equal(mkdir, 1);

	fill_hdr(&h, 77, sizeof(h));
	assert_int_equal(event_to_record(b, &h, sizeof(h)), -EINVAL);
	assert_int_equal(event_cgroup(&h, sizeof(h), &id, &mkdir), 0);
	assert_int_equal(event_to_record(b, &h, 8), -EINVAL);
	assert_string_equal(event_security_op_name(1000), "?");
	assert_string_equal(event_file_op_name(FOP_CHMOD), "chmod");
	cadet_recbuf__free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_open_and_file_op),
		cmocka_unit_test(test_sock_and_security),
		cmocka_unit_test(test_cgroup_and_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
