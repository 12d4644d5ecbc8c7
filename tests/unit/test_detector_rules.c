// SPDX-License-Identifier: MIT
/*
 * rules detector: the default rule set fires on the record each rule is
 * about and stays quiet on everyday records; aggregates, connection
 * tracking, phases and parse errors with file:line:col.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "detect/detectors/detectors.h"
#include "detect/detectors/rules.h"
#include "tests/unit/detector_host.h"

#define CG 4242
#define SEC 1000000000ull

static const struct cadet_detector_ops *ops = &detector_rules_ops;

static void *start(const struct cadet_param *p, size_t n)
{
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, n, 1), 0);
	th_begin(ops, st, CADET_PHASE_TEST);
	assert_int_equal(th_container(ops, st, CG, "web", 1), 0);
	return st;
}

/* Feeds one record and returns the reasons it raised, blank-joined. */
static const char *fire(void *st, const struct cadet_rec *rec)
{
	static char out[512];
	size_t before = th_nalerts, n = 0;

	assert_int_equal(ops->on_event(st, rec), 0);
	out[0] = '\0';
	for (size_t i = before; i < th_nalerts; i++)
		n += snprintf(out + n, sizeof(out) - n, "%s%s", n ? " " : "",
			      th_alerts[i].reason);
	return out;
}

static void test_default_set_parses(void **unused)
{
	char err[512];
	struct rule_set *rs;

	rs = rule_set__parse(rules_default_text, strlen(rules_default_text),
			     "default.rules", err, sizeof(err));
	assert_non_null(rs);
	assert_int_equal(rule_set__cnt(rs), 18);
	assert_string_equal(rule_set__rule(rs, 0)->name, "shell_in_container");
	assert_int_equal(rule_set__rule(rs, 17)->agg, RULE_AGG_DISTINCT);
	assert_int_equal(rule_set__rule(rs, 17)->agg_window_ns, 5 * SEC);
	assert_int_equal(rule_set__rule(rs, 17)->agg_threshold, 20);
	rule_set__free(rs);
}

static void test_each_default_rule(void **unused)
{
	void *st = start(NULL, 0);
	uint64_t t = SEC;

	assert_string_equal(fire(st, th_exec(t++, CG, 10, "bash", "/bin/bash",
					     "bash -i")),
			    "shell_in_container");
	assert_string_equal(fire(st, th_exec(t++, CG, 11, "sh", "/bin/sh",
					     "sh")),
			    "shell_in_container");
	assert_string_equal(fire(st, th_open(t++, CG, 12, "/etc/shadow", 0)),
			    "sensitive_file");
	assert_string_equal(fire(st, th_open(t++, CG, 12,
					     "/root/.ssh/authorized_keys", 0)),
			    "sensitive_file");
	assert_string_equal(fire(st, th_security(t++, CG, 13, "setuid", 0, 0)),
			    "setuid_root");
	assert_string_equal(fire(st, th_security(t++, CG, 13, "setresuid",
						 65534, 1)),
			    "setid_denied");
	assert_string_equal(fire(st, th_file_op(t++, CG, "chmod", "/tmp/x",
						04755)),
			    "setuid_bit");
	assert_string_equal(fire(st, th_security(t++, CG, 14, "unshare", 0, 0)),
			    "namespace_change");
	assert_string_equal(fire(st, th_security(t++, CG, 14, "setns", 0, 0)),
			    "namespace_change");
	assert_string_equal(fire(st, th_security(t++, CG, 14, "mount", 0, 0)),
			    "namespace_change");
	assert_string_equal(fire(st, th_security(t++, CG, 14, "finit_module",
						 0, 0)),
			    "kernel_module");
	assert_string_equal(fire(st, th_security(t++, CG, 14, "bpf", 5, 0)),
			    "bpf_in_container");
	assert_string_equal(fire(st, th_security(t++, CG, 15, "ptrace", 16, 0)),
			    "ptrace");
	assert_string_equal(fire(st, th_security(t++, CG, 16, "raw_socket", 2,
						 0)),
			    "raw_socket");
	assert_string_equal(fire(st, th_security(t++, CG, 16, "packet_socket",
						 17, 0)),
			    "raw_socket");
	assert_string_equal(fire(st, th_security(t++, CG, 17, "memfd_create",
						 0, 0)),
			    "memfd_create");
	assert_string_equal(fire(st, th_exec(t++, CG, 17, "x", "/memfd:payload",
					     "x")),
			    "fileless_exec");
	assert_string_equal(fire(st, th_exec(t++, CG, 17, "3", "/proc/self/fd/3",
					     "3")),
			    "fileless_exec");
	assert_string_equal(fire(st, th_exec(t++, CG, 18, "dropper",
					     "/tmp/dropper", "/tmp/dropper")),
			    "drop_and_exec");
	assert_string_equal(fire(st, th_file_op(t++, CG, "unlink",
						"/var/log/auth.log", 0)),
			    "log_wipe");
	assert_string_equal(fire(st, th_open(t++, CG, 19, "/var/log/syslog",
					     0x241)),
			    "log_truncate");
	/* A shell connecting out itself (bash -i >& /dev/tcp/...). */
	assert_string_equal(fire(st, th_sock(CADET_REC_CONNECT, t++, CG, 20,
					     "bash", 4444, 0)),
			    "shell_connect");
	ops->fini(st);
}

static void test_everyday_records_quiet(void **unused)
{
	void *st = start(NULL, 0);
	uint64_t t = SEC;

	/* Entrypoints and scripted workloads run as sh -c. */
	assert_string_equal(fire(st, th_exec(t++, CG, 10, "sh", "/bin/sh",
					     "/bin/sh -c nginx -g daemon")),
			    "");
	assert_string_equal(fire(st, th_exec(t++, CG, 10, "bash", "/bin/bash",
					     "bash -ec true")),
			    "");
	assert_string_equal(fire(st, th_exec(t++, CG, 11, "nginx",
					     "/usr/sbin/nginx", "nginx")),
			    "");
	assert_string_equal(fire(st, th_open(t++, CG, 12, "/etc/passwd", 0)),
			    "");
	/* Appending to a log is what log writers do. */
	assert_string_equal(fire(st, th_open(t++, CG, 12, "/var/log/app.log",
					     0x441)),
			    "");
	assert_string_equal(fire(st, th_security(t++, CG, 13, "setuid", 33, 0)),
			    "");
	assert_string_equal(fire(st, th_file_op(t++, CG, "unlink",
						"/tmp/cache", 0)),
			    "");
	assert_string_equal(fire(st, th_file_op(t++, CG, "chmod", "/tmp/x",
						0755)),
			    "");
	assert_string_equal(fire(st, th_sock(CADET_REC_CONNECT, t++, CG, 20,
					     "curl", 80, 0)),
			    "");
	/* runc setting a container up from inside its cgroup. */
	assert_string_equal(fire(st, th_security(t++, CG, 21, "setuid", 0, 0)),
			    "setuid_root");
	{
		struct cadet_rec *r = (struct cadet_rec *)th_security(
			t++, CG, 22, "setuid", 0, 0);

		strcpy(r->comm, "runc:[2:INIT]");
		assert_string_equal(fire(st, r), "");
		r = (struct cadet_rec *)th_security(t++, CG, 22, "mount", 0, 0);
		strcpy(r->comm, "runc:[2:INIT]");
		assert_string_equal(fire(st, r), "");
		r = (struct cadet_rec *)th_security(t++, CG, 22, "unshare", 0,
						    0);
		strcpy(r->comm, "runc:[1:CHILD]");
		assert_string_equal(fire(st, r), "");
		r = (struct cadet_rec *)th_exec(t++, CG, 22, "runc",
						"/proc/self/fd/6", "runc init");
		assert_string_equal(fire(st, r), "");
	}
	/* Outside any container: the rules are about containers. */
	assert_string_equal(fire(st, th_open(t++, 7, 12, "/etc/shadow", 0)),
			    "");
	ops->fini(st);
}

static struct cadet_rec *with_comm(const struct cadet_rec *r, const char *c)
{
	struct cadet_rec *w = (struct cadet_rec *)r;

	snprintf(w->comm, sizeof(w->comm), "%s", c);
	return w;
}

/*
 * runc's re-executed init is a process called exe that enters the
 * container from outside (nothing in the container forked or exec'd it):
 * its mounts and setuid(0) are setup, until it execs the container's
 * command. A container binary called exe is exec'd inside the container:
 * the rules apply to it, and to an exe forked from a container process.
 */
static void test_runtime_exact(void **unused)
{
	void *st = start(NULL, 0);
	uint64_t t = SEC;

	/* runc: exe from outside, runc init, its stages, then the command. */
	assert_string_equal(fire(st, with_comm(th_security(t++, CG, 60, "mount",
							   0, 0),
					       "exe")),
			    "");
	assert_string_equal(fire(st, with_comm(th_exec(t++, CG, 60, "x",
						       "/dev/fd/6",
						       "runc init"),
					       "runc")),
			    "");
	assert_string_equal(fire(st, with_comm(th_fork(t++, CG, 60, 61),
					       "runc:[0:PARENT]")),
			    "");
	assert_string_equal(fire(st, with_comm(th_security(t++, CG, 61,
							   "setuid", 0, 0),
					       "runc:[2:INIT]")),
			    "");
	assert_string_equal(fire(st, with_comm(th_exec(t++, CG, 61, "x",
						       "/usr/local/bin/app",
						       "app"),
					       "app")),
			    "");
	/* After its exec the command is the container's own. */
	assert_string_equal(fire(st, with_comm(th_security(t++, CG, 61,
							   "setuid", 0, 0),
					       "app")),
			    "setuid_root");
	/* A container binary called exe, exec'd inside. */
	assert_string_equal(fire(st, with_comm(th_exec(t++, CG, 70, "x",
						       "/tmp/exe", "exe"),
					       "exe")),
			    "drop_and_exec");
	assert_string_equal(fire(st, with_comm(th_security(t++, CG, 70,
							   "setuid", 0, 0),
					       "exe")),
			    "setuid_root");
	assert_string_equal(fire(st, with_comm(th_security(t++, CG, 70,
							   "unshare", 0, 0),
					       "exe")),
			    "namespace_change");
	/* Its child, forked inside, renamed runc:[2:INIT]: not runc. */
	assert_string_equal(fire(st, with_comm(th_fork(t++, CG, 70, 71),
					       "exe")),
			    "");
	assert_string_equal(fire(st, with_comm(th_security(t++, CG, 71,
							   "mount", 0, 0),
					       "runc:[2:INIT]")),
			    "namespace_change");
	/* An exec of "runc init" by a container process gains nothing. */
	assert_string_equal(fire(st, with_comm(th_exec(t++, CG, 71, "x",
						       "/proc/self/fd/3",
						       "runc init"),
					       "runc")),
			    "fileless_exec");
	ops->fini(st);
}

static void test_reverse_shell_tracking(void **unused)
{
	void *st = start(NULL, 0);
	uint64_t t = SEC;

	/* nc -e style: connect, then exec a shell in the same process. */
	assert_string_equal(fire(st, th_sock(CADET_REC_CONNECT, t++, CG, 30,
					     "nc", 4444, 0)),
			    "");
	assert_string_equal(fire(st, th_exec(t++, CG, 30, "sh", "/bin/sh",
					     "/bin/sh -i")),
			    "shell_in_container reverse_shell");
	/* python style: the connected process forks, the child execs. */
	assert_string_equal(fire(st, th_sock(CADET_REC_CONNECT, t++, CG, 40,
					     "python3", 4444, -115)),
			    "");
	assert_string_equal(fire(st, th_fork(t++, CG, 40, 41)), "");
	assert_string_equal(fire(st, th_exec(t++, CG, 41, "sh", "/bin/sh",
					     "sh -c id")),
			    "reverse_shell");
	/* A refused connection does not count. */
	assert_string_equal(fire(st, th_sock(CADET_REC_CONNECT, t++, CG, 50,
					     "nc", 4444, -111)),
			    "");
	assert_string_equal(fire(st, th_exec(t++, CG, 50, "sh", "/bin/sh",
					     "sh -c id")),
			    "");
	ops->fini(st);
}

static void test_port_scan(void **unused)
{
	void *st = start(NULL, 0);
	uint64_t t = 10 * SEC;
	size_t before;

	/* 20 distinct ports within 5 s: at the mark, not past it. */
	for (int p = 1; p <= 20; p++)
		assert_string_equal(fire(st, th_sock(CADET_REC_CONNECT,
						     t + p * 100000000ull, CG,
						     60, "scan", p, -111)),
				    "");
	/* The same ports again do not make them more distinct. */
	for (int p = 1; p <= 20; p++)
		assert_string_equal(fire(st, th_sock(CADET_REC_CONNECT,
						     t + 2 * SEC, CG, 60,
						     "scan", p, -111)),
				    "");
	assert_string_equal(fire(st, th_sock(CADET_REC_CONNECT, t + 3 * SEC,
					     CG, 60, "scan", 21, -111)),
			    "port_scan");
	/* One alert per window, not one per further port. */
	before = th_nalerts;
	for (int p = 22; p <= 60; p++)
		fire(st, th_sock(CADET_REC_CONNECT, t + 4 * SEC, CG, 60, "scan",
				 p, -111));
	assert_int_equal(th_nalerts, before);
	/* Ports seen more than 5 s ago have left the window. */
	ops->fini(st);

	st = start(NULL, 0);
	for (int p = 1; p <= 40; p++)
		assert_string_equal(fire(st, th_sock(CADET_REC_CONNECT,
						     p * SEC, CG, 60, "slow",
						     p, -111)),
				    "");
	ops->fini(st);
}

static void test_train_phase_silent(void **unused)
{
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, NULL, 0, 1), 0);
	th_begin(ops, st, CADET_PHASE_TRAIN);
	th_container(ops, st, CG, "web", 1);
	assert_string_equal(fire(st, th_open(SEC, CG, 12, "/etc/shadow", 0)),
			    "");
	th_end(ops, st, CADET_PHASE_TRAIN);
	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, CG, "web", 1);
	assert_string_equal(fire(st, th_open(SEC, CG, 12, "/etc/shadow", 0)),
			    "sensitive_file");
	assert_int_equal(th_alerts[0].sev, CADET_SEV_CRITICAL);
	assert_int_equal(th_alerts[0].cg, CG);
	assert_int_equal(th_alerts[0].ts, SEC);
	ops->fini(st);
}

static void expect_error(const char *text, const char *want)
{
	char err[512];
	struct rule_set *rs;

	rs = rule_set__parse(text, strlen(text), "t.rules", err, sizeof(err));
	if (rs || !strstr(err, want))
		fail_msg("rules '%s': got '%s', want '%s'", text,
			 rs ? "(parsed)" : err, want);
}

static void test_parse_errors(void **unused)
{
	expect_error("a info exec\nb info exec nosuch=1\n",
		     "t.rules:2:13: unknown field 'nosuch' for 'exec'");
	expect_error("a loud exec\n", "t.rules:1:3: severity 'loud'");
	expect_error("a info execve\n", "t.rules:1:8: 'execve' is not a "
					"record type");
	expect_error("a info exec comm~(\n", "bad regular expression '('");
	expect_error("a info exec comm<3\n", "'comm' is text");
	expect_error("a info connect dport~8\n", "'dport' is a number");
	expect_error("a info connect dport=http\n", "'http' is not a "
						    "non-negative integer");
	expect_error("a info exec comm=sh &&\n", "expected a condition");
	expect_error("a info exec (comm=sh\n", "expected ')'");
	expect_error("a info exec comm=sh extra\n", "join conditions with && "
						    "or ||");
	expect_error("a info exec\na info open\n", "t.rules:2:1: rule 'a' is "
						   "already defined at line "
						   "1");
	expect_error("a info exec bogus\n", "'bogus' is not a predicate");
	expect_error("a info connect dport>1 || dport<3 && count() > 3 "
		     "within 5s\n",
		     "(A || B) && count()");
	expect_error("a info connect count() > 0 within 5s\n",
		     "must be an integer in [1, 100000]");
	expect_error("a info connect count() > 3 within soon\n",
		     "'soon' is not a duration");
	expect_error("a info connect count() > 3 within 5s per host\n",
		     "expected 'per container' or 'per pid'");
	expect_error("a info exec comm=\"sh\n", "unterminated quoted value");
	expect_error("a info exec comm~a+++\n", "stacked quantifiers");
	expect_error("a info exec comm~((a{99}){99}){99}\n",
		     "too many nested repetitions");
	expect_error("a info exec comm~a{5000}\n", "above 1000");
	expect_error("# comment\n\na info exec \\\n  comm~x && nosuch=1\n",
		     "t.rules:3:");
}

static void test_parse_forms(void **unused)
{
	const char *text =
		"# all the forms\n"
		"a warning exec (comm=sh|bash || comm~^z) && !container\n"
		"b info connect ret<0 && dport>=1024 && family!=1 # trailing\n"
		"c critical open path=\"/a b\" && flags&0x200\n"
		"d info connect count() >= 3 within 500ms per pid\n"
		"e info exec comm~^(a|b)$ && argv!~\"-c\"\n";
	char err[512];
	struct rule_set *rs;
	struct rule_ctx out = { .in_container = false };
	struct rule_ctx in = { .in_container = true };

	th_reset();
	rs = rule_set__parse(text, strlen(text), "f.rules", err, sizeof(err));
	if (!rs)
		fail_msg("%s", err);
	assert_int_equal(rule_set__cnt(rs), 5);
	assert_true(rule_matches(rule_set__rule(rs, 0),
				 th_exec(1, 0, 1, "bash", "/b", "bash"), &out));
	assert_true(rule_matches(rule_set__rule(rs, 0),
				 th_exec(1, 0, 1, "zsh", "/z", "zsh"), &out));
	assert_false(rule_matches(rule_set__rule(rs, 0),
				  th_exec(1, 0, 1, "bash", "/b", "bash"), &in));
	assert_true(rule_matches(rule_set__rule(rs, 1),
				 th_sock(CADET_REC_CONNECT, 1, 0, 1, "c", 8080,
					 -111),
				 &in));
	assert_false(rule_matches(rule_set__rule(rs, 1),
				  th_sock(CADET_REC_CONNECT, 1, 0, 1, "c", 80,
					  -111),
				  &in));
	assert_true(rule_matches(rule_set__rule(rs, 2),
				 th_open(1, 0, 1, "/a b", 0x241), &in));
	assert_false(rule_matches(rule_set__rule(rs, 2),
				  th_open(1, 0, 1, "/a b", 0x41), &in));
	assert_int_equal(rule_set__rule(rs, 3)->agg, RULE_AGG_COUNT);
	assert_true(rule_set__rule(rs, 3)->agg_inclusive);
	assert_int_equal(rule_set__rule(rs, 3)->agg_per, RULE_PER_PID);
	assert_int_equal(rule_set__rule(rs, 3)->agg_window_ns, 500000000ull);
	assert_true(rule_matches(rule_set__rule(rs, 4),
				 th_exec(1, 0, 1, "a", "/a", "a x"), &in));
	assert_false(rule_matches(rule_set__rule(rs, 4),
				  th_exec(1, 0, 1, "a", "/a", "a -c x"), &in));
	rule_set__free(rs);
}

static void test_rule_file_param(void **unused)
{
	char path[] = "/tmp/cadet-rules-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "tmp_open info open path~^/tmp/\n";
	struct cadet_param p[] = { { "file", path } };
	struct cadet_param bad[] = { { "file", "/nonexistent/x.rules" } };
	struct cadet_param typo[] = { { "fiel", path } };
	void *st = NULL;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	st = start(p, 1);
	assert_string_equal(fire(st, th_open(SEC, CG, 1, "/tmp/a", 0)),
			    "tmp_open");
	assert_string_equal(fire(st, th_open(SEC, CG, 1, "/etc/shadow", 0)),
			    "");
	ops->fini(st);
	unlink(path);
	th_reset();
	assert_int_equal(ops->init(&st, &th_host, bad, 1, 1), -ENOENT);
	assert_non_null(strstr(th_lastlog, "/nonexistent/x.rules"));
	assert_int_equal(ops->init(&st, &th_host, typo, 1, 1), -EINVAL);
	assert_non_null(strstr(th_lastlog, "unknown parameter 'fiel'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_set_parses),
		cmocka_unit_test(test_each_default_rule),
		cmocka_unit_test(test_runtime_exact),
		cmocka_unit_test(test_everyday_records_quiet),
		cmocka_unit_test(test_reverse_shell_tracking),
		cmocka_unit_test(test_port_scan),
		cmocka_unit_test(test_train_phase_silent),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_rule_file_param),
	};

	assert_int_equal(ops->abi_major, CADET_DETECTOR_ABI_MAJOR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
