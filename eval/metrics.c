// SPDX-License-Identifier: MIT
/*
 * Metric primitives of `cadet eval`; docs/metrics.md has the definitions
 * and the references.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/metrics.h"

size_t cadet_alarms_merge(const uint64_t *ts, size_t n, uint64_t gap,
			  struct cadet_span *out)
{
	size_t na = 0;

	for (size_t i = 0; i < n; i++) {
		/* gap 0 is no merging at all, equal times included */
		if (na && gap && ts[i] - out[na - 1].end <= gap) {
			out[na - 1].end = ts[i];
			continue;
		}
		out[na].start = ts[i];
		out[na].end = ts[i];
		na++;
	}
	return na;
}

bool cadet_first_alert_in(const uint64_t *ts, size_t n, uint64_t lo,
			  uint64_t hi, uint64_t *first)
{
	size_t l = 0, r = n;

	/* lower bound of @lo: the first alert not before the window */
	while (l < r) {
		size_t m = l + (r - l) / 2;

		if (ts[m] < lo)
			l = m + 1;
		else
			r = m;
	}
	if (l == n || ts[l] > hi)
		return false;
	*first = ts[l];
	return true;
}

static int span_cmp(const void *a, const void *b)
{
	const struct cadet_span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

size_t cadet_spans_normalize(struct cadet_span *s, size_t n)
{
	size_t k = 0;

	if (!n)
		return 0;
	qsort(s, n, sizeof(*s), span_cmp);
	for (size_t i = 1; i < n; i++) {
		if (s[i].start <= s[k].end) {
			if (s[i].end > s[k].end)
				s[k].end = s[i].end;
			continue;
		}
		s[++k] = s[i];
	}
	return k + 1;
}

uint64_t cadet_spans_minus_ns(const struct cadet_span *a, size_t na,
			      const struct cadet_span *b, size_t nb)
{
	uint64_t total = 0;
	size_t j = 0;

	for (size_t i = 0; i < na; i++) {
		uint64_t cur = a[i].start, end = a[i].end;

		/* spans of @b wholly before this one cannot matter again */
		while (j < nb && b[j].end < cur)
			j++;
		for (size_t k = j; k < nb && b[k].start <= end; k++) {
			if (b[k].start > cur)
				total += b[k].start - cur;
			if (b[k].end > cur)
				cur = b[k].end;
			if (cur >= end)
				break;
		}
		if (cur < end)
			total += end - cur;
	}
	return total;
}

size_t cadet_bins_from_spans(const struct cadet_span *s, size_t n, uint64_t bin,
			     struct cadet_brange *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t lo = s[i].start / bin, hi = s[i].end / bin;

		if (k && lo <= out[k - 1].hi + 1) {
			if (hi > out[k - 1].hi)
				out[k - 1].hi = hi;
			continue;
		}
		out[k].lo = lo;
		out[k].hi = hi;
		k++;
	}
	return k;
}

size_t cadet_bins_from_alerts(const uint64_t *ts, size_t n, uint64_t bin,
			      struct cadet_brange *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t b = ts[i] / bin;

		if (k && b <= out[k - 1].hi + 1) {
			if (b > out[k - 1].hi)
				out[k - 1].hi = b;
			continue;
		}
		out[k].lo = b;
		out[k].hi = b;
		k++;
	}
	return k;
}

static uint64_t brange_len(struct cadet_brange r)
{
	return r.hi - r.lo + 1;
}

/* Bins shared by @a and @b, 0 when they are disjoint. */
static uint64_t brange_overlap(struct cadet_brange a, struct cadet_brange b,
			       struct cadet_brange *o)
{
	uint64_t lo = a.lo > b.lo ? a.lo : b.lo;
	uint64_t hi = a.hi < b.hi ? a.hi : b.hi;

	if (lo > hi)
		return 0;
	if (o) {
		o->lo = lo;
		o->hi = hi;
	}
	return hi - lo + 1;
}

static uint64_t branges_total(const struct cadet_brange *r, size_t n)
{
	uint64_t t = 0;

	for (size_t i = 0; i < n; i++)
		t += brange_len(r[i]);
	return t;
}

/* Bins shared by two sorted, disjoint range lists. */
static uint64_t branges_overlap(const struct cadet_brange *a, size_t na,
				const struct cadet_brange *b, size_t nb)
{
	uint64_t t = 0;
	size_t i = 0, j = 0;

	while (i < na && j < nb) {
		t += brange_overlap(a[i], b[j], NULL);
		if (a[i].hi < b[j].hi)
			i++;
		else
			j++;
	}
	return t;
}

void cadet_point_add(struct cadet_point_acc *acc,
		     const struct cadet_brange *real, size_t nr,
		     const struct cadet_brange *pred, size_t np)
{
	uint64_t tp = branges_overlap(real, nr, pred, np);

	acc->tp += tp;
	acc->fp += branges_total(pred, np) - tp;
	acc->fn += branges_total(real, nr) - tp;
}

/* Sum of the integers p..q (1-based positions), as a double. */
static double sum_range(double p, double q)
{
	if (p > q)
		return 0;
	return (p + q) * (q - p + 1) / 2;
}

/* Sum of delta(i, len) over positions p..q of a range of length len. */
static double delta_sum(enum cadet_range_bias bias, double len, double p,
			double q)
{
	double m;

	switch (bias) {
	case CADET_BIAS_FRONT: /* delta(i) = len - i + 1 */
		return sum_range(len - q + 1, len - p + 1);
	case CADET_BIAS_BACK: /* delta(i) = i */
		return sum_range(p, q);
	case CADET_BIAS_MIDDLE:
		/* delta(i) = i for i <= len/2, len - i + 1 after */
		m = floor(len / 2);
		return sum_range(p, q < m ? q : m) +
		       delta_sum(CADET_BIAS_FRONT, len, p > m + 1 ? p : m + 1,
				 q);
	case CADET_BIAS_FLAT:
	default:
		return p > q ? 0 : q - p + 1;
	}
}

/* omega(R, O, delta): positional weight of overlap @o inside range @r. */
static double omega(enum cadet_range_bias bias, struct cadet_brange r,
		    struct cadet_brange o)
{
	double len = (double)brange_len(r);
	double p = (double)(o.lo - r.lo) + 1, q = (double)(o.hi - r.lo) + 1;

	return delta_sum(bias, len, p, q) / delta_sum(bias, len, 1, len);
}

static double gamma_card(enum cadet_range_card c, size_t x)
{
	if (x <= 1 || c == CADET_CARD_ONE)
		return 1;
	return 1.0 / (double)x;
}

/*
 * Overlap reward of each range of @a against the list @b (both sorted,
 * disjoint): alpha * existence + (1 - alpha) * gamma(x) * sum over the x
 * overlapping b of omega(a, a & b), added to *sum per range of @a.
 */
static void overlap_rewards(const struct cadet_range_opts *o,
			    const struct cadet_brange *a, size_t na,
			    const struct cadet_brange *b, size_t nb,
			    double alpha, double *sum)
{
	size_t j0 = 0;

	for (size_t i = 0; i < na; i++) {
		double w = 0;
		size_t x = 0;

		while (j0 < nb && b[j0].hi < a[i].lo)
			j0++;
		for (size_t j = j0; j < nb && b[j].lo <= a[i].hi; j++) {
			struct cadet_brange ov;

			if (!brange_overlap(a[i], b[j], &ov))
				continue;
			w += omega(o->bias, a[i], ov);
			x++;
		}
		*sum += alpha * (x > 0) +
			(1 - alpha) * gamma_card(o->card, x) * w;
	}
}

void cadet_range_add(struct cadet_range_acc *acc,
		     const struct cadet_range_opts *o,
		     const struct cadet_brange *real, size_t nr,
		     const struct cadet_brange *pred, size_t np)
{
	overlap_rewards(o, real, nr, pred, np, o->alpha, &acc->recall_sum);
	/* precision has no existence reward (alpha = 0) */
	overlap_rewards(o, pred, np, real, nr, 0, &acc->precision_sum);
	acc->nreal += nr;
	acc->npred += np;
}

static const char *const bias_names[] = {
	[CADET_BIAS_FLAT] = "flat",
	[CADET_BIAS_FRONT] = "front",
	[CADET_BIAS_BACK] = "back",
	[CADET_BIAS_MIDDLE] = "middle",
};

static const char *const card_names[] = {
	[CADET_CARD_RECIPROCAL] = "reciprocal",
	[CADET_CARD_ONE] = "one",
};

const char *cadet_range_bias_name(enum cadet_range_bias b)
{
	return b <= CADET_BIAS_MIDDLE ? bias_names[b] : "?";
}

int cadet_range_bias_parse(const char *s, enum cadet_range_bias *b)
{
	for (size_t i = 0; i < sizeof(bias_names) / sizeof(bias_names[0]); i++)
		if (!strcmp(s, bias_names[i])) {
			*b = i;
			return 0;
		}
	return -EINVAL;
}

const char *cadet_range_card_name(enum cadet_range_card c)
{
	return c <= CADET_CARD_ONE ? card_names[c] : "?";
}

int cadet_range_card_parse(const char *s, enum cadet_range_card *c)
{
	for (size_t i = 0; i < sizeof(card_names) / sizeof(card_names[0]); i++)
		if (!strcmp(s, card_names[i])) {
			*c = i;
			return 0;
		}
	return -EINVAL;
}

void cadet_pa_init(struct cadet_pa_acc *acc, const unsigned int *k, size_t nk)
{
	memset(acc, 0, sizeof(*acc));
	if (nk > CADET_PA_MAX_K)
		nk = CADET_PA_MAX_K;
	acc->nk = nk;
	memcpy(acc->k, k, nk * sizeof(*k));
}

void cadet_pa_add(struct cadet_pa_acc *acc, const struct cadet_brange *real,
		  size_t nr, const struct cadet_brange *pred, size_t np)
{
	size_t j0 = 0;

	acc->fp +=
		branges_total(pred, np) - branges_overlap(real, nr, pred, np);
	for (size_t i = 0; i < nr; i++) {
		uint64_t len = brange_len(real[i]), d = 0;

		while (j0 < np && pred[j0].hi < real[i].lo)
			j0++;
		for (size_t j = j0; j < np && pred[j].lo <= real[i].hi; j++)
			d += brange_overlap(real[i], pred[j], NULL);
		for (size_t k = 0; k < acc->nk; k++) {
			/* adjust: detected share >= K %, and at least one */
			if (d > 0 && d * 100 >= (uint64_t)acc->k[k] * len) {
				acc->tp[k] += len;
			} else {
				acc->tp[k] += d;
				acc->fn[k] += len - d;
			}
		}
	}
}

double cadet_ratio(double num, double den)
{
	return den == 0 ? NAN : num / den;
}

double cadet_f1(double p, double r)
{
	/* a harmonic mean with a zero term is zero whatever the other is */
	if (p == 0 || r == 0)
		return 0;
	if (isnan(p) || isnan(r))
		return NAN;
	return 2 * p * r / (p + r);
}

static int scored_cmp_desc(const void *a, const void *b)
{
	const struct cadet_scored *x = a, *y = b;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	/* ties: order does not change the result; keep qsort deterministic */
	return (int)y->positive - (int)x->positive;
}

void cadet_auc(struct cadet_scored *s, size_t n, double *ap, double *roc)
{
	double npos = 0, nneg = 0, tp = 0, fp = 0, prev_tp = 0, prev_fp = 0;
	double sum_ap = 0, sum_roc = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i].positive)
			npos++;
		else
			nneg++;
	}
	*ap = NAN;
	*roc = NAN;
	if (!n)
		return;
	qsort(s, n, sizeof(*s), scored_cmp_desc);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		/* one threshold per distinct score: ties move together */
		for (; j < n && s[j].value == s[i].value; j++) {
			if (s[j].positive)
				tp++;
			else
				fp++;
		}
		if (npos)
			sum_ap += (tp - prev_tp) / npos * (tp / (tp + fp));
		if (npos && nneg)
			sum_roc += (fp - prev_fp) / nneg * (tp + prev_tp) /
				   (2 * npos);
		prev_tp = tp;
		prev_fp = fp;
		i = j;
	}
	if (npos)
		*ap = sum_ap;
	if (npos && nneg)
		*roc = sum_roc;
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double cadet_quantile(double *v, size_t n, double q)
{
	double h;
	size_t lo;

	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), double_cmp);
	h = (double)(n - 1) * q;
	lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

void cadet_lidds_add(struct cadet_lidds_acc *acc, const uint64_t *ts, size_t n,
		     uint64_t bin, bool exploit, uint64_t exploit_ts)
{
	bool in_run = false;
	uint64_t last = 0;

	if (exploit) {
		acc->exploit_recordings++;
		/* any alarm from the exploit's start to the recording's end */
		if (n && ts[n - 1] >= exploit_ts)
			acc->detected_recordings++;
	} else {
		acc->normal_recordings++;
	}
	/*
	 * False alerts: every alert of a normal recording, those before the
	 * exploit in an exploit recording. A run of them over adjacent bins
	 * is one consecutive false alarm; a bin without one ends it, as a
	 * sample below the threshold does in LID-DS, and so do the exploit's
	 * start and the recording's end.
	 */
	for (size_t i = 0; i < n; i++) {
		uint64_t b = ts[i] / bin;

		if (exploit && ts[i] >= exploit_ts)
			break;
		if (in_run && b <= last + 1) {
			last = b;
			continue;
		}
		acc->cfa++;
		in_run = true;
		last = b;
	}
}
