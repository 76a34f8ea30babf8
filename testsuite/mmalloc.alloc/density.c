/* density.c -- the cost of many small live blocks.
   Usage: density file|anon|default
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   10^6 live blocks of 64 bytes: the heap grows (mmstats bytes_total) by
   at most 72 bytes per block (the figure is printed as a NOTE); the
   blocks are distinct, do not overlap, are 16-aligned and hold what was
   written; mmstats counts them; freeing them all returns mmstats to
   the baseline and leaves a sound heap.  */

#include "config.h"

#include "alloc-common.h"

#define NBLK 1000000

static char **blk;

static int
cmp (const void *a, const void *b)
{
  uintptr_t x = (uintptr_t) *(char *const *) a;
  uintptr_t y = (uintptr_t) *(char *const *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  struct mma_heap H;
  struct mstats before, after, end;
  size_t i, bad = 0, overlap = 0, mis = 0;
  double per;
  void *first;

  mma_open (&H, mma_backend_arg (argc, argv), "density");
  mmt_note ("backend %s, md %p", H.kind, H.md);
  blk = malloc (NBLK * sizeof *blk);	/* the C library's */
  if (blk == NULL)
    mmt_fatal ("malloc");
  first = mmalloc (H.md, 64);
  mfree (H.md, first);
  before = mmstats (H.md);
  for (i = 0; i < NBLK; i++)
    {
      blk[i] = mmalloc (H.md, 64);
      if (blk[i] == NULL)
	mmt_fatal ("mmalloc (64) #%zu: %s", i, strerror (errno));
      memcpy (blk[i], &i, sizeof i);
      memset (blk[i] + sizeof i, (int) (i & 0xff), 64 - sizeof i);
    }
  after = mmstats (H.md);
  per = (double) (after.bytes_total - before.bytes_total) / NBLK;
  mmt_note ("%d live 64-byte blocks: %.2f bytes each (bytes_total %zu -> "
	    "%zu)", NBLK, per, before.bytes_total, after.bytes_total);
  mma_why ("%.2f bytes per block", per);
  CHECKW (per <= 72.0, "10^6 live 64-byte blocks cost at most 72 bytes each");
  mma_why ("chunks_used %zu, bytes_used %zu", after.chunks_used,
	   after.bytes_used);
  CHECKW (after.chunks_used == before.chunks_used + NBLK
	  && after.bytes_used == before.bytes_used + (size_t) NBLK * 64,
	  "mmstats counts 10^6 blocks of 64 bytes");
  for (i = 0; i < NBLK; i++)
    {
      size_t k, j;
      memcpy (&k, blk[i], sizeof k);
      if (k != i)
	bad++;
      else
	for (j = sizeof i; j < 64; j++)
	  if ((unsigned char) blk[i][j] != (i & 0xff))
	    {
	      bad++;
	      break;
	    }
      if ((uintptr_t) blk[i] % 16 != 0)
	mis++;
    }
  mma_why ("%zu bad", bad);
  CHECKW (bad == 0, "every block holds what was written");
  CHECK (mis == 0, "every block is 16-aligned");
  mma_check_heap (H.md, "with 10^6 live blocks");
  for (i = 0; i < NBLK; i++)
    mfree (H.md, blk[i]);
  qsort (blk, NBLK, sizeof *blk, cmp);
  for (i = 1; i < NBLK; i++)
    if (blk[i - 1] + 64 > blk[i])
      overlap++;
  mma_why ("%zu overlaps", overlap);
  CHECKW (overlap == 0, "no two blocks overlapped");
  end = mmstats (H.md);
  CHECK (end.chunks_used == before.chunks_used
	 && end.bytes_used == before.bytes_used,
	 "freeing the 10^6 blocks returns mmstats to the baseline");
  mma_check_heap (H.md, "after freeing the 10^6 blocks");
  free (blk);
  mma_close (&H);
  mmt_exit ();
}
