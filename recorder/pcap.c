// SPDX-License-Identifier: MIT
/*
 * Per-container packet capture with libpcap; see pcap.h.
 *
 * setns(CLONE_NEWNET) changes only the calling thread's namespace, so each
 * capture runs in its own thread that moves into the container's network
 * namespace before opening the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "lib/util/cmd_name.h"
#include "lib/util/fs.h"
#include "recorder/pcap.h"

#define SNAPLEN 262144
#define TIMEOUT_MS 100

struct capture {
	uint64_t cgroup_id;
	char name[128];
	char path[4096];
	int netns_fd;
	pthread_t thread;
	atomic_int stop;
	int verbose;
	struct capture *next;
};

struct pcap_set {
	char *dir;
	char *prefix;
	int verbose;
	struct capture *caps;
};

int pcap_path(char *buf, size_t size, const char *dir, const char *prefix,
	      const char *name)
{
	char clean[128];
	size_t i;

	/* Container names become file names: keep them harmless. */
	for (i = 0; name[i] && i < sizeof(clean) - 1; i++)
		clean[i] = (name[i] == '/' || name[i] == ' ') ? '_' : name[i];
	clean[i] = '\0';
	if ((size_t)snprintf(buf, size, "%s/%s-%s.pcap", dir, prefix, clean) >=
	    size)
		return -ENAMETOOLONG;
	return 0;
}

struct pcap_set *pcap_set__new(const char *dir, const char *prefix, int verbose)
{
	struct pcap_set *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->dir = strdup(dir);
	s->prefix = strdup(prefix);
	s->verbose = verbose;
	if (!s->dir || !s->prefix) {
		pcap_set__free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

/* An open fd on the network namespace of a task of @cgroup_dir. */
static int container_netns(const char *cgroup_dir)
{
	char path[4096], buf[64];
	struct stat self, ns;
	int pid = 0, fd;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup_dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fgets(buf, sizeof(buf), f))
		pid = atoi(buf);
	fclose(f);
	if (pid <= 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (stat("/proc/self/ns/net", &self) || fstat(fd, &ns) ||
	    (self.st_ino == ns.st_ino && self.st_dev == ns.st_dev)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

static void *capture_main(void *arg)
{
	struct capture *c = arg;
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_dumper_t *d = NULL;
	FILE *df;
	struct pollfd pfd;
	pcap_t *pc = NULL;

	if (setns(c->netns_fd, CLONE_NEWNET)) {
		fprintf(stderr, "%s: --pcap %s: setns: %s\n", cadet_cmd_name,
			c->name, strerror(errno));
		return NULL;
	}
	pc = pcap_create("any", err);
	if (!pc)
		goto fail;
	pcap_set_snaplen(pc, SNAPLEN);
	pcap_set_timeout(pc, TIMEOUT_MS);
	pcap_set_immediate_mode(pc, 0);
	if (pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO))
		fprintf(stderr,
			"%s: --pcap %s: no nanosecond timestamps here, using microseconds\n",
			cadet_cmd_name, c->name);
	if (pcap_activate(pc) < 0) {
		snprintf(err, sizeof(err), "%s", pcap_geterr(pc));
		goto fail;
	}
	if (pcap_setnonblock(pc, 1, err) < 0)
		goto fail;
	/* Packets are data like the trace: created with its mode. */
	df = util_fopen_data(c->path, "w");
	if (!df) {
		snprintf(err, sizeof(err), "cannot create the capture file: %s",
			 strerror(errno));
		goto fail;
	}
	d = pcap_dump_fopen(pc, df);
	if (!d) {
		fclose(df);
		snprintf(err, sizeof(err), "%s", pcap_geterr(pc));
		goto fail;
	}
	if (c->verbose)
		fprintf(stderr, "%s: capturing %s into %s\n", cadet_cmd_name,
			c->name, c->path);
	pfd.fd = pcap_get_selectable_fd(pc);
	pfd.events = POLLIN;
	while (!atomic_load(&c->stop)) {
		int n;

		/*
		 * The read timeout may not run without traffic (TPACKET_V3):
		 * poll with our own timeout so that a stop is seen.
		 */
		if (poll(&pfd, 1, TIMEOUT_MS) <= 0)
			continue;
		n = pcap_dispatch(pc, -1, pcap_dump, (u_char *)d);
		if (n < 0 && n != PCAP_ERROR_BREAK) {
			fprintf(stderr, "%s: --pcap %s: %s\n", cadet_cmd_name,
				c->name, pcap_geterr(pc));
			break;
		}
	}
	pcap_dump_close(d);
	pcap_close(pc);
	return NULL;
fail:
	fprintf(stderr, "%s: --pcap %s: cannot capture: %s\n", cadet_cmd_name,
		c->name, err);
	if (pc)
		pcap_close(pc);
	return NULL;
}

int pcap_set__start(struct pcap_set *s, uint64_t cgroup_id, const char *name,
		    const char *cgroup_dir)
{
	struct capture *c;
	int err;

	for (c = s->caps; c; c = c->next)
		if (c->cgroup_id == cgroup_id)
			return -EEXIST;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cgroup_id = cgroup_id;
	c->verbose = s->verbose;
	snprintf(c->name, sizeof(c->name), "%s", name);
	err = pcap_path(c->path, sizeof(c->path), s->dir, s->prefix, name);
	if (err)
		goto cleanup;
	c->netns_fd = container_netns(cgroup_dir);
	if (c->netns_fd < 0) {
		err = c->netns_fd;
		goto cleanup;
	}
	err = -pthread_create(&c->thread, NULL, capture_main, c);
	if (err)
		goto cleanup_fd;
	c->next = s->caps;
	s->caps = c;
	return 0;
cleanup_fd:
	close(c->netns_fd);
cleanup:
	free(c);
	return err;
}

static void capture_end(struct capture *c)
{
	atomic_store(&c->stop, 1);
	pthread_join(c->thread, NULL);
	close(c->netns_fd);
	free(c);
}

void pcap_set__stop(struct pcap_set *s, uint64_t cgroup_id)
{
	struct capture **pp;

	if (!s)
		return;
	for (pp = &s->caps; *pp; pp = &(*pp)->next) {
		struct capture *c = *pp;

		if (c->cgroup_id == cgroup_id) {
			*pp = c->next;
			capture_end(c);
			return;
		}
	}
}

void pcap_set__free(struct pcap_set *s)
{
	if (!s)
		return;
	while (s->caps) {
		struct capture *c = s->caps;

		s->caps = c->next;
		capture_end(c);
	}
	free(s->dir);
	free(s->prefix);
	free(s);
}
