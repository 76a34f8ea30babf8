/* align.c -- alignment of blocks (gnu-mmalloc.md section 7, scenario 11).
   Usage: align file|anon|default
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   Every block of mmalloc, mcalloc and mrealloc is 16-aligned; a block
   of a power-of-two size up to a page is aligned to its size and a
   block larger than 16 KiB (a page run) to the page.  mmemalign works
   for alignments 8, 16, 48, 64, 256, 4096, 8192, 16384 and 1 MiB with
   small, middle and large sizes, for alignments above a page with huge
   sizes (17 and 40 MiB) and for alignments of 16 and 32 MiB (api-notes:
   any non-zero alignment works), and mvalloc is page-aligned.  The
   blocks are fully writable, and freeing them gives everything back:
   the used counters of mmstats return to the baseline and repeated
   aligned allocate/free cycles do not make the heap grow.  */

#include "config.h"

#include "alloc-common.h"

static void *md;

int
main (int argc, char **argv)
{
  struct mma_heap H;
  struct mstats base, s;
  size_t ps = (size_t) sysconf (_SC_PAGESIZE);
  unsigned int tag = 0;

  mma_open (&H, mma_backend_arg (argc, argv), "align");
  md = H.md;
  mmt_note ("backend %s, md %p", H.kind, md);
  {
    void *first = mmalloc (md, 8);	/* makes the default heap exist */
    mfree (md, first);
  }
  base = mmstats (md);

  /* Plain blocks: 16-aligned, whatever the size.  */
  {
    enum { N = 3000 };
    static void *v[N];
    static size_t sz[N];
    size_t i, mis16 = 0, mispow = 0, mispage = 0, bad = 0, npow = 0, nbig = 0;
    for (i = 0; i < N; i++)
      {
	int how = (int) (i % 3);
	sz[i] = i % 50 == 0 ? mma_range (16385, 300000)
	  : i % 7 == 0 ? (size_t) 1 << mma_range (0, 12)
	  : mma_range (1, 20000);
	v[i] = how == 0 ? mmalloc (md, sz[i])
	  : how == 1 ? mcalloc (md, 1, sz[i]) : mrealloc (md, NULL, sz[i]);
	if (v[i] == NULL)
	  mmt_fatal ("allocation of %zu bytes: %s", sz[i], strerror (errno));
	if ((uintptr_t) v[i] % 16 != 0)
	  mis16++;
	if ((sz[i] & (sz[i] - 1)) == 0 && sz[i] <= 4096 && sz[i] >= 16)
	  {
	    npow++;
	    if ((uintptr_t) v[i] % sz[i] != 0)
	      mispow++;
	  }
	if (sz[i] > 16384)
	  {
	    nbig++;
	    if ((uintptr_t) v[i] % 4096 != 0)
	      mispage++;
	  }
	mma_fill (v[i], sz[i], (unsigned int) i);
      }
    /* Every other one grows by mrealloc: still aligned.  */
    for (i = 0; i < N; i += 2)
      {
	size_t n = sz[i] + mma_range (1, 5000);
	void *q = mrealloc (md, v[i], n);
	if (q == NULL)
	  mmt_fatal ("mrealloc to %zu: %s", n, strerror (errno));
	if (!mma_verify (q, sz[i], (unsigned int) i))
	  bad++;
	if ((uintptr_t) q % 16 != 0)
	  mis16++;
	v[i] = q;
	sz[i] = n;
	mma_fill (q, n, (unsigned int) i);
      }
    for (i = 0; i < N; i++)
      if (!mma_verify (v[i], sz[i], (unsigned int) i))
	bad++;
    mma_why ("%zu of %d misaligned", mis16, N + N / 2);
    CHECKW (mis16 == 0, "every mmalloc/mcalloc/mrealloc block is 16-aligned");
    mma_why ("%zu of %zu misaligned", mispow, npow);
    CHECKW (npow > 0 && mispow == 0, "blocks of a power-of-two size from 16 "
	    "to 4096 are aligned to their size");
    mma_why ("%zu of %zu misaligned", mispage, nbig);
    CHECKW (nbig > 0 && mispage == 0, "blocks over 16 KiB are page-aligned");
    mma_why ("%zu damaged", bad);
    CHECKW (bad == 0, "the plain blocks keep their contents");
    for (i = 0; i < N; i++)
      mfree (md, v[i]);
  }
  s = mmstats (md);
  mma_why ("chunks %zu -> %zu, bytes %zu -> %zu", base.chunks_used,
	   s.chunks_used, base.bytes_used, s.bytes_used);
  CHECKW (s.chunks_used == base.chunks_used && s.bytes_used == base.bytes_used,
	  "mmstats used counters back to the baseline after the plain blocks");

  /* mmemalign.  */
  {
    static const size_t aligns[] = { 8, 16, 48, 64, 256, 4096, 8192, 16384,
      (size_t) 1 << 20 };
    static const size_t sizes[] = { 1, 8, 100, 1000, 5000, 16384, 20000,
      100000, (size_t) 1 << 20 };
    enum { NA = sizeof aligns / sizeof aligns[0],
      NS = sizeof sizes / sizeof sizes[0], REP = 3 };
    static void *v[NA][NS][REP];
    size_t a, k, r, bad, mis, shortb;

    for (a = 0; a < NA; a++)
      {
	bad = mis = shortb = 0;
	for (r = 0; r < REP; r++)
	  for (k = 0; k < NS; k++)
	    {
	      void *p = mmemalign (md, aligns[a], sizes[k]);
	      if (p == NULL)
		mmt_fatal ("mmemalign (%zu, %zu): %s", aligns[a], sizes[k],
			   strerror (errno));
	      if ((uintptr_t) p % aligns[a] != 0)
		mis++;
	      if (mmalloc_usable_size (md, p) < sizes[k])
		shortb++;
	      mma_fill (p, sizes[k], tag + (unsigned int) (k * REP + r));
	      v[a][k][r] = p;
	    }
	for (r = 0; r < REP; r++)
	  for (k = 0; k < NS; k++)
	    if (!mma_verify (v[a][k][r], sizes[k],
			     tag + (unsigned int) (k * REP + r)))
	      bad++;
	tag += NS * REP;
	mma_why ("%zu misaligned", mis);
	CHECKW (mis == 0, "mmemalign (%zu, n) is aligned for n from 1 to 1 MiB",
		aligns[a]);
	mma_why ("%zu short", shortb);
	CHECKW (shortb == 0, "mmemalign (%zu, n) blocks hold n bytes",
		aligns[a]);
	mma_why ("%zu damaged", bad);
	CHECKW (bad == 0, "mmemalign (%zu, n) blocks keep their contents",
		aligns[a]);
      }
    mma_check_heap (md, "with all the mmemalign blocks live");
    s = mmstats (md);
    mma_why ("chunks_used %zu, expected %zu", s.chunks_used,
	     base.chunks_used + NA * NS * REP);
    CHECKW (s.chunks_used == base.chunks_used + NA * NS * REP,
	    "mmstats counts every mmemalign block");
    /* Free in an order that is neither the allocation order nor its
       reverse.  */
    for (r = 0; r < REP; r++)
      for (a = r % 2; a < NA; a += 2)
	for (k = 0; k < NS; k++)
	  mfree (md, v[a][k][r]);
    for (r = 0; r < REP; r++)
      for (a = 1 - r % 2; a < NA; a += 2)
	for (k = 0; k < NS; k++)
	  mfree (md, v[a][k][r]);
    s = mmstats (md);
    mma_why ("chunks %zu -> %zu, bytes %zu -> %zu", base.chunks_used,
	     s.chunks_used, base.bytes_used, s.bytes_used);
    CHECKW (s.chunks_used == base.chunks_used
	    && s.bytes_used == base.bytes_used,
	    "freeing the mmemalign blocks returns mmstats to the baseline");
    mma_check_heap (md, "after freeing the mmemalign blocks");
  }

  /* Alignments above a page for huge blocks (over one 16 MiB segment),
     and alignments of a segment or more for any size.  api-notes: any
     non-zero alignment works.  */
  {
    static const size_t aligns[] = { 8192, 65536, (size_t) 1 << 20,
      (size_t) 16 << 20, (size_t) 32 << 20 };
    static const size_t sizes[] = { 100, 100000, (size_t) 17 << 20,
      (size_t) 40 << 20 };
    size_t a, k;
    for (a = 0; a < sizeof aligns / sizeof aligns[0]; a++)
      for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
	{
	  size_t al = aligns[a], n = sizes[k];
	  char *p;
	  if (al <= ((size_t) 1 << 20) && n <= 100000)
	    continue;		/* done above */
	  errno = 0;
	  p = mmemalign (md, al, n);
	  mma_why ("got %p, errno %s", (void *) p, strerror (errno));
	  if (!CHECKW (p != NULL && (uintptr_t) p % al == 0,
		       "mmemalign (%zu, %zu) returns an aligned block", al, n))
	    continue;
	  p[0] = 1;
	  p[n / 2] = 2;
	  p[n - 1] = 3;
	  CHECK (p[0] == 1 && p[n / 2] == 2 && p[n - 1] == 3
		 && mmalloc_usable_size (md, p) >= n,
		 "mmemalign (%zu, %zu) block is usable to its last byte", al, n);
	  mfree (md, p);
	}
    s = mmstats (md);
    CHECK (s.chunks_used == base.chunks_used && s.bytes_used == base.bytes_used,
	   "mmstats back to the baseline after the big alignments");
    mma_check_heap (md, "after the big alignments");
  }

  /* mvalloc.  */
  {
    static const size_t sizes[] = { 1, 100, 4096, 4097, 5000, 16385, 100000,
      (size_t) 2 << 20 };
    enum { NS = sizeof sizes / sizeof sizes[0] };
    void *v[NS];
    size_t k, mis = 0, bad = 0;
    for (k = 0; k < NS; k++)
      {
	v[k] = mvalloc (md, sizes[k]);
	if (v[k] == NULL)
	  mmt_fatal ("mvalloc (%zu): %s", sizes[k], strerror (errno));
	if ((uintptr_t) v[k] % ps != 0)
	  mis++;
	mma_fill (v[k], sizes[k], (unsigned int) k + 77);
      }
    for (k = 0; k < NS; k++)
      if (!mma_verify (v[k], sizes[k], (unsigned int) k + 77)
	  || mmalloc_usable_size (md, v[k]) < sizes[k])
	bad++;
    mma_why ("%zu misaligned (page size %zu)", mis, ps);
    CHECKW (mis == 0, "mvalloc blocks are page-aligned");
    mma_why ("%zu bad", bad);
    CHECKW (bad == 0, "mvalloc blocks are whole and keep their contents");
    for (k = 0; k < NS; k++)
      mfree (md, v[k]);
    s = mmstats (md);
    CHECK (s.chunks_used == base.chunks_used && s.bytes_used == base.bytes_used,
	   "freeing the mvalloc blocks returns mmstats to the baseline");
  }

  /* Aligned allocate/free cycles reuse what they freed.  */
  {
    static const size_t aligns[] = { 48, 8192, 16384, (size_t) 1 << 20, 4096,
      100 };
    static const size_t sizes[] = { 8192, 100, 16384, 300000, 5000, 40000 };
    size_t total0 = 0, maxtotal = 0, i, k, mis = 0;
    void *live = mmalloc (md, 50);	/* something in front */
    for (i = 0; i < 2000; i++)
      {
	void *p[6];
	for (k = 0; k < 6; k++)
	  {
	    p[k] = mmemalign (md, aligns[k], sizes[k]);
	    if (p[k] == NULL)
	      mmt_fatal ("mmemalign (%zu, %zu) in cycle %zu: %s", aligns[k],
			 sizes[k], i, strerror (errno));
	    if ((uintptr_t) p[k] % aligns[k] != 0)
	      mis++;
	    *(volatile char *) p[k] = 1;
	    ((volatile char *) p[k])[sizes[k] - 1] = 2;
	  }
	for (k = 0; k < 6; k++)
	  mfree (md, p[(k * 5 + i) % 6]);
	s = mmstats (md);
	if (i == 9)
	  total0 = s.bytes_total;
	if (i >= 9 && s.bytes_total > maxtotal)
	  maxtotal = s.bytes_total;
      }
    mfree (md, live);
    mma_why ("%zu misaligned", mis);
    CHECKW (mis == 0, "2000 cycles of mmemalign all aligned");
    mma_why ("bytes_total %zu after 10 cycles, up to %zu later", total0,
	     maxtotal);
    CHECKW (maxtotal <= total0 + ((size_t) 2 << 20),
	    "2000 mmemalign/mfree cycles do not make the heap grow");
    s = mmstats (md);
    CHECK (s.chunks_used == base.chunks_used && s.bytes_used == base.bytes_used,
	   "mmstats back to the baseline after the cycles");
  }
  mma_check_heap (md, "at the end");
  mma_close (&H);
  mmt_exit ();
}
