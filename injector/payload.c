// SPDX-License-Identifier: MIT
/* The anomaly's payload in a run (injector/payload.h). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "injector/cleanup.h"
#include "injector/payload.h"

int payload_argv(const struct scenario_anomaly *an, uint64_t duration_ms,
		 const char *payload_dir, char ***argvp, bool in_container)
{
	char **argv = calloc(an->nparams + 4, sizeof(*argv));
	size_t n = 0;

	if (!argv)
		return -ENOMEM;
	if (!strcmp(an->type, "command")) {
		argv[n++] = strdup("/bin/sh");
		argv[n++] = strdup("-c");
		argv[n++] = strdup(an->command);
	} else {
		if (asprintf(&argv[n++], "%s/%s",
			     in_container ? PAYLOAD_DIR_IN_CONTAINER
					  : payload_dir,
			     an->type) < 0)
			argv[n - 1] = NULL;
		if (asprintf(&argv[n++], "--duration=%llu",
			     (unsigned long long)(duration_ms / 1000)) < 0)
			argv[n - 1] = NULL;
		for (size_t i = 0; i < an->nparams; i++)
			if (asprintf(&argv[n++], "--%s=%s", an->params[i].key,
				     an->params[i].value) < 0)
				argv[n - 1] = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!argv[i]) {
			for (size_t j = 0; j < n; j++)
				free(argv[j]);
			free(argv);
			return -ENOMEM;
		}
	}
	*argvp = argv;
	return 0;
}

int payload_env(const struct scenario_anomaly *an, uint64_t duration_ms,
		uint64_t seed, char ***envp)
{
	bool own_seed = false;
	char **env;
	size_t n = 0;

	*envp = NULL;
	if (strcmp(an->type, "command"))
		return 0;
	env = calloc(an->nparams + 4, sizeof(*env));
	if (!env)
		return -ENOMEM;
	/* Whole seconds, as a payload's --duration: `timeout` takes it. */
	if (asprintf(&env[n++], "CADET_DURATION=%llu",
		     (unsigned long long)(duration_ms / 1000)) < 0)
		env[n - 1] = NULL;
	if (asprintf(&env[n++], "CADET_INTENSITY=%g", an->intensity) < 0)
		env[n - 1] = NULL;
	for (size_t i = 0; i < an->nparams; i++) {
		char *v;

		own_seed |= !strcmp(an->params[i].key, "seed");
		if (asprintf(&v, "CADET_%s=%s", an->params[i].key,
			     an->params[i].value) < 0) {
			env[n++] = NULL;
			continue;
		}
		/* Keys are [a-z0-9_]+: upper case makes the usual name. */
		for (char *p = v + 6; *p != '='; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		env[n++] = v;
	}
	/* A `seed` intensity key wins over the run's. */
	if (!own_seed && asprintf(&env[n++], "CADET_SEED=%llu",
				  (unsigned long long)seed) < 0)
		env[n - 1] = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!env[i]) {
			for (size_t j = 0; j < n; j++)
				free(env[j]);
			free(env);
			return -ENOMEM;
		}
	}
	*envp = env;
	return 0;
}

void payload_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

void payload_argv_print(FILE *f, char **argv)
{
	for (size_t i = 0; argv[i]; i++)
		fprintf(f, i ? " %s" : "%s", argv[i]);
}

void payload_env_print(FILE *f, char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		fprintf(f, "%s ", env[i]);
}

void *payload_thread(void *arg)
{
	struct payload_run *p = arg;
	struct container_exec_opts eo = {.sz = sizeof(eo),
					 .env = (const char *const *)p->env,
					 .out = &p->out,
					 .out_len = &p->out_len,
					 .timeout_ms = p->timeout_ms};

	p->t_start = cleanup_now_ns();
	p->status =
		container__exec(p->target, (const char *const *)p->argv, &eo);
	if (!p->t_end)
		p->t_end = cleanup_now_ns();
	p->done = true;
	return NULL;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		/* comm may hold spaces and parentheses: skip to the last ')' */
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
			ppid = 0;
	}
	fclose(f);
	return (pid_t)ppid;
}

/*
 * Kill what was exec'd into @c (the payload and what it started, load
 * loops), sparing the init and its descendants. The waited exec returns
 * once its process is gone.
 */
int payload_kill_execd(struct container *c)
{
	char path[PATH_MAX];
	pid_t init = container__pid(c), pids[4096];
	size_t n = 0;
	int killed = 0, pid;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs",
		     container__cgroup_path(c)) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (n < sizeof(pids) / sizeof(pids[0]) && fscanf(f, "%d", &pid) == 1)
		pids[n++] = pid;
	fclose(f);
	/*
	 * Decide first, kill after: an orphan of a killed process is
	 * reparented to the init at once and would then look spared.
	 */
	for (size_t i = 0; i < n; i++) {
		pid_t p = pids[i];
		int depth = 0;

		while (p > 1 && p != init && depth++ < 64)
			p = parent_of(p);
		if (p == init || pids[i] == init)
			pids[i] = 0;
	}
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0 && !kill(pids[i], SIGKILL))
			killed++;
	return killed;
}

/* Parse the payload's "cadet-payload start|end <ns>" lines. */
void payload_window(const struct payload_run *p, uint64_t *start, uint64_t *end,
		    bool *from_payload)
{
	bool have_start = false, have_end = false;
	const char *line = p->out;

	*start = p->t_start;
	*end = p->t_end;
	while (line && *line) {
		unsigned long long ns;
		char word[16];

		if (sscanf(line, "cadet-payload %15s %llu", word, &ns) == 2) {
			if (!strcmp(word, "start")) {
				*start = ns;
				have_start = true;
			} else if (!strcmp(word, "end")) {
				*end = ns;
				have_end = true;
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	/* Ended by our kill, not by itself: the end is when it died. */
	if (have_start && !have_end)
		*end = p->t_end;
	if (*end < *start)
		*end = *start;
	*from_payload = have_start;
}
