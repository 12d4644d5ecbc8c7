// SPDX-License-Identifier: MIT
/*
 * The recorder end to end on this kernel: a cgroup made for the test
 * (--cgroup), a child in it that execs /bin/true N times, opens a file,
 * calls getppid in a loop and exits with a known code; the trace must
 * hold exactly those records, attributed to that cgroup, with metrics,
 * a syscall histogram, a LABEL handed over from another thread and no
 * drops. Needs root and BPF; skips with a message otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/util/cgroup.h"
#include "recorder/container_table.h"
#include "recorder/recorder.h"

#define NEXEC 20
#define NGETPPID 5000
#define EXIT_CODE 7

static char cg_dir[256];
static char trace[256];
static char open_path[256];

static void *run_thread(void *arg)
{
	recorder__run(arg);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* The workload, run inside the test cgroup. */
static void child(void)
{
	char path[300], pid[32];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg_dir);
	fd = open(path, O_WRONLY);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (fd < 0 || write(fd, pid, strlen(pid)) < 0)
		_exit(99);
	close(fd);
	for (int i = 0; i < NEXEC; i++) {
		pid_t p = fork();

		if (!p) {
			execl("/bin/true", "true", "--cadet-test", NULL);
			_exit(98);
		}
		waitpid(p, NULL, 0);
	}
	fd = open(open_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	close(fd);
	unlink(open_path);
	for (int i = 0; i < NGETPPID; i++)
		syscall(SYS_getppid);
	_exit(EXIT_CODE);
}

static void test_record_cgroup(void **state)
{
	const char *cgroups[] = {cg_dir, NULL};
	struct recorder_opts o = {
		.sz = sizeof(o),
		.output = trace,
		.probes = CADET_PROBES_DEFAULT,
		.interval_ns = 100000000,
		.cgroups = cgroups,
		.cmdline = "test_recorder",
	};
	uint64_t cgid = 0, metric_execs = 0, getppids = 0, lost = 0;
	int nexec = 0, nopen = 0, nunlink = 0, nlabel = 0, exit_code = -1;
	const struct cadet_rec *rec;
	struct cadet_recbuf *b;
	struct cadet_reader *rd;
	struct recorder *r;
	pthread_t th;
	pid_t pid;
	int status;

	assert_int_equal(util_cgroup_id(cg_dir, &cgid), 0);
	r = recorder__new(&o);
	assert_non_null(r);
	assert_int_equal(pthread_create(&th, NULL, run_thread, r), 0);
	sleep_ms(200);

	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		child();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), EXIT_CODE);

	/* A label from another thread, as the scenario runner sends it. */
	b = cadet_recbuf__new();
	{
		struct cadet_rec_label *l;
		struct timespec ts;

		l = cadet_recbuf__start(b, CADET_REC_LABEL, sizeof(*l));
		clock_gettime(CLOCK_MONOTONIC, &ts);
		l->h.ts = ts.tv_sec * 1000000000ull + ts.tv_nsec;
		l->h.cgroup_id = cgid;
		strcpy(l->kind, "normal");
		assert_int_equal(recorder__add_record(r, cadet_recbuf__rec(b)),
				 0);
	}
	cadet_recbuf__free(b);
	sleep_ms(400);
	recorder__stop(r);
	pthread_join(th, NULL);
	assert_int_equal(recorder__free(r), 0);

	rd = cadet_reader__open(trace, NULL);
	assert_non_null(rd);
	assert_int_equal(cadet_reader__header(rd)->probes,
			 CADET_PROBES_DEFAULT);
	while (cadet_reader__next(rd, &rec) > 0) {
		if (rec->type == CADET_REC_LOST) {
			lost += ((const struct cadet_rec_lost *)rec)->count;
			continue;
		}
		if (rec->cgroup_id != cgid)
			continue;
		switch (rec->type) {
		case CADET_REC_EXEC: {
			const struct cadet_rec_exec *e = (const void *)rec;

			if (!strcmp(cadet_rec_str(rec, &e->filename),
				    "/bin/true")) {
				nexec++;
				assert_int_equal(e->argc, 2);
				assert_int_equal(e->ppid, pid);
				assert_memory_equal(
					cadet_rec_str(rec, &e->argv),
					"true\0--cadet-test", 18);
			}
			break;
		}
		case CADET_REC_EXIT:
			if (rec->pid == (uint32_t)pid &&
			    !((const struct cadet_rec_exit *)rec)->thread)
				exit_code = ((const struct cadet_rec_exit *)rec)
						    ->code;
			break;
		case CADET_REC_OPEN: {
			const struct cadet_rec_open *e = (const void *)rec;

			if (!strcmp(cadet_rec_str(rec, &e->path), open_path)) {
				nopen++;
				assert_true(e->ret >= 0);
				assert_int_equal(e->flags & O_CREAT, O_CREAT);
			}
			break;
		}
		case CADET_REC_FILE_OP: {
			const struct cadet_rec_file_op *e = (const void *)rec;

			if (!strcmp(e->op, "unlink") &&
			    !strcmp(cadet_rec_str(rec, &e->path), open_path))
				nunlink++;
			break;
		}
		case CADET_REC_METRICS:
			metric_execs +=
				((const struct cadet_rec_metrics *)rec)->execs;
			break;
		case CADET_REC_SYSCALL_HIST: {
			const struct cadet_rec_syscall_hist *h =
				(const void *)rec;
			const uint32_t *p =
				(const void *)((const char *)rec + h->hist.off);

			for (uint32_t i = 0; i + 1 < h->hist.len / 4; i += 2)
				if (p[i] == SYS_getppid)
					getppids += p[i + 1];
			break;
		}
		case CADET_REC_LABEL:
			nlabel++;
			break;
		}
	}
	cadet_reader__free(rd);
	assert_int_equal(lost, 0);
	assert_int_equal(nexec, NEXEC);
	assert_int_equal(metric_execs, NEXEC);
	assert_int_equal(exit_code, EXIT_CODE);
	assert_int_equal(nopen, 1);
	assert_int_equal(nunlink, 1);
	assert_int_equal(nlabel, 1);
	assert_true(getppids >= NGETPPID);
}

static int setup(void **state)
{
	snprintf(cg_dir, sizeof(cg_dir),
		 "/sys/fs/cgroup/unified/cadet-test-recorder-%d", getpid());
	snprintf(trace, sizeof(trace), "/tmp/cadet-test-recorder-%d.cadet",
		 getpid());
	snprintf(open_path, sizeof(open_path), "/tmp/cadet-test-open-%d",
		 getpid());
	return mkdir(cg_dir, 0755) ? -1 : 0;
}

static int teardown(void **state)
{
	rmdir(cg_dir);
	unlink(trace);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_cgroup),
	};

	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) ||
	    access("/sys/fs/cgroup/unified/cgroup.procs", F_OK)) {
		/* 77: skipped as a whole (tests/run-all.sh) */
		printf("SKIP: needs root, kernel BTF and cgroup v2 at /sys/fs/cgroup/unified\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
