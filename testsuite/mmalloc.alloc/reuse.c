/* reuse.c -- free and reuse, trailing frees (gnu-mmalloc.md section 7,
   scenarios 13 and 14).
   Usage: reuse file|anon|default
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   Scenario 13: 100 blocks of mixed sizes; every second one is freed and
   allocated again with new sizes, repeatedly; contents are checked
   against their tags, freed space is reused (the heap stops growing),
   and mmstats stays consistent (chunks_used = live blocks, bytes_used
   = the sum of the blocks' rounded sizes, which for blocks of plain
   mmalloc are their usable sizes).  The long random run is
   the `random' program.
   Scenario 14: trailing frees of many large blocks lower bytes_total;
   the heap stays usable afterwards.  */

#include "config.h"

#include "alloc-common.h"

#define KiB ((size_t) 1024)
#define N 100

static void *md;
static void *v[N];
static size_t sz[N];
static unsigned int tg[N];

static size_t
pick_size (void)
{
  switch (mma_rand () % 10)
    {
    case 0:
      return mma_range (16385, 400000);
    case 1: case 2: case 3:
      return mma_range (1, 20000);
    default:
      return mma_range (1, 256);
    }
}

static void
alloc_slot (size_t i)
{
  sz[i] = pick_size ();
  tg[i] = (unsigned int) mma_rand ();
  v[i] = mmalloc (md, sz[i]);
  if (v[i] == NULL)
    mmt_fatal ("mmalloc (%zu): %s", sz[i], strerror (errno));
  mma_fill (v[i], sz[i], tg[i]);
}

/* Check the blocks and mmstats against what we hold; BASE is the
   statistics of the heap without our blocks.  */
static void
consistent (struct mstats base, const char *when)
{
  size_t i, bad = 0, live = 0, usable = 0;
  struct mstats s = mmstats (md);

  for (i = 0; i < N; i++)
    if (v[i] != NULL)
      {
	size_t u = mmalloc_usable_size (md, v[i]);
	live++;
	usable += u;
	if (!mma_verify (v[i], sz[i], tg[i]) || u < sz[i])
	  bad++;
      }
  mma_why ("%zu bad", bad);
  CHECKW (bad == 0, "every live block intact %s", when);
  mma_why ("chunks_used %zu, base %zu, live %zu", s.chunks_used,
	   base.chunks_used, live);
  CHECKW (s.chunks_used == base.chunks_used + live,
	  "mmstats chunks_used counts the live blocks %s", when);
  mma_why ("bytes_used %zu, base %zu, usable %zu", s.bytes_used,
	   base.bytes_used, usable);
  /* Rounded sizes (api-notes): a small block's class, a large block's
     pages; for blocks of plain mmalloc that is their usable size.  */
  CHECKW (s.bytes_used - base.bytes_used == usable,
	  "mmstats bytes_used is the sum of rounded sizes %s", when);
  mma_why ("total %zu, used %zu, free %zu", s.bytes_total, s.bytes_used,
	   s.bytes_free);
  CHECKW (s.bytes_used + s.bytes_free <= s.bytes_total,
	  "mmstats used + free <= total %s", when);
  mma_check_heap (md, when);
}

int
main (int argc, char **argv)
{
  struct mma_heap H;
  struct mstats base, s;
  size_t i, round, total_after_first = 0, max_total = 0;
  void *first;

  mma_open (&H, mma_backend_arg (argc, argv), "reuse");
  md = H.md;
  mmt_note ("backend %s, md %p", H.kind, md);
  first = mmalloc (md, 8);	/* the default heap exists */
  mfree (md, first);
  base = mmstats (md);

  /* Scenario 13.  */
  for (i = 0; i < N; i++)
    alloc_slot (i);
  consistent (base, "after 100 allocations");
  for (round = 0; round < 200; round++)
    {
      size_t odd = round % 2;
      for (i = odd; i < N; i += 2)
	{
	  if (!mma_verify (v[i], sz[i], tg[i]))
	    mmt_fatal ("block %zu lost its contents in round %zu", i, round);
	  mfree (md, v[i]);
	  v[i] = NULL;
	}
      if (round == 0)
	consistent (base, "after freeing every second block");
      for (i = odd; i < N; i += 2)
	alloc_slot (i);
      s = mmstats (md);
      if (round == 19)
	total_after_first = s.bytes_total;
      if (round >= 19 && s.bytes_total > max_total)
	max_total = s.bytes_total;
      if (round == 0)
	consistent (base, "after allocating them again");
    }
  consistent (base, "after 200 rounds of free and reuse");
  mma_why ("bytes_total %zu after 20 rounds, %zu at most later",
	   total_after_first, max_total);
  /* 50 blocks of at most 400 KiB come and go: the heap may grow by
     fragmentation, but not by anything like 180 rounds of leaks
     (180 * 50 * 40 KiB on average).  */
  CHECKW (max_total <= total_after_first + ((size_t) 16 << 20),
	  "freed space is reused: the heap stops growing");
  for (i = 0; i < N; i++)
    {
      mfree (md, v[i]);
      v[i] = NULL;
    }
  consistent (base, "after freeing everything");
  s = mmstats (md);
  CHECK (s.chunks_used == base.chunks_used && s.bytes_used == base.bytes_used,
	 "mmstats used counters back to the baseline");

  /* Scenario 14: trailing frees lower bytes_total.  */
  {
    enum { NB = 40, NFREE = 12 };
    void *b[NB];
    size_t bsz = 256 * KiB, k;
    struct mstats pre = mmstats (md), full, after;
    struct stat st0, st1;

    for (k = 0; k < NB; k++)
      {
	b[k] = mmalloc (md, bsz);
	if (b[k] == NULL)
	  mmt_fatal ("mmalloc (256 KiB): %s", strerror (errno));
	mma_fill (b[k], bsz, (unsigned int) k);
      }
    full = mmstats (md);
    if (H.fd >= 0)
      fstat (H.fd, &st0);
    /* Free the last NFREE, not in order.  */
    for (k = NB - NFREE; k < NB; k += 2)
      mfree (md, b[k]);
    for (k = NB - NFREE + 1; k < NB; k += 2)
      mfree (md, b[k]);
    after = mmstats (md);
    mma_why ("bytes_total %zu -> %zu", full.bytes_total, after.bytes_total);
    CHECKW (after.bytes_total + NFREE * bsz <= full.bytes_total,
	    "freeing the last %d of %d large blocks lowers bytes_total by "
	    "their size", NFREE, NB);
    if (H.fd >= 0 && fstat (H.fd, &st1) == 0)
      mmt_note ("file: %lld bytes, %lld blocks before; %lld bytes, %lld "
		"blocks after", (long long) st0.st_size,
		(long long) st0.st_blocks, (long long) st1.st_size,
		(long long) st1.st_blocks);
    mma_check_heap (md, "after the trailing frees");
    /* Still usable: the old blocks are intact and new ones work.  */
    {
      size_t bad = 0;
      for (k = 0; k < NB - NFREE; k++)
	if (!mma_verify (b[k], bsz, (unsigned int) k))
	  bad++;
      CHECK (bad == 0, "the remaining blocks are intact after the trailing "
	     "frees");
      for (k = NB - NFREE; k < NB; k++)
	{
	  b[k] = mmalloc (md, bsz + k * 100);
	  if (b[k] == NULL)
	    mmt_fatal ("mmalloc after the trailing frees: %s",
		       strerror (errno));
	  mma_fill (b[k], bsz + k * 100, (unsigned int) k + 100);
	}
      for (k = NB - NFREE; k < NB; k++)
	if (!mma_verify (b[k], bsz + k * 100, (unsigned int) k + 100))
	  bad++;
      CHECK (bad == 0, "the heap is usable after the trailing frees");
    }
    /* Free everything: bytes_total falls back to what it was.  */
    for (k = 0; k < NB; k++)
      mfree (md, b[k]);
    after = mmstats (md);
    mma_why ("bytes_total %zu before the large blocks, %zu with them, %zu "
	     "now", pre.bytes_total, full.bytes_total, after.bytes_total);
    CHECKW (after.bytes_total <= pre.bytes_total,
	    "freeing all the large blocks brings bytes_total back down");
    mma_check_heap (md, "after freeing all large blocks");
  }

  /* Trailing frees of small blocks (not part of scenario 14): their
     runs go back to the page layer when empty, except the current run
     of their class.  Reported, not judged.  */
  {
    enum { NS = 50000 };
    static void *sb[NS];
    struct mstats pre = mmstats (md), full, after;
    size_t k;
    for (k = 0; k < NS; k++)
      if ((sb[k] = mmalloc (md, 200)) == NULL)
	mmt_fatal ("mmalloc (200): %s", strerror (errno));
    full = mmstats (md);
    for (k = 0; k < NS; k++)
      mfree (md, sb[NS - 1 - k]);
    after = mmstats (md);
    mmt_note ("50000 blocks of 200 bytes: bytes_total %zu before, %zu with "
	      "them, %zu after freeing them", pre.bytes_total,
	      full.bytes_total, after.bytes_total);
    mma_check_heap (md, "after freeing the small blocks");
  }
  s = mmstats (md);
  CHECK (s.chunks_used == base.chunks_used && s.bytes_used == base.bytes_used,
	 "mmstats used counters back to the baseline at the end");
  mma_close (&H);
  mmt_exit ();
}
