/* growth.c -- heap growth over several segments and huge blocks
   (gnu-mmalloc.md section 7, scenario 15).
   Usage: growth file|anon|default
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   Many blocks (1 KiB to 64 KiB, and some small ones) are allocated
   until the heap holds more than 16 MiB, then more than 32 MiB, then 48
   MiB: at each step every block allocated so far still holds its
   pattern.  A block grown by mrealloc step by step across the segment
   boundaries keeps its contents.  Huge blocks (17 MiB, 40 MiB, 100 MiB:
   over one 16 MiB segment) are usable from their first to their last
   byte, can be freed and allocated again, and the heap is sound
   afterwards (60 MiB instead of 100 on a 32-bit host).  */

#include "config.h"

#include "alloc-common.h"

#define MiB ((size_t) 1 << 20)
#define MAXB 20000

static void *md;
static void *v[MAXB];
static size_t sz[MAXB];
static size_t nb;

static size_t
intact (void)
{
  size_t i, bad = 0;

  for (i = 0; i < nb; i++)
    if (v[i] != NULL && !mma_verify (v[i], sz[i], (unsigned int) i))
      bad++;
  return bad;
}

/* Write the first and last byte of P (SIZE bytes) and one byte in each
   MiB; read them back.  */
static int
touch (char *p, size_t size, unsigned char seed)
{
  size_t off;
  int ok = 1;

  for (off = 0; off < size - 1; off += MiB)
    p[off] = (char) (seed + off / MiB);
  p[size - 1] = (char) (seed ^ 0x5a);
  for (off = 0; off < size - 1; off += MiB)
    if (p[off] != (char) (seed + off / MiB))
      ok = 0;
  if (p[size - 1] != (char) (seed ^ 0x5a))
    ok = 0;
  return ok;
}

int
main (int argc, char **argv)
{
  struct mma_heap H;
  struct mstats base, s;
  size_t total = 0, i;
  size_t marks[] = { 16 * MiB + 1, 32 * MiB + 1, 48 * MiB };
  size_t m = 0;
  void *first;

  mma_open (&H, mma_backend_arg (argc, argv), "growth");
  md = H.md;
  mmt_note ("backend %s, md %p", H.kind, md);
  first = mmalloc (md, 8);
  mfree (md, first);
  base = mmstats (md);

  /* Many blocks past 16, 32 and 48 MiB.  */
  while (m < sizeof marks / sizeof marks[0] && nb < MAXB)
    {
      sz[nb] = nb % 4 == 0 ? mma_range (1, 300) : mma_range (1024, 65536);
      v[nb] = mmalloc (md, sz[nb]);
      if (v[nb] == NULL)
	mmt_fatal ("mmalloc (%zu) after %zu bytes: %s", sz[nb], total,
		   strerror (errno));
      mma_fill (v[nb], sz[nb], (unsigned int) nb);
      total += sz[nb];
      nb++;
      if (total >= marks[m])
	{
	  size_t bad = intact ();
	  s = mmstats (md);
	  mma_why ("%zu damaged of %zu", bad, nb);
	  CHECKW (bad == 0, "all blocks intact after allocating more than "
		  "%zu MiB", marks[m] / MiB);
	  mma_why ("bytes_total %zu, total %zu", s.bytes_total, total);
	  CHECKW (s.bytes_total >= total + base.bytes_total,
		  "bytes_total covers the %zu MiB", marks[m] / MiB);
	  m++;
	}
    }
  CHECK (m == sizeof marks / sizeof marks[0], "the heap grew past 48 MiB");
  mma_check_heap (md, "with 48 MiB in small and middle blocks");
  s = mmstats (md);
  mma_why ("chunks_used %zu, expected %zu", s.chunks_used,
	   base.chunks_used + nb);
  CHECKW (s.chunks_used == base.chunks_used + nb,
	  "mmstats counts every block of the 48 MiB");

  /* Free every third block, allocate again in the holes: old data
     intact.  */
  for (i = 0; i < nb; i += 3)
    {
      mfree (md, v[i]);
      v[i] = NULL;
    }
  for (i = 0; i < nb; i += 3)
    {
      sz[i] = mma_range (1, 70000);
      v[i] = mmalloc (md, sz[i]);
      if (v[i] == NULL)
	mmt_fatal ("mmalloc (%zu): %s", sz[i], strerror (errno));
      mma_fill (v[i], sz[i], (unsigned int) i);
    }
  {
    size_t bad = intact ();
    mma_why ("%zu damaged", bad);
    CHECKW (bad == 0, "all blocks intact after refilling the holes");
  }

  /* One block grown across the segment boundaries, 64 KiB to 40 MiB,
     while the other blocks are live.  */
  {
    size_t n = 64 * 1024, bad = 0;
    char *p = mmalloc (md, n);
    if (p == NULL)
      mmt_fatal ("mmalloc: %s", strerror (errno));
    mma_fill (p, n, 999);
    while (n < 40 * MiB)
      {
	size_t nn = n + n / 3;
	char *q = mrealloc (md, p, nn);
	if (q == NULL)
	  mmt_fatal ("mrealloc to %zu: %s", nn, strerror (errno));
	if (!mma_verify (q, n, 999))
	  bad++;
	mma_fill_range (q, n, nn, 999);
	p = q;
	n = nn;
      }
    mma_why ("%zu steps lost contents", bad);
    CHECKW (bad == 0, "a block grown by mrealloc from 64 KiB to 40 MiB keeps "
	    "its contents");
    bad = intact ();
    mma_why ("%zu damaged", bad);
    CHECKW (bad == 0, "the other blocks are intact after the growing block");
    mfree (md, p);
  }
  mma_check_heap (md, "after the growing block");

  /* Huge blocks.  All four are live at once, next to the 48 MiB: on a
     32-bit host, where a heap spans at most the 256 MiB the engine
     reserves ahead, 100 MiB would take the heap past that (each huge
     block takes whole 16 MiB segments), so the third is 60 MiB there,
     still over several segments.  */
  {
    size_t hs[] = { 17 * MiB, 40 * MiB,
		    sizeof (void *) >= 8 ? 100 * MiB : 60 * MiB,
		    16 * MiB - 200 * 1024 };
    enum { NH = sizeof hs / sizeof hs[0] };
    char *h[NH];
    size_t k, round;
    for (round = 0; round < 2; round++)
      {
	for (k = 0; k < NH; k++)
	  {
	    h[k] = mmalloc (md, hs[k]);
	    mma_why ("errno %s", strerror (errno));
	    if (!CHECKW (h[k] != NULL, "huge block of %zu bytes allocated "
			 "(round %zu)", hs[k], round))
	      continue;
	    CHECK (mmalloc_usable_size (md, h[k]) >= hs[k],
		   "huge block of %zu bytes is big enough (round %zu)", hs[k],
		   round);
	    CHECK (touch (h[k], hs[k], (unsigned char) (k + round * 16)),
		   "first, last and every MiB of a huge block of %zu bytes "
		   "are usable (round %zu)", hs[k], round);
	  }
	/* The 17 MiB one is filled completely.  */
	if (h[0] != NULL)
	  {
	    mma_fill (h[0], hs[0], 4242);
	    CHECK (mma_verify (h[0], hs[0], 4242), "the 17 MiB block holds "
		   "a full pattern (round %zu)", round);
	  }
	{
	  size_t bad = intact ();
	  mma_why ("%zu damaged", bad);
	  CHECKW (bad == 0, "the other blocks are intact next to the huge "
		  "ones (round %zu)", round);
	}
	mma_check_heap (md, round ? "with huge blocks (round 1)"
			: "with huge blocks (round 0)");
	for (k = 0; k < NH; k++)
	  {
	    size_t kk = (k + round) % NH;
	    mfree (md, h[kk]);
	  }
	mma_check_heap (md, round ? "after freeing the huge blocks (round 1)"
			: "after freeing the huge blocks (round 0)");
      }
  }

  for (i = 0; i < nb; i++)
    mfree (md, v[i]);
  s = mmstats (md);
  mma_why ("chunks %zu -> %zu, bytes %zu -> %zu", base.chunks_used,
	   s.chunks_used, base.bytes_used, s.bytes_used);
  CHECKW (s.chunks_used == base.chunks_used && s.bytes_used == base.bytes_used,
	  "mmstats used counters back to the baseline at the end");
  /* The whole heap can be used again for one huge block.  */
  {
    char *p = mmalloc (md, 60 * MiB);
    CHECK (p != NULL && touch (p, 60 * MiB, 7), "a 60 MiB block after "
	   "freeing everything is usable");
    mfree (md, p);
  }
  mma_check_heap (md, "at the end");

  mma_close (&H);

  /* A new heap file whose last block is huge attaches again in another
     process, with the block's contents.  */
  if (strcmp (H.kind, "file") == 0)
    {
      struct mma_heap F;
      char *p;
      pid_t pid;
      int st;

      mma_open (&F, "file", "growth-reattach");
      p = mmalloc (F.md, 17 * MiB);
      if (p == NULL)
	mmt_fatal ("mmalloc (17 MiB): %s", strerror (errno));
      p[0] = 'h';
      p[17 * MiB - 1] = 'g';
      mmalloc_setkey (F.md, 0, p);
      mma_check_heap (F.md, "in a new file heap holding one huge block");
      if (mmalloc_detach (F.md) != NULL)
	mmt_fatal ("mmalloc_detach failed");
      F.md = NULL;
      pid = mmt_fork ();
      if (pid < 0)
	mmt_fatal ("fork: %s", strerror (errno));
      if (pid == 0)
	{
	  void *md2 = mmalloc_attach (F.fd, NULL);
	  char *q;
	  mma_why ("errno %s", strerror (errno));
	  if (!CHECKW (md2 != NULL, "child: a heap file ending in a live huge "
		       "block attaches again"))
	    mmt_child_exit (1);
	  q = mmalloc_getkey (md2, 0);
	  CHECK (q == p && q[0] == 'h' && q[17 * MiB - 1] == 'g',
		 "child: the huge block is there with its contents");
	  mma_check_heap (md2, "in the child that attached the file again");
	  mmt_child_exit (0);
	}
      st = mmt_wait (pid);
      CHECK (st == 0, "the child that attached the file again succeeded");
      mma_close (&F);
    }
  mmt_exit ();
}
