/* mmstats.c -- heap statistics.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* The header keeps running counts that cost the allocation paths two
   additions; the five GNU fields are derived from them.  Used bytes are
   rounded sizes (the size class, or whole pages), as in GNU mmalloc.
   Free chunks are the free page runs plus the free slots of small runs
   (never-used slots included), and blocks waiting in thread caches
   count as free; bytes_total is the part of the region carved so far,
   header and descriptors included.  */

#include "config.h"

#include <errno.h>
#include <string.h>
#include "mmprivate.h"

struct mstats
mmstats (void *md)
{
  struct mstats s;
  struct mm_heap *h = mmi_heap_of (md);
  struct mm_header *hdr;
  uint64_t cached, cached_bytes, small_used, small_used_bytes;
  int locked;

  memset (&s, 0, sizeof s);
  if (h == NULL)
    return s;
  mmi_tc_totals (h, &cached, &cached_bytes);
  locked = !h->rdonly && mmi_lock (h) == 0;
  hdr = h->hdr;
  /* Blocks in thread caches are free as far as the program goes.  */
  small_used = hdr->small_used - cached;
  small_used_bytes = hdr->small_used_bytes - cached_bytes;
  s.bytes_total = (size_t) hdr->top;
  s.chunks_used = (size_t) (small_used + hdr->large_used);
  s.bytes_used = (size_t) (small_used_bytes + hdr->large_bytes);
  s.chunks_free = (size_t) (hdr->free_runs
			    + (hdr->small_slots - small_used));
  s.bytes_free = (size_t) ((hdr->free_pages << MM_PAGE_SHIFT)
			   + (hdr->small_bytes - small_used_bytes));
  if (locked)
    mmi_unlock (h);
  return s;
}
