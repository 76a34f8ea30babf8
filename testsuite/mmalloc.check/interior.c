/* interior.c -- pointers into the middle of large blocks, at page
   boundaries, are never taken for blocks of their own.  A page inside
   a run may once have started a run (a block freed and merged with its
   neighbour, a run left above a lowered top); freeing a pointer to it
   must leave the heap sound, checked or not.  Also the sequence the
   fuzzer found (fuzz/corpus/apiseq/regress-bin0): an over-aligned
   block freed, then a page-aligned checked block freed.
   On the default heap, whose fast path finds a block's class in its
   page map, an interior pointer to a small block and the leftover past
   a small run's last slot are refused with EINVAL too.  (memcheck
   rightly reports these frees: this program stays out of the CI's
   valgrind stage.)
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <mmalloc.h>
#include "mmprivate.h"
#include "mmtest.h"

static int aborts;

static void
count_abort (void)
{
  aborts++;
}

/* Leave stale run heads inside what becomes one large block, then free
   pointers to each page of that block.  */
static void
interior_pages (const char *what, int checked)
{
  void *md = mmalloc_attach (-1, NULL);
  char *a, *b, *c, *big;
  size_t i;
  int sound = 1, intact = 1;

  if (md == NULL)
    mmt_fatal ("mmalloc_attach: %s", strerror (errno));
  if (checked && !mmcheckf (md, count_abort, 1))
    mmt_fatal ("mmcheckf refused");
  aborts = 0;
  /* Three neighbouring large blocks, freed so that their runs merge:
     the heads of B and C end up inside a free run.  A guard block
     keeps them off the top.  */
  a = mmalloc (md, 5 * 4096);
  b = mmalloc (md, 7 * 4096);
  c = mmalloc (md, 3 * 4096);
  if (mmalloc (md, 20000) == NULL || a == NULL || b == NULL || c == NULL)
    mmt_fatal ("mmalloc failed");
  mfree (md, a);
  mfree (md, b);
  mfree (md, c);
  /* One block over all of it (and more): its middle pages are the old
     heads.  */
  big = mmalloc (md, 14 * 4096);
  if (big == NULL)
    mmt_fatal ("mmalloc failed");
  memset (big, 0x5a, 14 * 4096);
  for (i = 1; i < 14; i++)
    {
      char *p = (char *) (((uintptr_t) big + i * 4096) & ~(uintptr_t) 4095);
      if (p <= big)
	continue;
      mfree (md, p);
      if (mmalloc_check (md) != 0)
	sound = 0;
    }
  for (i = 0; i < 14 * 4096; i++)
    if ((unsigned char) big[i] != 0x5a)
      intact = 0;
  CHECK (sound, "%s: freeing pointers to the pages inside a large block "
	 "leaves the heap sound", what);
  CHECK (intact, "%s: the block keeps its contents", what);
  if (checked)
    CHECK (aborts >= 13, "%s: every such free is reported (%d reports)",
	   what, aborts);
  mfree (md, big);
  CHECK (mmalloc_check (md) == 0, "%s: the block is freed normally "
	 "afterwards", what);
  mmalloc_detach (md);
}

/* Pointers into a small run of the default heap that start no block.  */
static void
small_non_blocks (void)
{
  struct mm_heap *h = mmi_heap_of (NULL);
  char *p = mmalloc (NULL, 48), *past;
  struct mm_page *d;
  uint32_t head;

  if (h == NULL || p == NULL || (d = mmi_block_of (h, p, &head)) == NULL
      || d->kind != MM_K_SMALL)
    mmt_fatal ("no small block on the default heap");
  past = mmi_page_addr (h, head) + mmi_run_capacity (d->cls);
  errno = 0;
  mfree (NULL, past);
  CHECK (errno == EINVAL, "default heap: mfree of the leftover past a "
	 "run's last slot is refused with EINVAL (%d)", errno);
  errno = 0;
  mfree (NULL, p + 16);
  CHECK (errno == EINVAL, "default heap: mfree of a pointer 16 bytes into "
	 "a block is refused with EINVAL (%d)", errno);
  CHECK (mmalloc_check (NULL) == 0, "default heap: sound after the refused "
	 "frees (%s)", mmalloc_check_message (NULL));
  mfree (NULL, p);
}

/* The fuzzer's sequence (regress-bin0).  */
static void
aligned_then_valloc (void)
{
  void *md = mmalloc_attach (-1, NULL);
  void *p, *q;

  if (md == NULL || !mmcheckf (md, count_abort, 1))
    mmt_fatal ("mmalloc_attach/mmcheckf failed");
  aborts = 0;
  p = mmemalign (md, 8192, 124);
  CHECK (p != NULL && (uintptr_t) p % 8192 == 0,
	 "checked mmemalign (8192, 124) is aligned");
  mfree (md, p);
  q = mvalloc (md, 258048);
  CHECK (q != NULL && (uintptr_t) q % 4096 == 0,
	 "checked mvalloc (258048) after it is page-aligned");
  mfree (md, q);
  CHECK (mmalloc_check (md) == 0 && aborts == 0,
	 "both freed: the heap is sound, nothing reported (%s)",
	 mmalloc_check_message (md));
  mmalloc_detach (md);
}

/* Alignments that are not powers of two, checked: the blocks are
   aligned as asked, and freeing them reports nothing.  */
static void
odd_alignments (void)
{
  void *md = mmalloc_attach (-1, NULL);
  static const size_t aligns[] = { 3, 6, 12, 24, 40, 100, 3000 };
  unsigned int i;
  int ok = 1;

  if (md == NULL || !mmcheckf (md, count_abort, 1))
    mmt_fatal ("mmalloc_attach/mmcheckf failed");
  aborts = 0;
  for (i = 0; i < sizeof aligns / sizeof aligns[0]; i++)
    {
      char *p = mmemalign (md, aligns[i], 50);
      if (p == NULL || (uintptr_t) p % aligns[i] != 0)
	{
	  mmt_note ("mmemalign (%zu, 50) = %p", aligns[i], (void *) p);
	  ok = 0;
	  continue;
	}
      memset (p, 1, 50);
      mfree (md, p);
    }
  CHECK (ok, "checked mmemalign honours alignments that are not powers "
	 "of two");
  CHECK (aborts == 0 && mmalloc_check (md) == 0,
	 "freeing them reports nothing, and the heap is sound");
  mmalloc_detach (md);
}

int
main (void)
{
  interior_pages ("unchecked", 0);
  interior_pages ("checked", 1);
  small_non_blocks ();
  aligned_then_valloc ();
  odd_alignments ();
  mmt_exit ();
}
