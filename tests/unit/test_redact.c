// SPDX-License-Identifier: MIT
/*
 * --redact (recorder/redact.c) and the modes of the files cadet writes
 * (lib/util/fs.c, the trace writer): issue 10, finding 7.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cadet/trace.h"
#include "lib/util/fs.h"
#include "recorder/redact.h"

static struct redact *new_rd(const char *const *keep, const char *key)
{
	struct redact_opts o = {.sz = sizeof(o), .keep = keep, .key_path = key};
	char err[256];
	struct redact *rd = redact__new(&o, err, sizeof(err));

	if (!rd)
		fail_msg("redact__new: %s", err);
	return rd;
}

static void test_hash_stable(void **state)
{
	struct redact *a = new_rd(NULL, NULL), *b = new_rd(NULL, NULL);
	char h1[REDACT_HASH_SZ], h2[REDACT_HASH_SZ];

	/* SHA-256("/home/alice/notes.txt"), first 8 bytes (sha256sum) */
	redact__hash(a, "/home/alice/notes.txt", 21, h1);
	assert_string_equal(h1, "~h:ee0c72fb4b06e39a");
	/* same input, another instance: same hash; other input: other */
	redact__hash(b, "/home/alice/notes.txt", 21, h2);
	assert_string_equal(h1, h2);
	redact__hash(b, "/home/alice/notes.txx", 21, h2);
	assert_string_not_equal(h1, h2);
	assert_int_equal(strlen(h1), REDACT_HASH_SZ - 1);
	redact__free(a);
	redact__free(b);
}

static void test_hash_keyed(void **state)
{
	char path[] = "/tmp/cadet-test-key.XXXXXX", err[256];
	char h1[REDACT_HASH_SZ], h2[REDACT_HASH_SZ];
	struct redact *plain = new_rd(NULL, NULL), *keyed;
	struct redact_opts o = {.sz = sizeof(o), .key_path = path};
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	/* too short a key is refused with a message saying how to make one */
	assert_int_equal(write(fd, "short", 5), 5);
	assert_null(redact__new(&o, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "at least 16 needed"));
	assert_int_equal(write(fd, "-but-now-long-enough", 20), 20);
	close(fd);
	keyed = new_rd(NULL, path);
	redact__hash(plain, "/home/alice", 11, h1);
	redact__hash(keyed, "/home/alice", 11, h2);
	assert_string_not_equal(h1, h2);
	redact__free(keyed);
	/* the same key gives the same hash again */
	keyed = new_rd(NULL, path);
	redact__hash(keyed, "/home/alice", 11, h1);
	assert_string_equal(h1, h2);
	redact__free(keyed);
	redact__free(plain);
	unlink(path);
}

static void test_path_kept(void **state)
{
	static const char *const keep[] = {"/var/log/", NULL};
	struct redact *rd = new_rd(keep, NULL);
	static const struct {
		const char *path;
		bool kept;
	} cases[] = {
		{"/usr/bin/nginx", true},	 {"/usr", true},
		{"/usrx/secret", false},	 {"/etc/passwd", true},
		{"/proc/self/status", true},	 {"/var/log/nginx.log", true},
		{"/var/logs/x", false},		 {"/home/alice/.ssh/id_rsa", false},
		{"/root/x", false},		 {"relative/file", false},
		{"/usr/../home/alice", false},	 {"/usr/..", false},
		{"/usr/..x/y", true},		 {"/tmp/x", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (redact__path_kept(rd, cases[i].path,
				      strlen(cases[i].path)) != cases[i].kept)
			fail_msg("%s: kept must be %d", cases[i].path,
				 cases[i].kept);
	redact__free(rd);

	/* a relative prefix is refused */
	{
		static const char *const bad[] = {"var/log", NULL};
		struct redact_opts o = {.sz = sizeof(o), .keep = bad};
		char err[256];

		assert_null(redact__new(&o, err, sizeof(err)));
		assert_non_null(strstr(err, "absolute path prefix"));
	}
}

static const char *field(const struct cadet_rec *r, const struct cadet_vstr *v)
{
	return cadet_rec_str(r, v);
}

static void test_records(void **state)
{
	static const char argv[] = "/home/alice/bin/tool\0--token\0s3cret\0";
	struct redact *rd = new_rd(NULL, NULL);
	struct cadet_recbuf *b = cadet_recbuf__new();
	const struct cadet_rec *out;
	const struct cadet_rec_exec *e;
	const struct cadet_rec_file_op *f;
	const struct cadet_rec_security *s;
	struct cadet_rec_exec *ex;
	struct cadet_rec_file_op *fo;
	struct cadet_rec_security *se;
	char h[REDACT_HASH_SZ];
	const char *p;

	/* exec: filename outside the list, argv[0] a path, two arguments */
	ex = cadet_recbuf__start(b, CADET_REC_EXEC, sizeof(*ex));
	ex->h.pid = 42;
	ex->argc = 3;
	strcpy(ex->h.comm, "tool");
	cadet_recbuf__put_str(b, offsetof(struct cadet_rec_exec, filename),
			      "/home/alice/bin/tool", 20);
	cadet_recbuf__put_str(b, offsetof(struct cadet_rec_exec, argv), argv,
			      sizeof(argv) - 2);
	out = redact__record(rd, cadet_recbuf__rec(b));
	assert_non_null(out);
	e = (const void *)out;
	assert_int_equal(e->h.pid, 42);
	assert_int_equal(e->argc, 3);
	assert_string_equal(e->h.comm, "tool");
	assert_int_equal(out->size % 8, 0);
	redact__hash(rd, "/home/alice/bin/tool", 20, h);
	assert_string_equal(field(out, &e->filename), h);
	p = field(out, &e->argv);
	assert_string_equal(p, h);
	p += strlen(p) + 1;
	redact__hash(rd, "--token", 7, h);
	assert_string_equal(p, h);
	p += strlen(p) + 1;
	redact__hash(rd, "s3cret", 6, h);
	assert_string_equal(p, h);
	assert_int_equal(e->argv.len, 3 * (REDACT_HASH_SZ - 1) + 2);
	assert_null(memmem(out, out->size, "alice", 5));
	assert_null(memmem(out, out->size, "s3cret", 6));

	/* a bare argv[0] and kept paths stay in clear */
	ex = cadet_recbuf__start(b, CADET_REC_EXEC, sizeof(*ex));
	cadet_recbuf__put_str(b, offsetof(struct cadet_rec_exec, filename),
			      "/usr/sbin/nginx", 15);
	cadet_recbuf__put_str(b, offsetof(struct cadet_rec_exec, argv),
			      "nginx\0-g", 8);
	out = redact__record(rd, cadet_recbuf__rec(b));
	e = (const void *)out;
	assert_string_equal(field(out, &e->filename), "/usr/sbin/nginx");
	assert_string_equal(field(out, &e->argv), "nginx");
	redact__hash(rd, "-g", 2, h);
	assert_string_equal(field(out, &e->argv) + 6, h);

	/* file_op: both paths; an absent path2 stays absent */
	fo = cadet_recbuf__start(b, CADET_REC_FILE_OP, sizeof(*fo));
	strcpy(fo->op, "rename");
	cadet_recbuf__put_str(b, offsetof(struct cadet_rec_file_op, path),
			      "/etc/hosts", 10);
	cadet_recbuf__put_str(b, offsetof(struct cadet_rec_file_op, path2),
			      "/data/x", 7);
	out = redact__record(rd, cadet_recbuf__rec(b));
	f = (const void *)out;
	assert_string_equal(f->op, "rename");
	assert_string_equal(field(out, &f->path), "/etc/hosts");
	redact__hash(rd, "/data/x", 7, h);
	assert_string_equal(field(out, &f->path2), h);
	fo = cadet_recbuf__start(b, CADET_REC_FILE_OP, sizeof(*fo));
	cadet_recbuf__put_str(b, offsetof(struct cadet_rec_file_op, path),
			      "/data/y", 7);
	out = redact__record(rd, cadet_recbuf__rec(b));
	f = (const void *)out;
	assert_int_equal(f->path2.off, 0);
	assert_int_equal(f->path2.len, 0);

	/* security: a mount target is a path, a memfd name is not */
	se = cadet_recbuf__start(b, CADET_REC_SECURITY, sizeof(*se));
	strcpy(se->op, "mount");
	cadet_recbuf__put_str(b, offsetof(struct cadet_rec_security, str),
			      "/mnt/private", 12);
	out = redact__record(rd, cadet_recbuf__rec(b));
	s = (const void *)out;
	redact__hash(rd, "/mnt/private", 12, h);
	assert_string_equal(field(out, &s->str), h);
	se = cadet_recbuf__start(b, CADET_REC_SECURITY, sizeof(*se));
	strcpy(se->op, "memfd_create");
	cadet_recbuf__put_str(b, offsetof(struct cadet_rec_security, str),
			      "jit", 3);
	out = redact__record(rd, cadet_recbuf__rec(b));
	s = (const void *)out;
	assert_string_equal(field(out, &s->str), "jit");

	/* records without paths pass through untouched */
	cadet_recbuf__start(b, CADET_REC_FORK, sizeof(struct cadet_rec_fork));
	assert_ptr_equal(redact__record(rd, cadet_recbuf__rec(b)),
			 cadet_recbuf__rec(b));

	cadet_recbuf__free(b);
	redact__free(rd);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* A trace through the real writer: 0600, 0640 on request, umask aside. */
static void write_trace(const char *path, unsigned int mode)
{
	struct cadet_writer_opts o = {.sz = sizeof(o), .mode = mode};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w;

	cadet_recbuf__start(b, CADET_REC_HEADER,
			    sizeof(struct cadet_rec_header));
	w = cadet_writer__create(path, cadet_recbuf__rec(b), &o);
	assert_non_null(w);
	assert_int_equal(cadet_writer__close(w), 0);
	cadet_recbuf__free(b);
}

static void test_file_modes(void **state)
{
	char dir[] = "/tmp/cadet-test-modes.XXXXXX", path[256];
	mode_t old = umask(0);
	FILE *f;
	int fd;

	assert_non_null(mkdtemp(dir));

	/* traces: default 0600 even under umask 0 */
	snprintf(path, sizeof(path), "%s/a.cadet", dir);
	write_trace(path, 0);
	assert_int_equal(mode_of(path), 0600);
	/* an existing world-readable file is narrowed, not kept */
	chmod(path, 0666);
	write_trace(path, 0);
	assert_int_equal(mode_of(path), 0600);
	write_trace(path, 0640);
	assert_int_equal(mode_of(path), 0640);

	/* results, alerts, models, pcaps: util_create_data / fopen_data */
	util_set_group_readable(false);
	snprintf(path, sizeof(path), "%s/results.jsonl", dir);
	f = util_fopen_data(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(mode_of(path), 0600);
	chmod(path, 0644);
	f = util_fopen_data(path, "a");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(mode_of(path), 0600);
	util_set_group_readable(true);
	assert_int_equal(util_data_mode(), 0640);
	fd = util_create_data(path, O_TRUNC);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mode_of(path), 0640);
	/* a restrictive umask does not narrow the chosen mode either */
	umask(077);
	fd = util_create_data(path, O_TRUNC);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mode_of(path), 0640);
	util_set_group_readable(false);

	/* /dev/null as output is left alone */
	fd = util_create_data("/dev/null", O_TRUNC);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mode_of("/dev/null"), 0666);

	umask(old);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_stable),
		cmocka_unit_test(test_hash_keyed),
		cmocka_unit_test(test_path_kept),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_file_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
