/* pagemap.c -- the page map of the default heap's small runs.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* mfree's fast path must find a block's size class in as few dependent
   loads as possible.  Through the region that is the header's top, the
   segment bitmap, the page's descriptor and, for a page past a run's
   first, the run's head descriptor.  The default heap belongs to this
   process alone, so it also keeps a map outside its region: two bytes
   per page, telling the class of the small run the page is in and the
   page's place in that run, or 0.  One load then answers.  (Anonymous
   heaps could have one too; but a new mapping of their own, placed by
   the kernel next to the heap's, would be merged with it and break
   the promise that an attach maps nothing outside the heap's range,
   which mmalloc.alloc/maps checks.  They use the descriptors.)

   Invariant: an entry is nonzero exactly while its page is in a small
   run of unchecked blocks; it is written under the heap's lock when the
   run is carved (mmalloc.c) and when its pages are freed (pages.c).  A
   live block's run cannot be freed, so the fast path may read its entry
   without the lock.  Heap files are shared with other processes, whose
   changes no map of ours would see: they never have one.  The map is reserved without swap
   (MAP_NORESERVE) and only its pages that are written become resident:
   one page of map per 8 MiB of small runs.  A heap larger than
   MM_PMAP_SPAN is mapped over its first MM_PMAP_SPAN bytes; blocks past
   that take the slow path.  When the map cannot be had, every block
   takes the descriptors' way.  */

#include "config.h"

#include <sys/mman.h>
#include "mmprivate.h"

/* Give the default heap H its map (H is being set up).  */
void
mmi_pmap_create (struct mm_heap *h)
{
  size_t span = (size_t) h->hdr->capacity, bytes;
  void *m;

  if (h->backend != MM_B_SBRK)
    return;
  if (span > MM_PMAP_SPAN)
    span = MM_PMAP_SPAN;
  span &= ~(MM_PAGE - 1);
  bytes = (span >> MM_PAGE_SHIFT) * sizeof *h->pmap;
  if (bytes == 0)
    return;
  m = mmap (NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED)
    return;			/* the descriptors will do */
  h->pmap = m;
  h->pmap_span = span;
}

/* Drop H's map (its region is going away).  */
void
mmi_pmap_destroy (struct mm_heap *h)
{
  if (h->pmap != NULL)
    munmap (h->pmap, (h->pmap_span >> MM_PAGE_SHIFT) * sizeof *h->pmap);
  h->pmap = NULL;
  h->pmap_span = 0;
}

/* The run of N pages at PAGE is now a small run of class C (C < 0: it
   is not, or no longer).  */
void
mmi_pmap_set (struct mm_heap *h, uint32_t page, uint32_t n, int c)
{
  uint32_t i;

  if (h->pmap == NULL || page >= (h->pmap_span >> MM_PAGE_SHIFT))
    return;
  if (n > (h->pmap_span >> MM_PAGE_SHIFT) - page)
    n = (uint32_t) (h->pmap_span >> MM_PAGE_SHIFT) - page;
  for (i = 0; i < n; i++)
    h->pmap[page + i] = c < 0 ? 0 : (uint16_t) ((unsigned) (c + 1) | i << 8);
}
