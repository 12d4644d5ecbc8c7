// SPDX-License-Identifier: MIT
/*
 * The start-of-trace snapshot: a PROC record for every process already
 * in a recorded cgroup, read from /proc.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)len < size - 1 &&
	       (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

static const struct container_info *find_by_path(struct recorder *r,
						 const char *path)
{
	for (size_t i = 0; i < container_table__cnt(r->table); i++) {
		const struct container_info *c =
			container_table__get(r->table, i);

		if (!strcmp(c->cgroup_path, path))
			return c;
	}
	return NULL;
}

static void proc_rec(struct recorder *r, int pid, uint64_t cgid, uint64_t now)
{
	char path[64], buf[8192], exe[4096];
	struct cadet_rec_proc *rec;
	unsigned long long start = 0;
	unsigned int ppid = 0, uid = 0;
	ssize_t n, argv_len;
	char *p;
	int err;

	rec = cadet_recbuf__start(r->b, CADET_REC_PROC, sizeof(*rec));
	if (!rec)
		return;
	rec->h.ts = now;
	rec->h.cgroup_id = cgid;
	rec->h.pid = pid;
	rec->h.tid = pid;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		size_t n = strcspn(buf, "\n");

		memcpy(rec->h.comm, buf,
		       n < sizeof(rec->h.comm) ? n : sizeof(rec->h.comm) - 1);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		p = strstr(buf, "\nPPid:");
		if (p)
			ppid = strtoul(p + 6, NULL, 10);
		p = strstr(buf, "\nUid:");
		if (p)
			uid = strtoul(p + 5, NULL, 10);
	}
	rec->ppid = ppid;
	rec->uid = uid;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		/* Field 22 (starttime) counts after the ")" ending comm. */
		p = strrchr(buf, ')');
		for (int f = 2; p && f < 22; f++)
			p = strchr(p + 1, ' ');
		if (p)
			start = strtoull(p + 1, NULL, 10);
		rec->start_ts = start * NSEC / sysconf(_SC_CLK_TCK);
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	err = 0;
	if (n > 0)
		err = cadet_recbuf__put_str(
			r->b, offsetof(struct cadet_rec_proc, exe), exe, n);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	argv_len = read_file(path, buf, sizeof(buf));
	while (argv_len > 0 && !buf[argv_len - 1])
		argv_len--;
	if (!err && argv_len > 0)
		err = cadet_recbuf__put_str(
			r->b, offsetof(struct cadet_rec_proc, argv), buf,
			argv_len);
	if (!err)
		recorder_write_rec(r, cadet_recbuf__rec(r->b));
}

void recorder_proc_snapshot(struct recorder *r, uint64_t now)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		const struct container_info *c;
		char path[64], buf[4096], *p;
		int pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		if (pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
		if (read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		p = strstr(buf, "0::");
		if (!p || (p != buf && p[-1] != '\n'))
			continue;
		p += 3;
		p[strcspn(p, "\n")] = '\0';
		c = find_by_path(r, p);
		if (!c)
			continue;
		proc_rec(r, pid, c->cgroup_id, now);
	}
	closedir(d);
}
