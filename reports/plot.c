// SPDX-License-Identifier: MIT
/*
 * PNG plots for report.md, drawn by gnuplot run as a child process. The
 * scripts and data files stay in DIR/gnuplot/ so a plot can be restyled
 * and redrawn by hand (cd DIR/gnuplot && gnuplot NAME.gp).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/util/errbuf.h"
#include "reports/report.h"

#define PANEL_PX 230
#define EXIT_EXEC_FAILED 127

static const char *const colors[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
	"#8c564b", "#e377c2", "#17becf", "#7f7f7f",
};
#define NCOLORS (sizeof(colors) / sizeof(colors[0]))

/* A gnuplot single-quoted string: '' stands for one quote. */
static void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* A data-file token: double-quoted, no quotes or newlines inside. */
static void dat_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(*s == '"' || *s == '\n' ? '\'' : *s, f);
	fputc('"', f);
}

static void dat_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %.6g", v);
	else
		fputs(" NaN", f);
}

static FILE *open_in(const char *dir, const char *name, char *err,
		     size_t errlen)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/gnuplot/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		util_errf(err, errlen, 0, "cannot write %s: %s", path,
			  strerror(errno));
	return f;
}

static int close_file(FILE *f, const char *name, char *err, size_t errlen)
{
	if (ferror(f) | fclose(f))
		return util_errf(err, errlen, -EIO, "error writing %s", name);
	return 0;
}

/* Last lines of a gnuplot log for an error message. */
static void log_tail(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;
	long sz;

	buf[0] = 0;
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, sz > (long)len - 1 ? sz - (long)len + 1 : 0, SEEK_SET);
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
}

/*
 * Runs "@prog @script" in @dir/gnuplot with output to @script.log; checks
 * that @png (relative to @dir) was written and is not empty.
 */
static int run_gnuplot(const char *prog, const char *dir, const char *script,
		       const char *png, char *err, size_t errlen)
{
	char gdir[4096], logp[4096], pngp[4096], tail[600];
	struct stat st;
	int status;
	pid_t pid;

	if (snprintf(gdir, sizeof(gdir), "%s/gnuplot", dir) >=
		    (int)sizeof(gdir) ||
	    snprintf(logp, sizeof(logp), "%s/gnuplot/%s.log", dir, script) >=
		    (int)sizeof(logp) ||
	    snprintf(pngp, sizeof(pngp), "%s/%s", dir, png) >=
		    (int)sizeof(pngp))
		return util_errf(err, errlen, -ENAMETOOLONG,
				 "output path too long: %s", dir);
	unlink(pngp);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return util_errf(err, errlen, -errno, "fork: %s",
				 strerror(errno));
	if (!pid) {
		int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		if (chdir(gdir))
			_exit(EXIT_EXEC_FAILED);
		execlp(prog, prog, script, (char *)NULL);
		fprintf(stderr, "cannot run %s: %s\n", prog, strerror(errno));
		_exit(EXIT_EXEC_FAILED);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return util_errf(err, errlen, -errno, "waitpid: %s",
					 strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_EXEC_FAILED)
		return util_errf(
			err, errlen, -ENOENT,
			"cannot run '%s': install gnuplot (apt-get install gnuplot-nox, or make deps), point --gnuplot at it, or use --no-plots",
			prog);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		log_tail(logp, tail, sizeof(tail));
		return util_errf(err, errlen, -EIO,
				 "gnuplot failed on %s/%s (log %s):\n%s", gdir,
				 script, logp, tail);
	}
	if (stat(pngp, &st) || !st.st_size)
		return util_errf(err, errlen, -EIO,
				 "gnuplot ran %s/%s but wrote no %s (log %s)",
				 gdir, script, pngp, logp);
	/* keep a log only when gnuplot had something to say */
	if (!stat(logp, &st) && !st.st_size)
		unlink(logp);
	return 0;
}

/* ---- timeline of one trace ---- */

static int write_ctr_dat(const char *dir, const struct rpt_trace *t,
			 const struct rpt_container *c, const char *name,
			 char *err, size_t errlen)
{
	FILE *f = open_in(dir, name, err, errlen);

	if (!f)
		return -EIO;
	fputs("# t_s cpu_cores rss_mib tx_kib_s rx_kib_s syscalls_s\n", f);
	for (size_t i = 0; i < c->n; i++) {
		const struct rpt_sample *s = &c->s[i];
		uint64_t iv = rpt_sample_interval(t, c, i);
		double sec = iv ? (double)iv / 1e9 : NAN;

		fprintf(f, "%.3f", rpt_offset_s(t, s->ts));
		dat_num(f, (double)s->cpu_ns / 1e9 / sec);
		dat_num(f, (double)s->rss_bytes / 1048576.0);
		dat_num(f, (double)s->tx_bytes / 1024.0 / sec);
		dat_num(f, (double)s->rx_bytes / 1024.0 / sec);
		dat_num(f, (double)s->syscalls / sec);
		fputc('\n', f);
	}
	return close_file(f, name, err, errlen);
}

static int write_alerts_dat(const char *dir, const struct rpt_trace *t,
			    const char *name, char *err, size_t errlen)
{
	FILE *f = open_in(dir, name, err, errlen);

	if (!f)
		return -EIO;
	fputs("# t_s detector_index on_labeled_target\n", f);
	for (size_t i = 0; i < t->nalerts; i++) {
		const struct rpt_alert *a = &t->alerts[i];
		const struct rpt_container *c = rpt_find_ctr(t, a->cgroup_id);

		fprintf(f, "%.3f %zu %d\n", rpt_offset_s(t, a->ts), a->det,
			c && c->target);
	}
	/* gnuplot wants one point even when no detector alerted */
	if (!t->nalerts)
		fputs("NaN NaN NaN\n", f);
	return close_file(f, name, err, errlen);
}

static void plot_metric(FILE *f, const struct rpt_trace *t, int col,
			const char *ylabel, bool last)
{
	char lb[160], tmp[128];
	size_t k = 0;

	fprintf(f, "set ylabel '%s'\n", ylabel);
	if (last)
		fputs("set format x '%g'\nset xlabel xl\n", f);
	fputs("plot ", f);
	for (size_t i = 0; i < t->nctrs; i++) {
		const struct rpt_container *c = &t->ctrs[i];

		if (!c->shown)
			continue;
		snprintf(lb, sizeof(lb), "%s",
			 rpt_ctr_label(c, tmp, sizeof(tmp)));
		if (col == 4) {
			/* network: tx solid, rx dashed, one key entry */
			fprintf(f,
				"%s'%s-c%zu.dat' u 1:4 w l lw 1.5 dt 1 lc rgb '%s' t ",
				k ? ", \\\n     " : "", t->name, i,
				colors[k % NCOLORS]);
			gp_str(f, lb);
			fprintf(f,
				", '%s-c%zu.dat' u 1:5 w l lw 1.5 dt 2 lc rgb '%s' notitle",
				t->name, i, colors[k % NCOLORS]);
		} else {
			fprintf(f,
				"%s'%s-c%zu.dat' u 1:%d w l lw 1.5 lc rgb '%s' t ",
				k ? ", \\\n     " : "", t->name, i, col,
				colors[k % NCOLORS]);
			gp_str(f, lb);
		}
		k++;
	}
	fputc('\n', f);
}

/* Right margin in characters: the key's longest entry and its sample. */
static int key_width(const struct rpt_trace *t)
{
	size_t w = 28; /* "alert on another container" */
	char lb[128];

	for (size_t i = 0; i < t->nctrs; i++) {
		const char *n;

		if (!t->ctrs[i].shown)
			continue;
		n = rpt_ctr_label(&t->ctrs[i], lb, sizeof(lb));
		if (strlen(n) > w)
			w = strlen(n);
	}
	return (int)(w > 60 ? 60 : w) + 8;
}

static int timeline(const struct cadet_report *r, const struct rpt_trace *t,
		    const char *dir, char *err, size_t errlen)
{
	bool alerts = r->have_results && r->ndets;
	int npanels = 4 + alerts, err2;
	char name[512], script[600], png[600], start[40];
	double x0 = 0, x1 = rpt_offset_s(t, t->t1);
	size_t nwin = 0;
	FILE *f;

	if (!t->nshown)
		return 0;
	for (size_t i = 0; i < t->nctrs; i++) {
		if (!t->ctrs[i].shown)
			continue;
		snprintf(name, sizeof(name), "%s-c%zu.dat", t->name, i);
		err2 = write_ctr_dat(dir, t, &t->ctrs[i], name, err, errlen);
		if (err2)
			return err2;
	}
	if (alerts) {
		snprintf(name, sizeof(name), "%s-alerts.dat", t->name);
		err2 = write_alerts_dat(dir, t, name, err, errlen);
		if (err2)
			return err2;
	}
	if (x1 <= x0)
		x1 = x0 + 1;
	snprintf(script, sizeof(script), "%s-timeline.gp", t->name);
	snprintf(png, sizeof(png), "%s-timeline.png", t->name);
	f = open_in(dir, script, err, errlen);
	if (!f)
		return -EIO;
	fprintf(f,
		"# cadet report: timeline of %s (redraw: gnuplot %s)\n"
		"set terminal pngcairo size 1200,%d font 'DejaVu Sans,10' noenhanced\n"
		"set output '../%s'\n",
		t->name, script, PANEL_PX * npanels + 90, png);
	fprintf(f, "xl = 'seconds since the trace start (%s UTC)'\n",
		rpt_utc(rpt_epoch_ns(t, t->start_ts), start, sizeof(start)));
	fputs("set multiplot layout ", f);
	fprintf(f, "%d,1 title ", npanels);
	snprintf(name, sizeof(name), "%s: %s", t->scenario, t->name);
	gp_str(f, name);
	fprintf(f,
		"\nset xrange [%.3f:%.3f]\n"
		"set grid\nset key outside right top\n"
		"set lmargin 12\nset rmargin %d\nset format x ''\n"
		"set yrange [0:*]\n",
		x0, x1, key_width(t));
	for (size_t i = 0; i < t->nlabels; i++) {
		const struct rpt_label *l = &t->labels[i];

		if (strcmp(l->kind, "anomaly"))
			continue;
		nwin++;
		fprintf(f,
			"set object %zu rect from first %.3f, graph 0 to first %.3f, graph 1 behind fc rgb '#f6c6c6' fs solid 1.0 noborder\n",
			nwin, rpt_offset_s(t, l->start),
			rpt_offset_s(t, l->end));
		fprintf(f, "set label %zu ", nwin);
		snprintf(name, sizeof(name), "%s on %s", l->anomaly, l->target);
		gp_str(f, name);
		fprintf(f,
			" at first %.3f, graph 0.93 left offset 0.5,0 front tc rgb '#a01010'\n",
			rpt_offset_s(t, l->start));
	}
	plot_metric(f, t, 2, "CPU (cores)", false);
	fputs("unset label\n", f);
	plot_metric(f, t, 3, "RSS (MiB)", false);
	plot_metric(f, t, 4, "network KiB/s (tx solid, rx dashed)", false);
	plot_metric(f, t, 6, "syscalls / s", !alerts);
	if (alerts) {
		fprintf(f, "set ylabel 'alerts'\nset yrange [-0.5:%zu.5]\n",
			r->ndets - 1);
		fputs("set ytics (", f);
		for (size_t d = 0; d < r->ndets; d++) {
			fputs(d ? ", " : "", f);
			gp_str(f, r->dets[d]);
			fprintf(f, " %zu", d);
		}
		fputs(")\nset grid noytics\nset format x '%g'\nset xlabel xl\n",
		      f);
		fprintf(f,
			"plot '%s-alerts.dat' u 1:($3 == 1 ? $2 : NaN) w p pt 7 ps 1.2 lc rgb '#d62728' t 'alert on the labeled target', \\\n"
			"     '%s-alerts.dat' u 1:($3 == 1 ? NaN : $2) w p pt 6 ps 1.2 lc rgb '#555555' t 'alert on another container'\n",
			t->name, t->name);
	}
	fputs("unset multiplot\n", f);
	err2 = close_file(f, script, err, errlen);
	return err2 ?: run_gnuplot(r->gnuplot, dir, script, png, err, errlen) ?:
		       1;
}

/* ---- eval.json plots ---- */

static int detector_bars(const struct cadet_report *r, const char *dir,
			 char *err, size_t errlen)
{
	const struct rpt_eval *e = r->eval;
	FILE *f;
	int ret;

	f = open_in(dir, "detectors.dat", err, errlen);
	if (!f)
		return -EIO;
	fputs("# detector detection_rate precision f1 (overall; -1 = undefined)\n",
	      f);
	/*
	 * gnuplot skips a whole row holding NaN, and stops on a histogram
	 * column without a valid point: undefined is written as -1 instead.
	 */
	for (size_t i = 0; i < e->ndets; i++) {
		const struct rpt_stats *o = &e->dets[i].overall;

		dat_str(f, e->dets[i].key);
		dat_num(f, isfinite(o->dr) ? o->dr : -1);
		dat_num(f, isfinite(o->precision) ? o->precision : -1);
		dat_num(f, isfinite(o->f1) ? o->f1 : -1);
		fputc('\n', f);
	}
	ret = close_file(f, "detectors.dat", err, errlen);
	if (ret)
		return ret;
	f = open_in(dir, "detectors.gp", err, errlen);
	if (!f)
		return -EIO;
	fprintf(f,
		"# cadet report: detector metrics over all scenarios (redraw: gnuplot detectors.gp)\n"
		"set terminal pngcairo size %d,480 font 'DejaVu Sans,10' noenhanced\n"
		"set output '../detectors.png'\n"
		"set title 'Detectors over all test traces (eval.json overall; n/a = undefined)'\n"
		"set style data histograms\n"
		"set style histogram clustered gap 1\n"
		"set style fill solid 0.85 border -1\n"
		"set boxwidth 0.9\n"
		"set yrange [0:1.05]\nset ylabel 'score'\n"
		"set grid ytics\nset key outside right top\n"
		"set xtics rotate by -25 nomirror\n"
		"lbl(v) = v >= 0 ? sprintf('%%.2f', v) : 'n/a'\n"
		"hy(v) = v >= 0 ? v : 0\n"
		"plot 'detectors.dat' u (hy($2)):xtic(1) t 'detection rate' lc rgb '#1f77b4', \\\n"
		"     '' u (hy($3)) t 'precision' lc rgb '#ff7f0e', \\\n"
		"     '' u (hy($4)) t 'F1' lc rgb '#2ca02c', \\\n"
		"     '' u ($0 - 0.25):(hy($2)):(lbl($2)) w labels offset 0,0.7 font ',8' notitle, \\\n"
		"     '' u ($0):(hy($3)):(lbl($3)) w labels offset 0,0.7 font ',8' notitle, \\\n"
		"     '' u ($0 + 0.25):(hy($4)):(lbl($4)) w labels offset 0,0.7 font ',8' notitle\n",
		e->ndets > 6 ? 900 + 60 * (int)e->ndets : 900);
	ret = close_file(f, "detectors.gp", err, errlen);
	return ret ?: run_gnuplot(r->gnuplot, dir, "detectors.gp",
				  "detectors.png", err, errlen) ?:
		     1;
}

static const struct rpt_stats *per_scenario(const struct rpt_eval_det *d,
					    const char *sc)
{
	for (size_t i = 0; i < d->nper; i++)
		if (!strcmp(d->per[i].scenario, sc))
			return &d->per[i];
	return NULL;
}

static int heatmap(const struct cadet_report *r, const char *dir, char *err,
		   size_t errlen)
{
	const struct rpt_eval *e = r->eval;
	FILE *f;
	int ret;

	f = open_in(dir, "heatmap.dat", err, errlen);
	if (!f)
		return -EIO;
	fputs("# scenario_index detector_index f1 (-1 = undefined) label\n", f);
	for (size_t i = 0; i < e->ndets; i++) {
		for (size_t s = 0; s < e->nscenarios; s++) {
			const struct rpt_stats *st =
				per_scenario(&e->dets[i], e->scenarios[s]);
			double v = st && isfinite(st->f1) ? st->f1 : -1;
			char lbl[32];

			if (v >= 0)
				snprintf(lbl, sizeof(lbl), "%.2f", v);
			else
				snprintf(lbl, sizeof(lbl), "n/a");
			fprintf(f, "%zu %zu", s, i);
			dat_num(f, v);
			fprintf(f, " \"%s\"\n", lbl);
		}
	}
	ret = close_file(f, "heatmap.dat", err, errlen);
	if (ret)
		return ret;
	f = open_in(dir, "heatmap.gp", err, errlen);
	if (!f)
		return -EIO;
	fprintf(f,
		"# cadet report: F1 per detector and scenario (redraw: gnuplot heatmap.gp)\n"
		"set terminal pngcairo size %d,%d font 'DejaVu Sans,10' noenhanced\n"
		"set output '../heatmap.png'\n"
		"set title 'F1 by detector and scenario (grey: undefined)'\n"
		"set xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\n"
		"set cbrange [0:1]\nset cblabel 'F1'\n"
		"set palette defined (0 '#fff5eb', 0.5 '#fd8d3c', 1 '#7f2704')\n"
		"set xtics rotate by -30 nomirror\nset ytics nomirror\n"
		"unset key\nset tics scale 0\n",
		260 + 90 * (int)e->nscenarios, 160 + 40 * (int)e->ndets,
		e->nscenarios - 1, e->ndets - 1);
	fputs("set xtics (", f);
	for (size_t s = 0; s < e->nscenarios; s++) {
		fputs(s ? ", " : "", f);
		gp_str(f, e->scenarios[s]);
		fprintf(f, " %zu", s);
	}
	fputs(")\nset ytics (", f);
	for (size_t i = 0; i < e->ndets; i++) {
		fputs(i ? ", " : "", f);
		gp_str(f, e->dets[i].key);
		fprintf(f, " %zu", i);
	}
	fputs(")\n"
	      "plot 'heatmap.dat' u 1:2:(0.5):(0.5) w boxxy fs solid 1.0 fc rgb '#dddddd', \\\n"
	      "     '' u 1:2:(0.5):(0.5):($3 >= 0 ? $3 : NaN) w boxxy fs solid 1.0 border lc rgb 'white' fc palette, \\\n"
	      "     '' u 1:2:4 w labels tc rgb 'black'\n",
	      f);
	ret = close_file(f, "heatmap.gp", err, errlen);
	return ret ?: run_gnuplot(r->gnuplot, dir, "heatmap.gp", "heatmap.png",
				  err, errlen) ?:
		     1;
}

/* 1 when report.md gets a heat map: several traces or scenarios. */
bool rpt_want_heatmap(const struct cadet_report *r)
{
	return r->eval && r->eval->ndets && r->eval->nscenarios &&
	       (r->eval->nscenarios > 1 || r->ntraces > 1);
}

int cadet_report__plot(const struct cadet_report *r, const char *dir, char *err,
		       size_t errlen)
{
	char gdir[4096];
	int n = 0, ret;

	snprintf(gdir, sizeof(gdir), "%s/gnuplot", dir);
	if (mkdir(gdir, 0755) && errno != EEXIST)
		return util_errf(err, errlen, -errno, "cannot create %s: %s",
				 gdir, strerror(errno));
	for (size_t i = 0; i < r->ntraces; i++) {
		ret = timeline(r, &r->traces[i], dir, err, errlen);
		if (ret < 0)
			return ret;
		n += ret;
	}
	if (r->eval && r->eval->ndets) {
		ret = detector_bars(r, dir, err, errlen);
		if (ret < 0)
			return ret;
		n += ret;
	}
	if (rpt_want_heatmap(r)) {
		ret = heatmap(r, dir, err, errlen);
		if (ret < 0)
			return ret;
		n += ret;
	}
	return n;
}
