/* SPDX-License-Identifier: MIT */
/*
 * Optional per-container packet capture (--pcap).
 *
 * For each container a thread enters the container's network namespace
 * (setns on /proc/PID/ns/net of one of its tasks), opens the "any" device
 * there with nanosecond timestamps and writes TRACE-<container>.pcap.
 * Containers sharing the host's network namespace are not captured: that
 * would be the host's traffic.
 *
 * HowTo:
 *   struct pcap_set *s = pcap_set__new("/data", "run", verbose);
 *   pcap_set__start(s, cgroup_id, "web1", "/sys/fs/cgroup/unified/web1");
 *   pcap_set__stop(s, cgroup_id);
 *   pcap_set__free(s);                  stops and closes every capture
 */
#ifndef CADET_RECORDER_PCAP_H
#define CADET_RECORDER_PCAP_H

#include <stddef.h>
#include <stdint.h>

struct pcap_set;

/* Files go to @dir/@prefix-<name>.pcap. NULL + errno on failure. */
struct pcap_set *pcap_set__new(const char *dir, const char *prefix,
			       int verbose);
/*
 * Start capturing for the container of @cgroup_id named @name whose cgroup
 * directory is @cgroup_dir. 0, -EEXIST when already capturing, -ENOENT
 * when it has no task yet or shares the host's namespace, other -errno.
 */
int pcap_set__start(struct pcap_set *s, uint64_t cgroup_id, const char *name,
		    const char *cgroup_dir);
void pcap_set__stop(struct pcap_set *s, uint64_t cgroup_id);
void pcap_set__free(struct pcap_set *s);

/* The path pcap_set__start() writes for @name (into @buf). */
int pcap_path(char *buf, size_t size, const char *dir, const char *prefix,
	      const char *name);

#endif
