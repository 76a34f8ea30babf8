/* mmstats.c -- heap statistics.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* The header keeps running counts that cost the allocation paths two
   additions; the five GNU fields are derived from them.  Used bytes are
   rounded sizes (the size class, or whole pages), as in GNU mmalloc.
   Free chunks are the free page runs plus the free slots of small runs
   (never-used slots included); bytes_total is the part of the region
   carved so far, header and descriptors included.  */

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
  int locked;

  memset (&s, 0, sizeof s);
  if (h == NULL)
    return s;
  locked = !h->rdonly && mmi_lock (h) == 0;
  hdr = h->hdr;
  s.bytes_total = (size_t) hdr->top;
  s.chunks_used = (size_t) (hdr->small_used + hdr->large_used);
  s.bytes_used = (size_t) (hdr->small_used_bytes + hdr->large_bytes);
  s.chunks_free = (size_t) (hdr->free_runs
			    + (hdr->small_slots - hdr->small_used));
  s.bytes_free = (size_t) ((hdr->free_pages << MM_PAGE_SHIFT)
			   + (hdr->small_bytes - hdr->small_used_bytes));
  if (locked)
    mmi_unlock (h);
  return s;
}
