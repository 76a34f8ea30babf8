/* pagemap.c -- the page maps of small runs, and heap files' hints.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* mfree's fast path must find a block's size class in as few dependent
   loads as possible.  Through the region that is the header's top, the
   segment bitmap, the page's descriptor and, for a page past a run's
   first, the run's head descriptor.  A heap that belongs to this
   process alone (the default heap, an anonymous heap) also keeps a map
   outside its region: two bytes per page, telling the class of the
   small run the page is in and the page's place in that run, or 0.
   One load then answers.

   Where the map goes: the default heap's anywhere the kernel likes.
   An anonymous heap's is reserved with the heap, in front of it and
   on top of the heap's own room, never out of it; it is marked
   MADV_DONTDUMP, which keeps the kernel from merging it with the
   heap's first pages into one mapping.  (A mapping placed by the
   kernel on its own would land next to some other mapping and could
   be merged with that, and an attach promises to change no mapping
   outside what it reserves: mmalloc.alloc/maps.)  An anonymous heap at
   an address its caller chose has no map: it starts where the caller
   said, and the caller plans the space around it.

   Invariant, for the maps of the default heap and of anonymous heaps:
   an entry is nonzero exactly while its page is in a small run of
   unchecked blocks; it is written under the heap's lock when the run is
   carved (mmalloc.c) and when its pages are freed (pages.c).  A live
   block's run cannot be freed, so the fast path may read its entry
   without the lock.

   Heap files are shared with other processes, whose changes no map of
   ours would see, so a heap file (attached with MMALLOC_CACHE: only
   then has mfree a fast path) keeps a map of hints instead.  It is
   written as the page map is, and also when the descriptors answer for
   a block of a run another process carved (mmi_pmap_learn); but any
   entry may have gone stale since, and none is believed before the
   descriptor of the run it names agrees (mmi_pmap_hint, mmprivate.h).
   That is one load of a descriptor instead of the chain, and
   mmalloc_check leaves hints alone.  A hint map goes wherever the
   kernel likes, as the default heap's does.

   Either kind of map is reserved without swap (MAP_NORESERVE) and only
   its pages that are written become resident: one page of map per
   8 MiB of small runs.  It covers the first MM_PMAP_SPAN bytes of the
   heap at most, and no more than an anonymous heap's first
   reservation; blocks past it take the slow path (a heap file's, the
   descriptors' way).  An anonymous heap whose address space is short
   gets no map rather than less room.  When the map cannot be had,
   every block takes the descriptors' way.  */

#include "config.h"

#include <sys/mman.h>
#include "mmprivate.h"

/* Give H its map if it is the default heap, or its hint map if it is a
   heap file attached with thread caches (H is being set up).  */
void
mmi_pmap_create (struct mm_heap *h)
{
  size_t span = (size_t) h->hdr->capacity, bytes;
  void *m;

  if (h->backend == MM_B_FILE ? !h->cached || h->rdonly
      : h->backend != MM_B_SBRK)
    return;
  if (span > MM_PMAP_SPAN)
    span = MM_PMAP_SPAN;
  span &= ~(MM_PAGE - 1);
  bytes = mmi_pmap_bytes (span);
  if (bytes == 0)
    return;
  m = mmap (NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED)
    return;			/* the descriptors will do */
#ifdef MADV_DONTDUMP
  madvise (m, bytes, MADV_DONTDUMP);	/* derived data; best effort */
#endif
  h->pmap = m;
  h->pmap_span = span;
  h->pmap_bytes = bytes;
  h->pmap_hint = h->backend == MM_B_FILE;
}

/* Bytes of map for a heap of SPAN bytes (0: as large as any), whole
   system pages.  */
size_t
mmi_pmap_bytes (size_t span)
{
  size_t ps = mmi_sys_pagesize ();

  if (span == 0 || span > MM_PMAP_SPAN)
    span = MM_PMAP_SPAN;
  return (((span >> MM_PAGE_SHIFT) * sizeof (uint16_t)) + ps - 1) & ~(ps - 1);
}

/* The BYTES of address space reserved at MAP, right below the LEN
   bytes reserved for the anonymous heap H, become H's map.  When they
   cannot, they are given back, and H has no map.  */
void
mmi_pmap_carve (struct mm_heap *h, char *map, size_t bytes, size_t len)
{
  size_t span = (bytes / sizeof (uint16_t)) << MM_PAGE_SHIFT;

  if (mprotect (map, bytes, PROT_READ | PROT_WRITE) != 0
#ifdef MADV_DONTDUMP
      || madvise (map, bytes, MADV_DONTDUMP) != 0
#endif
      )
    {
      munmap (map, bytes);
      return;
    }
  if (span > len)
    span = len & ~(MM_PAGE - 1);
  h->pmap = (uint16_t *) map;
  h->pmap_span = span;
  h->pmap_bytes = bytes;
}

/* Drop H's map (its region is going away).  */
void
mmi_pmap_destroy (struct mm_heap *h)
{
  if (h->pmap != NULL)
    munmap (h->pmap, h->pmap_bytes);
  h->pmap = NULL;
  h->pmap_span = h->pmap_bytes = 0;
  h->pmap_hint = 0;
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
  /* Atomic, if relaxed: a heap file's hints are read without the lock
     even while they change (mmi_pmap_hint).  */
  for (i = 0; i < n; i++)
    __atomic_store_n (&h->pmap[page + i],
		      c < 0 ? 0 : (uint16_t) ((unsigned) (c + 1) | i << 8),
		      __ATOMIC_RELAXED);
}

/* P, freed through cache C of a heap file, was found by the descriptors
   in the small run of class K at page HEAD: hint it, so that the next
   free of a block there is quicker (another process carved the run, or
   this one before it attached again).  */
void
mmi_pmap_learn (struct mm_tcache *c, const void *p, uint32_t head,
		unsigned int k)
{
  uintptr_t off = (uintptr_t) p - c->base;
  uint32_t page = (uint32_t) (off >> MM_PAGE_SHIFT);
  uint16_t e = (uint16_t) ((k + 1) | (page - head) << 8);

  if (off < c->hintspan && page - head < mmi_class_pages[k]
      && __atomic_load_n (&c->hint[page], __ATOMIC_RELAXED) != e)
    __atomic_store_n (&c->hint[page], e, __ATOMIC_RELAXED);
}
