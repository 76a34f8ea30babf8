/* basic.c -- edge cases of the allocation calls (gnu-mmalloc.md section 7,
   scenarios 10 and 17) and mmalloc_usable_size.
   Usage: basic file|anon|default
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   Scenario 10: mmalloc (md, 0) is NULL with errno untouched; mfree (md,
   NULL) changes nothing; mrealloc (md, NULL, n) allocates like mmalloc;
   mrealloc (md, p, 0) frees and returns NULL; mcalloc returns zeroed
   memory, fresh or reused after the memory was dirtied (small blocks,
   large blocks reused from free runs, from the lowered top, from
   released runs and from runs merged out of released and dirty parts).
   Scenario 17: mcalloc overflow is NULL/ENOMEM; so are impossible
   sizes of mmalloc, mrealloc (block intact) and mmemalign.
   mmalloc_usable_size: >= the request, 0 for NULL, every usable byte
   writable without damage to neighbours or the heap.  */

#include "config.h"

#include <limits.h>

#include "alloc-common.h"

#define KiB ((size_t) 1024)

static void *md;

static int
stats_equal (struct mstats a, struct mstats b)
{
  return a.bytes_total == b.bytes_total && a.chunks_used == b.chunks_used
    && a.bytes_used == b.bytes_used && a.chunks_free == b.chunks_free
    && a.bytes_free == b.bytes_free;
}

/* Scenario 10: mcalloc on memory that was dirty before.  */
static void
calloc_reuse (void)
{
  enum { NSMALL = 2000 };
  static void *v[NSMALL];
  size_t sizes[] = { 8, 48, 100, 1000, 5000, 16384 };
  size_t i, k;

  /* Small blocks: dirty a whole class, free it, mcalloc it again.  */
  for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
    {
      size_t sz = sizes[k], bad = 0;
      size_t n = sz > 4096 ? 200 : NSMALL;
      for (i = 0; i < n; i++)
	{
	  v[i] = mmalloc (md, sz);
	  if (v[i] == NULL)
	    mmt_fatal ("mmalloc (%zu) #%zu: %s", sz, i, strerror (errno));
	  memset (v[i], 0xa5, sz);
	}
      /* Free every other one first, so the class's runs stay alive
	 and the freed slots are reused for sure.  */
      for (i = 0; i < n; i += 2)
	mfree (md, v[i]);
      for (i = 0; i < n; i += 2)
	{
	  void *q = mcalloc (md, 1, sz);
	  if (q == NULL)
	    mmt_fatal ("mcalloc (1, %zu): %s", sz, strerror (errno));
	  if (!mma_is_zero (q, sz))
	    bad++;
	  memset (q, 0x5a, sz);
	  v[i] = q;
	}
      for (i = 0; i < n; i++)
	mfree (md, v[i]);
      /* And once more with everything freed (the class's runs go back
	 to the page layer and are carved again).  */
      for (i = 0; i < n; i++)
	{
	  void *q = mcalloc (md, sz, 1);
	  if (q == NULL)
	    mmt_fatal ("mcalloc (%zu, 1): %s", sz, strerror (errno));
	  if (!mma_is_zero (q, sz))
	    bad++;
	  memset (q, 0xc3, sz);
	  v[i] = q;
	}
      for (i = 0; i < n; i++)
	mfree (md, v[i]);
      mma_why ("%zu non-zero blocks", bad);
      CHECKW (bad == 0, "mcalloc of %zu bytes on dirtied memory is zeroed",
	      sz);
    }

  /* Large blocks, each freed between two live guards so that the run
     stays in the free bins (not at the top): 40 pages (kept as is) and
     300 pages (given back to the system).  */
  {
    size_t lsz[] = { 40 * 4096, 300 * 4096, 20 * KiB };
    for (k = 0; k < sizeof lsz / sizeof lsz[0]; k++)
      {
	size_t sz = lsz[k];
	void *g1 = mmalloc (md, 100 * KiB);
	void *a = mmalloc (md, sz);
	void *g2 = mmalloc (md, 100 * KiB);
	void *b;
	if (g1 == NULL || a == NULL || g2 == NULL)
	  mmt_fatal ("large allocations: %s", strerror (errno));
	memset (a, 0xa5, sz);
	mfree (md, a);
	b = mcalloc (md, 1, sz);
	if (b == NULL)
	  mmt_fatal ("mcalloc (1, %zu): %s", sz, strerror (errno));
	if (b != a)
	  mmt_note ("mcalloc of %zu bytes did not reuse the freed block", sz);
	CHECK (mma_is_zero (b, sz), "mcalloc of %zu bytes reusing a dirtied "
	       "large block is zeroed", sz);
	mfree (md, b);
	mfree (md, g1);
	mfree (md, g2);
      }
  }

  /* Two dirty neighbours, one big enough to be given back to the
     system when freed and one too small; the merged free run must not
     be taken for zero.  Both orders of freeing.  */
  {
    int order;
    for (order = 0; order < 2; order++)
      {
	void *g1 = mmalloc (md, 64 * KiB);
	void *a = mmalloc (md, 100 * 4096);	/* released when freed */
	void *b = mmalloc (md, 10 * 4096);	/* too small to release */
	void *g2 = mmalloc (md, 64 * KiB);
	void *c;
	size_t sz = 110 * 4096;
	if (g1 == NULL || a == NULL || b == NULL || g2 == NULL)
	  mmt_fatal ("large allocations: %s", strerror (errno));
	memset (a, 0xa5, 100 * 4096);
	memset (b, 0xa5, 10 * 4096);
	if (order == 0)
	  {
	    mfree (md, a);
	    mfree (md, b);
	  }
	else
	  {
	    mfree (md, b);
	    mfree (md, a);
	  }
	c = mcalloc (md, sz / 4096, 4096);
	if (c == NULL)
	  mmt_fatal ("mcalloc (%zu): %s", sz, strerror (errno));
	if (c != a)
	  mmt_note ("mcalloc did not reuse the merged run (order %d)", order);
	CHECK (mma_is_zero (c, sz), "mcalloc over a merged run of a released "
	       "and a dirty block (%s freed first) is zeroed",
	       order == 0 ? "released" : "dirty");
	/* Dirty part of it, free, take a piece from the middle.  */
	memset (c, 0x77, sz);
	mfree (md, c);
	c = mcalloc (md, 1, 50 * 4096);
	if (c == NULL)
	  mmt_fatal ("mcalloc (50 pages): %s", strerror (errno));
	CHECK (mma_is_zero (c, 50 * 4096), "mcalloc of part of a dirtied "
	       "free run is zeroed (order %d)", order);
	mfree (md, c);
	mfree (md, g1);
	mfree (md, g2);
      }
  }

  /* A block at the top, dirtied and freed (the top comes down), then
     carved again.  */
  {
    size_t sz = 30 * 4096;
    void *a = mmalloc (md, sz), *b;
    if (a == NULL)
      mmt_fatal ("mmalloc (%zu): %s", sz, strerror (errno));
    memset (a, 0xa5, sz);
    mfree (md, a);
    b = mcalloc (md, 1, sz);
    CHECK (b != NULL && mma_is_zero (b, sz), "mcalloc after a dirty block at "
	   "the top was freed is zeroed");
    mfree (md, b);
    /* The same with a block of more than 64 pages (given back).  */
    sz = 200 * 4096;
    a = mmalloc (md, sz);
    if (a == NULL)
      mmt_fatal ("mmalloc (%zu): %s", sz, strerror (errno));
    memset (a, 0xa5, sz);
    mfree (md, a);
    b = mcalloc (md, 1, sz);
    CHECK (b != NULL && mma_is_zero (b, sz), "mcalloc after a dirty block of "
	   "200 pages at the top was freed is zeroed");
    mfree (md, b);
  }

  /* A huge block (over a segment), dirtied at both ends, freed, and a
     zeroed huge block over the same place.  */
  {
    size_t sz = (size_t) 20 << 20;
    char *a = mmalloc (md, sz), *b;
    void *guard = mmalloc (md, 100);
    if (a == NULL || guard == NULL)
      mmt_fatal ("mmalloc (20 MiB): %s", strerror (errno));
    memset (a, 0xa5, 1 << 20);
    memset (a + sz - (1 << 20), 0xa5, 1 << 20);
    mfree (md, a);
    b = mcalloc (md, sz, 1);
    CHECK (b != NULL && mma_is_zero (b, sz), "mcalloc of 20 MiB after a "
	   "dirtied 20 MiB block was freed is zeroed");
    mfree (md, b);
    mfree (md, guard);
  }
}

/* mmalloc_usable_size, and that every usable byte can be written.  */
static void
usable (void)
{
  size_t sizes[] = { 1, 7, 15, 16, 17, 31, 100, 129, 1000, 4095, 4096, 4097,
    10000, 16383, 16384, 16385, 20000, 65536, 100000, 1 << 20, (3 << 20) + 1 };
  enum { N = sizeof sizes / sizeof sizes[0], REP = 3 };
  void *p[N][REP];
  size_t us[N][REP];
  size_t i, r, short_ones = 0, bad = 0;

  CHECK (mmalloc_usable_size (md, NULL) == 0,
	 "mmalloc_usable_size (md, NULL) is 0");
  for (r = 0; r < REP; r++)
    for (i = 0; i < N; i++)
      {
	p[i][r] = mmalloc (md, sizes[i]);
	if (p[i][r] == NULL)
	  mmt_fatal ("mmalloc (%zu): %s", sizes[i], strerror (errno));
	us[i][r] = mmalloc_usable_size (md, p[i][r]);
	if (us[i][r] < sizes[i])
	  {
	    short_ones++;
	    mmt_note ("usable size of a %zu-byte block is %zu", sizes[i],
		      us[i][r]);
	  }
	/* Write every usable byte.  */
	mma_fill (p[i][r], us[i][r], (unsigned int) (i * REP + r));
      }
  CHECK (short_ones == 0, "mmalloc_usable_size >= the size asked for, for "
	 "%d sizes from 1 to 3 MiB", (int) N);
  for (r = 0; r < REP; r++)
    for (i = 0; i < N; i++)
      if (!mma_verify (p[i][r], us[i][r], (unsigned int) (i * REP + r)))
	bad++;
  mma_why ("%zu damaged", bad);
  CHECKW (bad == 0, "writing all usable bytes of every block damages no "
	  "other block");
  mma_check_heap (md, "after writing every usable byte");
  /* Blocks from mcalloc, mrealloc and mmemalign too.  */
  {
    void *q = mcalloc (md, 3, 33);
    void *s = mrealloc (md, NULL, 5000);
    void *t = mmemalign (md, 256, 300);
    size_t uq = q ? mmalloc_usable_size (md, q) : 0;
    size_t us2 = s ? mmalloc_usable_size (md, s) : 0;
    size_t ut = t ? mmalloc_usable_size (md, t) : 0;
    mma_why ("%zu, %zu, %zu", uq, us2, ut);
    CHECKW (q && s && t && uq >= 99 && us2 >= 5000 && ut >= 300,
	    "usable sizes of mcalloc/mrealloc/mmemalign blocks are enough");
    if (q && s && t)
      {
	memset (q, 1, uq);
	memset (s, 2, us2);
	memset (t, 3, ut);
	s = mrealloc (md, s, 30000);
	us2 = s ? mmalloc_usable_size (md, s) : 0;
	mma_why ("usable size %zu", us2);
	CHECKW (s != NULL && us2 >= 30000, "usable size after mrealloc to "
		"30000 is enough");
	if (s)
	  memset (s, 4, us2);
	mma_check_heap (md, "after filling mcalloc/mrealloc/mmemalign blocks");
      }
    mfree (md, q);
    mfree (md, s);
    mfree (md, t);
  }
  for (r = 0; r < REP; r++)
    for (i = 0; i < N; i++)
      mfree (md, p[i][r]);
}

/* P, just returned by a call that must fail, is NULL with errno ERR.
   The result's text is FMT with its arguments.  */
static MMT_PRINTF (3, 4) void
expect_null (void *p, int err, const char *fmt, ...)
{
  int e = errno;
  char text[200];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (text, sizeof text, fmt, ap);
  va_end (ap);
  mma_why ("got %p, errno %s", p, strerror (e));
  CHECKW (p == NULL && e == err, "%s", text);
}

/* Scenario 17 and other sizes that cannot be served.  */
static void
impossible (void)
{
  volatile size_t big = SIZE_MAX, half = SIZE_MAX / 2 + 2, two = 2;
  /* Powers of two relative to the width W of size_t (64 or 32 bits),
     so that the products mean the same on both: G4 is 2^(W/2), and
     G4 * G4 is one past SIZE_MAX (the smallest overflow), G33 * G4
     overflows by more, and G4 * (G4 / 2) is 2^(W-1), which does not
     overflow but is more than any object may be (PTRDIFF_MAX).  On a
     64-bit host these are scenario 17's 2^32 and 2^33+1.  */
  const int w = (int) (sizeof (size_t) * CHAR_BIT), hw = w / 2;
  volatile size_t g4 = (size_t) 1 << hw, g33 = ((size_t) 1 << (hw + 1)) + 1;
  void *p, *q;
  struct mstats before = mmstats (md), after;

  errno = 0;
  expect_null (mma_mcalloc (md, half, two), ENOMEM,
	       "mcalloc (SIZE_MAX/2+2, 2) overflows: NULL, ENOMEM");
  errno = 0;
  expect_null (mma_mcalloc (md, big, big), ENOMEM,
	       "mcalloc (SIZE_MAX, SIZE_MAX) overflows: NULL, ENOMEM");
  errno = 0;
  expect_null (mma_mcalloc (md, g4, g4), ENOMEM,
	       "mcalloc (2^%d, 2^%d) overflows: NULL, ENOMEM", hw, hw);
  errno = 0;
  expect_null (mma_mcalloc (md, g33, g4), ENOMEM,
	       "mcalloc (2^%d+1, 2^%d) overflows: NULL, ENOMEM", hw + 1, hw);
  errno = 0;
  expect_null (mma_mcalloc (md, two, half), ENOMEM,
	       "mcalloc (2, SIZE_MAX/2+2) overflows: NULL, ENOMEM");
  errno = 0;
  expect_null (mma_mcalloc (md, g4, g4 / 2), ENOMEM,
	       "mcalloc (2^%d, 2^%d) (2^%d, no overflow, too big): NULL, ENOMEM",
	       hw, hw - 1, w - 1);
  errno = 0;
  expect_null (mma_mmalloc (md, big), ENOMEM,
	       "mmalloc (SIZE_MAX): NULL, ENOMEM");
  errno = 0;
  expect_null (mma_mmalloc (md, big - 4096 * 2), ENOMEM,
	       "mmalloc (SIZE_MAX - 8192): NULL, ENOMEM");
  errno = 0;
  expect_null (mma_mmalloc (md, half), ENOMEM,
	       "mmalloc (SIZE_MAX/2+2): NULL, ENOMEM");
  errno = 0;
  expect_null (mma_mmemalign (md, 64, big), ENOMEM,
	       "mmemalign (64, SIZE_MAX): NULL, ENOMEM");
  errno = 0;
  expect_null (mma_mmemalign (md, 48, big - 16), ENOMEM,
	       "mmemalign (48, SIZE_MAX - 16): NULL, ENOMEM");
  errno = 0;
  expect_null (mma_mmemalign (md, half, 100), ENOMEM,
	       "mmemalign (SIZE_MAX/2+2, 100): NULL, ENOMEM");
  errno = 0;
  expect_null (mma_mmemalign (md, 0, 100), EINVAL,
	       "mmemalign (0, 100): NULL, EINVAL");

  /* mrealloc failure leaves the block as it was.  */
  p = mmalloc (md, 1000);
  q = mmalloc (md, 100000);
  if (p == NULL || q == NULL)
    mmt_fatal ("mmalloc: %s", strerror (errno));
  mma_fill (p, 1000, 11);
  mma_fill (q, 100000, 12);
  errno = 0;
  expect_null (mma_mrealloc (md, p, big), ENOMEM,
	       "mrealloc (small block, SIZE_MAX): NULL, ENOMEM");
  CHECK (mma_verify (p, 1000, 11), "the small block is intact after the "
	 "failed mrealloc");
  errno = 0;
  expect_null (mma_mrealloc (md, q, half), ENOMEM,
	       "mrealloc (large block, SIZE_MAX/2+2): NULL, ENOMEM");
  errno = 0;
  expect_null (mma_mrealloc (md, q, big - 4096), ENOMEM,
	       "mrealloc (large block, SIZE_MAX - 4096): NULL, ENOMEM");
  CHECK (mma_verify (q, 100000, 12), "the large block is intact after the "
	 "failed mreallocs");
  mfree (md, p);
  mfree (md, q);
  after = mmstats (md);
  mma_why ("chunks %zu -> %zu, bytes %zu -> %zu", before.chunks_used,
	   after.chunks_used, before.bytes_used, after.bytes_used);
  CHECKW (after.chunks_used == before.chunks_used
	  && after.bytes_used == before.bytes_used,
	  "failed allocations leave no block behind");
  mma_check_heap (md, "after the failed allocations");
}

int
main (int argc, char **argv)
{
  struct mma_heap H;
  struct mstats s0, s1, s2;
  void *p, *q, *first;
  int e;

  mma_open (&H, mma_backend_arg (argc, argv), "basic");
  md = H.md;
  mmt_note ("backend %s, md %p", H.kind, md);

  /* One allocation first, so that the default heap exists and every
     heap has served a block.  */
  first = mmalloc (md, 24);
  if (first == NULL)
    mmt_fatal ("mmalloc (24): %s", strerror (errno));
  s0 = mmstats (md);

  /* mmalloc (md, 0).  */
  errno = EDOM;
  p = mma_mmalloc (md, 0);
  e = errno;
  CHECK (p == NULL, "mmalloc (md, 0) returns NULL");
  mma_why ("errno %s", strerror (e));
  CHECKW (e == EDOM, "mmalloc (md, 0) leaves errno alone");
  errno = EDOM;
  p = mma_mcalloc (md, 0, 10);
  CHECK (p == NULL || mmalloc_usable_size (md, p) > 0,
	 "mcalloc (md, 0, 10) returns NULL or a block");
  mfree (md, p);
  errno = EDOM;
  p = mma_mrealloc (md, NULL, 0);
  CHECK (p == NULL, "mrealloc (md, NULL, 0) returns NULL like mmalloc (md, 0)");
  s1 = mmstats (md);
  CHECK (s1.chunks_used == s0.chunks_used, "size-0 calls allocate nothing");

  /* mfree (md, NULL).  */
  errno = EDOM;
  mfree (md, NULL);
  e = errno;
  s1 = mmstats (md);
  CHECK (stats_equal (s0, s1), "mfree (md, NULL) changes no statistic");
  mma_why ("errno %s", strerror (e));
  CHECKW (e == EDOM, "mfree (md, NULL) leaves errno alone");
  mma_check_heap (md, "after mfree (md, NULL)");

  /* mrealloc (md, NULL, n) allocates.  */
  {
    size_t sizes[] = { 1, 100, 5000, 16384, 16385, 300000, (size_t) 17 << 20 };
    size_t i;
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
      {
	size_t n = sizes[i];
	s1 = mmstats (md);
	p = mrealloc (md, NULL, n);
	s2 = mmstats (md);
	CHECK (p != NULL && s2.chunks_used == s1.chunks_used + 1
	       && mmalloc_usable_size (md, p) >= n
	       && (uintptr_t) p % 16 == 0,
	       "mrealloc (md, NULL, %zu) allocates a block like mmalloc", n);
	if (p == NULL)
	  continue;
	mma_fill (p, n, (unsigned int) i);
	CHECK (mma_verify (p, n, (unsigned int) i),
	       "the block of mrealloc (md, NULL, %zu) holds what was written",
	       n);
	/* mrealloc (md, p, 0) frees it.  */
	errno = EDOM;
	q = mrealloc (md, p, 0);
	s2 = mmstats (md);
	CHECK (q == NULL, "mrealloc (md, p, 0) returns NULL (%zu bytes)", n);
	mma_why ("chunks_used %zu, expected %zu", s2.chunks_used,
		 s1.chunks_used);
	CHECKW (s2.chunks_used == s1.chunks_used
		&& s2.bytes_used == s1.bytes_used,
		"mrealloc (md, p, 0) frees the %zu-byte block", n);
      }
  }
  mma_check_heap (md, "after mrealloc (md, NULL, n) and mrealloc (md, p, 0)");

  /* mcalloc on fresh memory.  */
  {
    size_t shapes[][2] = { {1, 1}, {10, 10}, {3, 5461}, {1000, 1000},
      {4096, 1024}, {1, 16385} };
    size_t i;
    for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
      {
	size_t n = shapes[i][0] * shapes[i][1];
	p = mcalloc (md, shapes[i][0], shapes[i][1]);
	CHECK (p != NULL && mma_is_zero (p, n)
	       && mmalloc_usable_size (md, p) >= n,
	       "mcalloc (%zu, %zu) returns %zu zeroed bytes", shapes[i][0],
	       shapes[i][1], n);
	if (p)
	  memset (p, 0xee, n);
	mfree (md, p);
      }
  }
  calloc_reuse ();
  mma_check_heap (md, "after the mcalloc tests");

  usable ();
  impossible ();

  mfree (md, first);
  s1 = mmstats (md);
  mma_why ("chunks_used %zu, expected %zu", s1.chunks_used,
	   s0.chunks_used - 1);
  CHECKW (s1.chunks_used + 1 == s0.chunks_used, "every block freed at the end");
  mma_check_heap (md, "at the end");
  mma_close (&H);
  mmt_exit ();
}
