/* foreign.c -- other sbrk users beside the default heap: the C library's
   malloc (kept on the program break with M_MMAP_MAX 0) and raw sbrk
   calls of the program interleave with mmalloc (NULL, ...), all of them
   growing the break.  The engine must fence off the stretches that are
   not its own (mmi_pages_skip): at the end every block and every sbrk
   stretch still holds its pattern, nothing overlaps, and
   mmalloc_check (NULL) finds the heap sound.
   Usage: foreign [ROUNDS]   (default 200)
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmalloc.h>
#include "mmtest.h"
#include "default-util.h"

enum kind { K_LIBC, K_OURS, K_SBRK };

struct span
{
  char *p;
  size_t n;
  enum kind kind;
  unsigned long serial;
  int live;
};

static struct span *spans;
static size_t nspans;

static int
by_address (const void *a, const void *b)
{
  const struct span *x = a, *y = b;

  return x->p < y->p ? -1 : x->p > y->p;
}

static const char *const kind_name[] = { "malloc", "mmalloc", "sbrk" };

int
main (int argc, char **argv)
{
  int rounds = argc > 1 ? atoi (argv[1]) : 200;
  uint64_t seed = 0x5eed;
  char *brk0, *brk1;
  size_t i, bad[3] = { 0, 0, 0 }, outside = 0, overlaps = 0, nours = 0;
  size_t failed = 0, held_chunks, held_bytes;
  struct mstats s0, s1;
  int r;

  if (rounds <= 0)
    rounds = 200;
  spans = calloc ((size_t) rounds * 3 + 8, sizeof *spans);
  if (spans == NULL)
    mmt_fatal ("calloc failed");

#if !(defined MMALLOC_SANITIZERS && MMALLOC_SANITIZERS)
  /* The C library's malloc takes every block from the break.  */
  mallopt (M_MMAP_MAX, 0);
#endif

  /* The default heap exists before the others start growing the break. */
  brk0 = sbrk (0);
  {
    void *first = mmalloc (NULL, 32);
    if (first == NULL)
      mmt_fatal ("mmalloc (NULL, 32) failed");
    mfree (NULL, first);
  }
  s0 = mmstats (NULL);
  held_chunks = held_bytes = 0;

  for (r = 0; r < rounds; r++)
    {
      size_t n;
      struct span *sp;

      /* The C library's malloc.  */
      n = 65536 + du_rand (&seed) % (1048576 - 65536 + 1);
      sp = &spans[nspans];
      sp->p = malloc (n);
      if (sp->p != NULL)
	{
	  sp->n = n;
	  sp->kind = K_LIBC;
	  sp->serial = nspans;
	  sp->live = 1;
	  du_fill (sp->p, n, K_LIBC, nspans);
	  nspans++;
	}

      /* The default heap.  */
      n = 65536 + du_rand (&seed) % (1048576 - 65536 + 1);
      sp = &spans[nspans];
      sp->p = mmalloc (NULL, n);
      if (sp->p == NULL)
	failed++;
      else
	{
	  sp->n = n;
	  sp->kind = K_OURS;
	  sp->serial = nspans;
	  sp->live = 1;
	  du_fill (sp->p, n, K_OURS, nspans);
	  held_chunks++;
	  held_bytes += mmalloc_usable_size (NULL, sp->p);
	  nspans++;
	}

      /* Raw sbrk of our own, every other round.  */
      if (r % 2 == 0)
	{
	  void *p;
	  n = 4096 * (1 + du_rand (&seed) % 16);
	  p = sbrk ((intptr_t) n);
	  if (p != (void *) -1)
	    {
	      sp = &spans[nspans];
	      sp->p = p;
	      sp->n = n;
	      sp->kind = K_SBRK;
	      sp->serial = nspans;
	      sp->live = 1;
	      du_fill (p, n, K_SBRK, nspans);
	      nspans++;
	    }
	}

      /* Free a few older blocks of both allocators now and then, so that
	 freed space next to foreign stretches is reused.  */
      if (r % 5 == 4)
	{
	  size_t k;
	  for (k = nspans >= 12 ? nspans - 12 : 0; k < nspans; k += 4)
	    {
	      sp = &spans[k];
	      if (!sp->live || sp->kind == K_SBRK)
		continue;
	      if (!du_verify (sp->p, sp->n, sp->kind, sp->serial))
		bad[sp->kind]++;
	      if (sp->kind == K_LIBC)
		free (sp->p);
	      else
		{
		  held_chunks--;
		  held_bytes -= mmalloc_usable_size (NULL, sp->p);
		  mfree (NULL, sp->p);
		}
	      sp->live = 0;
	    }
	}
    }
  brk1 = sbrk (0);

  CHECK (failed == 0, "%d rounds: every mmalloc (NULL, 64 KiB..1 MiB) "
	 "succeeded (%zu failed)", rounds, failed);

  /* Contents.  */
  for (i = 0; i < nspans; i++)
    if (spans[i].live
	&& !du_verify (spans[i].p, spans[i].n, spans[i].kind,
		       spans[i].serial))
      bad[spans[i].kind]++;
  for (r = 0; r < 3; r++)
    CHECK (bad[r] == 0, "every %s block kept its contents (%zu damaged)",
	   kind_name[r], bad[r]);

  /* Nothing overlaps, and the default heap stayed on the break.  */
  {
    struct span *sorted = malloc (nspans * sizeof *sorted);
    size_t k = 0;
    if (sorted == NULL)
      mmt_fatal ("malloc failed");
    for (i = 0; i < nspans; i++)
      if (spans[i].live)
	sorted[k++] = spans[i];
    qsort (sorted, k, sizeof *sorted, by_address);
    for (i = 0; i + 1 < k; i++)
      if (sorted[i].p + sorted[i].n > sorted[i + 1].p)
	{
	  if (overlaps++ == 0)
	    mmt_note ("%s block %p+%zu overlaps %s block %p",
		      kind_name[sorted[i].kind], (void *) sorted[i].p,
		      sorted[i].n, kind_name[sorted[i + 1].kind],
		      (void *) sorted[i + 1].p);
	}
    for (i = 0; i < k; i++)
      if (sorted[i].kind == K_OURS)
	{
	  nours++;
	  if (sorted[i].p < brk0 || sorted[i].p + sorted[i].n > brk1)
	    {
	      if (outside++ == 0)
		mmt_note ("block %p+%zu is outside the break range [%p, %p)",
			  (void *) sorted[i].p, sorted[i].n, (void *) brk0,
			  (void *) brk1);
	    }
	}
    free (sorted);
  }
  CHECK (overlaps == 0, "no two live blocks or sbrk stretches overlap "
	 "(%zu overlaps)", overlaps);
  CHECK (outside == 0, "the default heap grew with sbrk: all %zu of its "
	 "live blocks are between the break at the start and at the end "
	 "(%zu outside)", nours, outside);

  s1 = mmstats (NULL);
  CHECK (s1.chunks_used == s0.chunks_used + held_chunks
	 && s1.bytes_used == s0.bytes_used + held_bytes,
	 "mmstats (NULL) counts the %zu live blocks (chunks_used %zu, want "
	 "%zu; bytes_used %zu, want %zu)", held_chunks, s1.chunks_used,
	 s0.chunks_used + held_chunks, s1.bytes_used,
	 s0.bytes_used + held_bytes);
  CHECK (mmalloc_check (NULL) == 0, "mmalloc_check (NULL) == 0 with "
	 "foreign stretches in the heap: %s", mmalloc_check_message (NULL));

  /* Free everything of ours, check, and use the heap again.  */
  for (i = 0; i < nspans; i++)
    if (spans[i].live && spans[i].kind == K_OURS)
      {
	mfree (NULL, spans[i].p);
	spans[i].live = 0;
      }
  CHECK (mmalloc_check (NULL) == 0, "mmalloc_check (NULL) == 0 after "
	 "freeing the default heap's blocks: %s",
	 mmalloc_check_message (NULL));
  s1 = mmstats (NULL);
  CHECK (s1.chunks_used == s0.chunks_used && s1.bytes_used == s0.bytes_used,
	 "mmstats (NULL) back to the start after freeing them");
  {
    size_t k, again = 0;
    char *blocks[64];
    for (k = 0; k < 64; k++)
      {
	blocks[k] = mmalloc (NULL, 300000);
	if (blocks[k] != NULL)
	  {
	    du_fill (blocks[k], 300000, 9, k);
	    again++;
	  }
      }
    for (i = 0, k = 0; k < 64; k++)
      if (blocks[k] != NULL && !du_verify (blocks[k], 300000, 9, k))
	i++;
    CHECK (again == 64 && i == 0, "the heap serves 64 new blocks of 300000 "
	   "bytes afterwards (%zu served, %zu damaged)", again, i);
    for (i = 0; i < nspans; i++)
      if (spans[i].live
	  && !du_verify (spans[i].p, spans[i].n, spans[i].kind,
			 spans[i].serial))
	bad[spans[i].kind]++;
    CHECK (bad[K_LIBC] == 0 && bad[K_SBRK] == 0, "the malloc blocks and "
	   "sbrk stretches are still intact after that");
    for (k = 0; k < 64; k++)
      mfree (NULL, blocks[k]);
  }
  CHECK (mmalloc_check (NULL) == 0, "mmalloc_check (NULL) == 0 at the end: "
	 "%s", mmalloc_check_message (NULL));
  for (i = 0; i < nspans; i++)
    if (spans[i].live && spans[i].kind == K_LIBC)
      free (spans[i].p);
  free (spans);
  mmt_exit ();
}
