/* realloc.c -- mrealloc keeps contents (gnu-mmalloc.md section 7,
   scenario 12).
   Usage: realloc file|anon|default
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   The minimum of the old and new size is kept on every path: small to
   small (same class: same pointer; other class), small to large, large
   to small, large shrink (same pointer, pages given back), large grow at
   the end of the heap (same pointer), large grow into a free neighbour
   (same pointer), large grow that must move, huge blocks, and blocks of
   mmemalign with an offset inside their page.  A failing mrealloc
   leaves the block alone.  */

#include "config.h"

#include "alloc-common.h"

#define KiB ((size_t) 1024)

static void *md;
static unsigned int tag = 1;

/* Reallocate P (SIZE bytes of TAG) to NEWSIZE and check the kept
   prefix; fill the rest.  Returns the new block.  SAME: 1 the pointer
   must stay, -1 it must change, 0 either.  */
static void *
resize (void *p, size_t size, size_t newsize, int same, const char *what)
{
  size_t keep = size < newsize ? size : newsize;
  void *q;
  struct mstats before = mmstats (md), after;

  errno = 0;
  q = mrealloc (md, p, newsize);
  if (q == NULL)
    {
      mma_why ("errno %s", strerror (errno));
      CHECKW (0, "%s: mrealloc %zu -> %zu succeeds", what, size, newsize);
      return NULL;
    }
  after = mmstats (md);
  CHECK (mma_verify (q, keep, tag), "%s: mrealloc %zu -> %zu keeps the "
	 "first %zu bytes", what, size, newsize, keep);
  CHECK (mmalloc_usable_size (md, q) >= newsize && (uintptr_t) q % 16 == 0,
	 "%s: the new block holds %zu bytes and is aligned", what, newsize);
  mma_why ("chunks_used %zu -> %zu", before.chunks_used, after.chunks_used);
  CHECKW (after.chunks_used == before.chunks_used,
	  "%s: mrealloc leaves the block count alone", what);
  if (same > 0)
    {
      mma_why ("%p -> %p", p, q);
      CHECKW (q == p, "%s: the block stays in place", what);
    }
  else if (same < 0)
    {
      mma_why ("%p -> %p", p, q);
      CHECKW (q != p, "%s: the block moves", what);
    }
  mma_fill_range (q, keep, newsize, tag);
  return q;
}

/* A new block of SIZE bytes with the current tag.  */
static void *
block (size_t size)
{
  void *p = mmalloc (md, size);

  if (p == NULL)
    mmt_fatal ("mmalloc (%zu): %s", size, strerror (errno));
  mma_fill (p, size, tag);
  return p;
}

int
main (int argc, char **argv)
{
  struct mma_heap H;
  struct mstats base, s1, s2;
  void *p, *q, *r, *guard;

  mma_open (&H, mma_backend_arg (argc, argv), "realloc");
  md = H.md;
  mmt_note ("backend %s, md %p", H.kind, md);

  /* Large grow at the end of the heap: first, in a heap with no free
     runs, so that the block ends at the top.  */
  {
    p = mmalloc (md, 200 * KiB);
    q = mmalloc (md, 200 * KiB);
    if (p == NULL || q == NULL)
      mmt_fatal ("mmalloc: %s", strerror (errno));
    mfree (md, p);
    /* Q is the last block; the free run before it does not matter.  */
    mma_fill (q, 200 * KiB, tag);
    s1 = mmstats (md);
    q = resize (q, 200 * KiB, 600 * KiB, 1, "large grow at the top");
    s2 = mmstats (md);
    mma_why ("bytes_total %zu -> %zu", s1.bytes_total, s2.bytes_total);
    CHECKW (s2.bytes_total >= s1.bytes_total + 400 * KiB,
	    "large grow at the top raises the top");
    q = resize (q, 600 * KiB, 2000 * KiB, 1, "large grow at the top again");
    mfree (md, q);
    tag++;
  }
  base = mmstats (md);

  /* Small to small.  */
  p = block (100);
  p = resize (p, 100, 110, 1, "small, same class");
  p = resize (p, 110, 300, 0, "small to bigger small");
  p = resize (p, 300, 40, 0, "small to smaller small");
  p = resize (p, 40, 16384, 0, "small to the largest small");

  /* Small to large and back.  */
  p = resize (p, 16384, 100 * KiB, 0, "small to large");
  p = resize (p, 100 * KiB, 1000, 0, "large to small");
  p = resize (p, 1000, 16385, 0, "small to just large");
  p = resize (p, 16385, 16384, 0, "just large to the largest small");
  mfree (md, p);
  tag++;

  /* Large shrink: same pointer, pages given back.  */
  guard = block (64);
  p = block (400 * KiB);
  r = block (100 * KiB);	/* behind P, so that the shrink is not at the top */
  s1 = mmstats (md);
  p = resize (p, 400 * KiB, 100 * KiB, 1, "large shrink");
  s2 = mmstats (md);
  mma_why ("bytes_used %zu -> %zu", s1.bytes_used, s2.bytes_used);
  CHECKW (s2.bytes_used + 300 * KiB == s1.bytes_used,
	  "large shrink gives the pages back (bytes_used down by 300 KiB)");
  p = resize (p, 100 * KiB, 100 * KiB - 1000, 1, "large shrink within a page");
  tag++;

  /* Large grow into the free neighbour left by the shrink.  */
  mma_fill (p, 100 * KiB - 1000, tag);
  p = resize (p, 100 * KiB - 1000, 250 * KiB, 1, "large grow into the free "
	      "space it left");
  mfree (md, p);
  tag++;

  /* Large grow into a free neighbour block.  Blocks of 104 KiB are
     taken until two come out adjacent (free runs left by the steps
     above are used up first).  */
  {
    enum { MAXTRY = 64 };
    void *extra[MAXTRY];
    size_t nextra = 0, i;
    const size_t sz = 104 * KiB;
    void *a = block (sz), *b = NULL, *c;
    while (nextra < MAXTRY)
      {
	b = mmalloc (md, sz);
	if (b == NULL)
	  mmt_fatal ("mmalloc: %s", strerror (errno));
	if ((char *) b == (char *) a + sz)
	  break;
	extra[nextra++] = a;
	a = b;
	mma_fill (a, sz, tag);
	b = NULL;
      }
    c = mmalloc (md, sz);
    if (b == NULL || c == NULL)
      mmt_fatal ("no two adjacent 104 KiB blocks in %d tries", MAXTRY);
    mma_fill (c, sz, 3000);
    mfree (md, b);
    a = resize (a, sz, 180 * KiB, 1, "large grow into a free neighbour");
    /* What is left of B's run is 28 KiB and C is in use: must move.  */
    tag++;
    mma_fill (a, 180 * KiB, tag);
    a = resize (a, 180 * KiB, 300 * KiB, -1, "large grow past a busy "
		"neighbour");
    CHECK (mma_verify (c, sz, 3000), "the busy neighbour is intact");
    mfree (md, a);
    mfree (md, c);
    for (i = 0; i < nextra; i++)
      mfree (md, extra[i]);
  }
  tag++;

  /* Two adjacent blocks in use: growing the first must move it.  */
  {
    void *d = block (64 * KiB);
    void *e = mmalloc (md, 64 * KiB);
    if (e == NULL)
      mmt_fatal ("mmalloc: %s", strerror (errno));
    mma_fill (e, 64 * KiB, 3001);
    d = resize (d, 64 * KiB, 1000 * KiB,
		(char *) e == (char *) d + 64 * KiB ? -1 : 0,
		"large grow that must move");
    CHECK (mma_verify (e, 64 * KiB, 3001), "the neighbour of the moved block "
	   "is intact");
    mfree (md, d);
    mfree (md, e);
  }
  tag++;

  /* Huge blocks (over a 16 MiB segment).  */
  p = block (100 * KiB);
  p = resize (p, 100 * KiB, (size_t) 20 << 20, 0, "large to huge");
  p = resize (p, (size_t) 20 << 20, (size_t) 40 << 20, 0, "huge grow");
  p = resize (p, (size_t) 40 << 20, (size_t) 18 << 20, 0, "huge shrink");
  p = resize (p, (size_t) 18 << 20, 5000, 0, "huge to small");
  mfree (md, p);
  tag++;

  /* Blocks of mmemalign with an offset inside their first page.  */
  {
    size_t al[] = { 48, 1000, 4096 * 3 };
    size_t k;
    for (k = 0; k < sizeof al / sizeof al[0]; k++)
      {
	p = mmemalign (md, al[k], 30000);
	if (p == NULL)
	  mmt_fatal ("mmemalign: %s", strerror (errno));
	mma_fill (p, 30000, tag);
	p = resize (p, 30000, 70000, 0, al[k] == 48 ? "48-aligned grow"
		    : al[k] == 1000 ? "1000-aligned grow" : "12288-aligned grow");
	p = resize (p, 70000, 20000, 0, al[k] == 48 ? "48-aligned shrink"
		    : al[k] == 1000 ? "1000-aligned shrink"
		    : "12288-aligned shrink");
	mfree (md, p);
	tag++;
      }
  }

  /* A chain of growing and shrinking reallocs of one block.  */
  {
    size_t n = 1, bad = 0, i;
    p = mmalloc (md, 1);
    mma_fill (p, 1, tag);
    for (i = 0; i < 400; i++)
      {
	size_t m = i % 5 == 4 ? n / 3 + 1 : n + n / 2 + mma_range (1, 3000);
	if (m > ((size_t) 3 << 20))
	  m = mma_range (1, 100000);
	q = mrealloc (md, p, m);
	if (q == NULL)
	  mmt_fatal ("mrealloc %zu -> %zu: %s", n, m, strerror (errno));
	if (!mma_verify (q, n < m ? n : m, tag))
	  bad++;
	mma_fill (q, m, tag);
	p = q;
	n = m;
      }
    mma_why ("%zu of 400 lost contents", bad);
    CHECKW (bad == 0, "400 chained mreallocs keep the contents");
    mfree (md, p);
  }

  /* Failure leaves the block alone (sizes no heap can give): 2^62 on
     a 64-bit host, beyond any address space; on a 32-bit one, where
     that does not fit in a size_t, 2^31, more than any object may be
     (PTRDIFF_MAX).  */
  {
    const int shift = sizeof (size_t) >= 8 ? 62 : 31;
    volatile size_t huge = (size_t) 1 << shift;
    p = block (20000);
    errno = 0;
    q = mma_mrealloc (md, p, huge);
    mma_why ("got %p, errno %s", q, strerror (errno));
    CHECKW (q == NULL && errno == ENOMEM, "mrealloc to 2^%d bytes fails with "
	    "ENOMEM", shift);
    CHECK (mma_verify (p, 20000, tag) && mmalloc_usable_size (md, p) >= 20000,
	   "the block is intact after the failed mrealloc");
    mfree (md, p);
  }

  mfree (md, guard);
  mfree (md, r);
  s1 = mmstats (md);
  mma_why ("chunks %zu -> %zu, bytes %zu -> %zu", base.chunks_used,
	   s1.chunks_used, base.bytes_used, s1.bytes_used);
  CHECKW (s1.chunks_used == base.chunks_used
	  && s1.bytes_used == base.bytes_used,
	  "mmstats back to the baseline at the end");
  mma_check_heap (md, "at the end");
  mma_close (&H);
  mmt_exit ();
}
