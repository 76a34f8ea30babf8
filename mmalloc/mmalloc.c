/* mmalloc.c -- allocating blocks.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* Small requests come from the current run of their size class: the
   run's free list first, then its never-used tail (so a new run costs
   nothing until its objects are used).  When the current run is full,
   the next run with free objects comes off the class's partial list, or
   a new run is carved.  Large requests take whole page runs.  Small
   objects carry no header: a block's size is known from its page's
   descriptor.

   Invariants: a small run with free objects is either its class's
   current run (MM_F_CURRENT) or on its partial list (MM_F_LISTED),
   never both; a full run is on no list; a run with no live objects is
   freed, unless it is current.  */

#include "config.h"

#include <errno.h>
#include <string.h>
#include "mmprivate.h"

/* Whether H may be changed; EROFS when it was attached read-only.  */
int
mmi_writable (struct mm_heap *h)
{
  if (mmi_unlikely (h->rdonly))
    {
      errno = EROFS;
      return 0;
    }
  return 1;
}

/* Whether LINK (1 + an object's offset, or 0) names an object of a run
   of class C.  */
static inline int
link_ok (uint32_t link, unsigned int c)
{
  return link == 0 || (link - 1 <= mmi_run_capacity (c) - mmi_class_size[c]
		       && (link - 1) % mmi_class_size[c] == 0);
}

/* Whether PAGE is a sound small run of class C with flags RUNFLAGS in
   run set SET.  Page indexes in the header and in lists come from the
   region: check them before computing any address.  */
static int
small_run_ok (struct mm_heap *h, uint32_t page, unsigned int c,
	      unsigned int runflags, unsigned int set)
{
  uint32_t off = page & (MM_SEG_PAGES - 1);
  struct mm_page *d;

  if (off < MM_META_PAGES || off + mmi_class_pages[c] > MM_SEG_PAGES
      || page + mmi_class_pages[c] > mmi_top_page (h)
      || !mmi_seg_owned (h, page / MM_SEG_PAGES))
    return 0;
  d = mmi_desc (h, page);
  return d->kind == MM_K_SMALL && d->cls == c && d->set == set
    && (d->flags & MM_F_CHECKED) == (runflags & MM_F_CHECKED)
    && d->npages == mmi_class_pages[c] && link_ok (d->free, c)
    && d->bump <= mmi_run_capacity (c) && d->bump % mmi_class_size[c] == 0;
}

/* Unlink the first run of the partial list of FROM (class C, flags
   RUNFLAGS, run set FROMSET) and return it, with *PAGEP its page; NULL
   when the list is empty or damaged (then it is dropped, never
   followed).  */
static struct mm_page *
take_partial (struct mm_heap *h, struct mm_class_state *from, unsigned int c,
	      unsigned int runflags, unsigned int fromset, uint32_t *pagep)
{
  uint32_t page = from->partial;
  struct mm_page *d;

  if (page == 0)
    return NULL;
  if (!small_run_ok (h, page, c, runflags, fromset))
    {
      MMI_W (h, from->partial, 0);
      return NULL;
    }
  d = mmi_desc (h, page);
  MMI_W (h, from->partial, d->next);
  if (d->next != 0 && small_run_ok (h, d->next, c, runflags, fromset))
    MMI_W (h, mmi_desc (h, d->next)->prev, 0);
  else
    MMI_W (h, from->partial, 0);
  MMI_W (h, d->next, 0);
  MMI_W (h, d->prev, 0);
  *pagep = page;
  return d;
}

/* Out of pages: give the empty current runs of every class and run set
   back to the page layer (a thread of another stream may have left one
   behind, holding pages no one else may use), each as an operation of
   its own so that the journal holds one at a time.  Called where the
   heap is consistent.  Returns whether any run was given back.  */
static int
reclaim_idle_runs (struct mm_heap *h)
{
  struct mm_header *hdr = h->hdr;
  unsigned int s, k, nsets = mmi_nsets (h);
  int any = 0, e = errno;

  mmi_jcommit (h);
  for (s = 0; s < nsets; s++)
    for (k = 0; k < mmi_set_nclasses (s); k++)
      {
	struct mm_class_state *st = mmi_class_state (hdr, 0, s, k);
	uint32_t page = st->current;
	struct mm_page *d;

	if (page == 0 || !small_run_ok (h, page, k, 0, s))
	  continue;
	d = mmi_desc (h, page);
	if (d->nused != 0)
	  continue;
	MMI_W (h, d->flags, (uint8_t) (d->flags & ~MM_F_CURRENT));
	MMI_W (h, st->current, 0);
	MMI_W (h, hdr->small_slots,
	       hdr->small_slots - mmi_run_capacity (k) / mmi_class_size[k]);
	MMI_W (h, hdr->small_bytes, hdr->small_bytes - mmi_run_capacity (k));
	mmi_pages_free (h, page);
	mmi_jcommit (h);
	any = 1;
      }
  errno = e;
  return any;
}

/* Pages for a new run of N pages of kind KIND, reclaiming idle runs when
   the heap has no more.  */
static uint32_t
pages_for (struct mm_heap *h, uint32_t n, unsigned int kind)
{
  uint32_t page = mmi_pages_alloc (h, n, kind);

  if (mmi_unlikely (page == 0) && reclaim_idle_runs (h))
    page = mmi_pages_alloc (h, n, kind);
  return page;
}

/* Make a new current run for class C in run set SET: the first sound
   run of the set's partial list, else of another set's (so that no
   run with free objects waits for a thread of its own stream while new
   pages are carved), else a new one.  The old current run is full.  */
static struct mm_page *
refill (struct mm_heap *h, unsigned int c, unsigned int runflags,
	unsigned int set)
{
  struct mm_header *hdr = h->hdr;
  struct mm_class_state *st = mmi_class_state (hdr, runflags, set, c);
  struct mm_page *d;
  uint32_t page;

  if (st->current != 0)
    {
      if (small_run_ok (h, st->current, c, runflags, set))
	{
	  struct mm_page *o = mmi_desc (h, st->current);
	  MMI_W (h, o->flags, (uint8_t) (o->flags & ~MM_F_CURRENT));
	}
      MMI_W (h, st->current, 0);
    }
  d = take_partial (h, st, c, runflags, set, &page);
  if (d == NULL && !(runflags & MM_F_CHECKED) && c < MM_SET_CLASSES)
    {
      unsigned int s, nsets = mmi_nsets (h);
      for (s = 0; d == NULL && s < nsets; s++)
	if (s != set)
	  d = take_partial (h, mmi_class_state (hdr, runflags, s, c), c,
			    runflags, s, &page);
    }
  if (d != NULL)
    {
      MMI_W (h, d->set, (uint8_t) set);
      MMI_W (h, d->flags,
	     (uint8_t) ((d->flags & ~MM_F_LISTED) | MM_F_CURRENT));
      MMI_W (h, st->current, page);
      return d;
    }
  page = pages_for (h, mmi_class_pages[c], MM_K_SMALL);
  if (page == 0)
    return NULL;
  d = mmi_desc (h, page);
  MMI_W (h, d->cls, (uint8_t) c);
  MMI_W (h, d->set, (uint8_t) set);
  if (!(runflags & MM_F_CHECKED))
    mmi_pmap_set (h, page, mmi_class_pages[c], (int) c);
  MMI_W (h, d->flags, (uint8_t) (MM_F_CURRENT | (runflags & MM_F_CHECKED)));
  MMI_W (h, st->current, page);
  MMI_W (h, hdr->small_slots,
	 hdr->small_slots + mmi_run_capacity (c) / mmi_class_size[c]);
  MMI_W (h, hdr->small_bytes, hdr->small_bytes + mmi_run_capacity (c));
  MMI_W (h, hdr->flags, hdr->flags | MM_H_USED);
  return d;
}

/* A block of class C, from the runs with flags RUNFLAGS (MM_F_CHECKED
   or 0) of the calling thread's run set.  *FROMLIST (when FROMLIST is
   not NULL) tells whether the block was taken from a run's free list,
   the only place a freed block of this class can come from: bump-area
   slots may hold anything.  */
static inline __attribute__ ((always_inline)) void *
small_alloc (struct mm_heap *h, unsigned int c, unsigned int runflags,
	     int *fromlist)
{
  struct mm_header *hdr = h->hdr;
  unsigned int set = (runflags & MM_F_CHECKED) ? 0 : mmi_thread_set (h, c);
  struct mm_class_state *st = mmi_class_state (hdr, runflags, set, c);
  uint32_t size = mmi_class_size[c], page = st->current;
  struct mm_page *d;
  char *obj;

  /* Validation: the current run is read from the region.  Runs this
     process makes current are sound; this catches a damaged file.  */
  if (mmi_unlikely (page != 0
		    && !small_run_ok (h, page, c, runflags, set)))
    {
      page = 0;
      MMI_W (h, st->current, 0);
    }
  for (;;)
    {
      if (mmi_likely (page != 0))
	{
	  d = mmi_desc (h, page);
	  if (mmi_likely (d->free != 0))
	    {
	      uint32_t next;
	      obj = mmi_page_addr (h, page) + d->free - 1;
	      next = *(uint32_t *) obj;
	      /* Validation: a link from the region names an object of
		 the run; a bad one ends the list (its objects leak).  */
	      MMI_W (h, d->free, mmi_likely (link_ok (next, c)) ? next : 0);
	      if (fromlist != NULL)
		*fromlist = 1;
	      break;
	    }
	  if (d->bump + size <= mmi_run_capacity (c))
	    {
	      obj = mmi_page_addr (h, page) + d->bump;
	      MMI_W (h, d->bump, d->bump + size);
	      if (fromlist != NULL)
		*fromlist = 0;
	      break;
	    }
	}
      d = refill (h, c, runflags, set);
      if (d == NULL)
	return NULL;
      page = st->current;
    }
  MMI_W (h, d->nused, d->nused + 1);
  MMI_W (h, hdr->small_used, hdr->small_used + 1);
  MMI_W (h, hdr->small_used_bytes, hdr->small_used_bytes + size);
  return obj;
}

void *
mmi_small_alloc (struct mm_heap *h, unsigned int c, unsigned int runflags)
{
  return small_alloc (h, c, runflags, NULL);
}

/* The same, telling in *FROMLIST whether the block came from a free
   list (for the write-after-free check of checked heaps).  */
void *
mmi_small_alloc_from (struct mm_heap *h, unsigned int c,
		      unsigned int runflags, int *fromlist)
{
  return small_alloc (h, c, runflags, fromlist);
}

/* Up to N blocks of class C (unchecked; from the thread's run set below
   MM_SET_CLASSES, from set 0 above) for a thread cache, into OUT;
   returns how many (0, errno set, when none could be had).  A run at a
   time: its free list and fresh area are taken in one go, and the
   counters written once per run, which is what makes a cache refill
   cheap.  The heap is consistent between runs (a refill may commit
   there, see reclaim_idle_runs).  A heap file's batch is one operation,
   so it makes at most one new current run: its journal then holds one
   refill's writes and a few more.  */
unsigned int
mmi_small_alloc_batch (struct mm_heap *h, unsigned int c, void **out,
		       unsigned int n)
{
  struct mm_header *hdr = h->hdr;
  unsigned int set = mmi_thread_set (h, c), got = 0;
  unsigned int refills = 0, maxrefills = h->journal != NULL ? 1 : n;
  struct mm_class_state *st = mmi_class_state (hdr, 0, set, c);
  uint32_t size = mmi_class_size[c], cap = mmi_run_capacity (c);

  while (got < n)
    {
      uint32_t page = st->current, k = 0, f, b;
      struct mm_page *d = NULL;
      char *base;

      /* No current run, an unsound one, or a full one: refill drops it
	 and makes another current.  */
      if (page == 0 || !small_run_ok (h, page, c, 0, set)
	  || ((d = mmi_desc (h, page))->free == 0 && d->bump + size > cap))
	{
	  if (refills++ == maxrefills || refill (h, c, 0, set) == NULL)
	    break;
	  page = st->current;
	  d = mmi_desc (h, page);
	}
      base = mmi_page_addr (h, page);
      /* Validation as in small_alloc: a bad link ends the list.  */
      for (f = d->free; got < n && f != 0; k++)
	{
	  char *obj = base + f - 1;
	  uint32_t next = *(uint32_t *) obj;
	  out[got++] = obj;
	  f = link_ok (next, c) ? next : 0;
	}
      for (b = d->bump; got < n && b + size <= cap; b += size, k++)
	out[got++] = base + b;
      MMI_W (h, d->free, f);
      MMI_W (h, d->bump, b);
      MMI_W (h, d->nused, d->nused + k);
      MMI_W (h, hdr->small_used, hdr->small_used + k);
      MMI_W (h, hdr->small_used_bytes,
	     hdr->small_used_bytes + (uint64_t) k * size);
    }
  return got;
}

/* A large block of SIZE bytes whose address is a multiple of ALIGN (0
   or a power of two up to a page: page-aligned).  *ZERO (when not
   NULL) tells whether it reads as zero.  */
void *
mmi_large_alloc (struct mm_heap *h, size_t size, size_t align, int *zero)
{
  struct mm_header *hdr = h->hdr;
  size_t span = size, lead_bytes;
  uint32_t page, n, lead;
  struct mm_page *d;
  char *start, *p;

  if (align > MM_PAGE || (align & (align - 1)) != 0)
    {
      if (size > MM_MAX_BLOCK || align > MM_MAX_BLOCK)
	goto nomem;
      span = size + align - 1;
    }
  if (span > MM_MAX_BLOCK - MM_PAGE)
    goto nomem;
  n = (uint32_t) ((span + MM_PAGE - 1) >> MM_PAGE_SHIFT);
  page = pages_for (h, n, MM_K_LARGE);
  if (page == 0)
    return NULL;
  start = mmi_page_addr (h, page);
  p = start;
  if (span != size)
    {
      size_t mis = (uintptr_t) start % align;
      if (mis != 0)
	p = start + (align - mis);
      lead = (uint32_t) ((size_t) (p - start) >> MM_PAGE_SHIFT);
      if (n > MM_SEG_DATA_PAGES)
	{
	  /* Huge runs cannot be cut: the block starts inside the run,
	     its offset recorded, and mfree finds the run from any
	     segment it covers.  */
	  uint32_t at = mmi_page_of (h, p);
	  if ((size_t) (p - start) > UINT32_MAX)
	    {
	      mmi_pages_free (h, page);
	      goto nomem;
	    }
	  /* In the run's own segment, the block's page points back to the
	     run; in a covered segment, mfree looks for the run below.  */
	  if (at != page && at / MM_SEG_PAGES == page / MM_SEG_PAGES)
	    {
	      struct mm_page *t = mmi_desc (h, at);
	      MMI_W (h, t->kind, MM_K_TAIL);
	      MMI_W (h, t->head, page);
	    }
	}
      else
	{
	  if (lead != 0)
	    {
	      page = mmi_pages_drop_front (h, page, lead);
	      start = mmi_page_addr (h, page);
	    }
	  lead_bytes = (size_t) (p - start);
	  n = (uint32_t) ((lead_bytes + size + MM_PAGE - 1) >> MM_PAGE_SHIFT);
	  mmi_pages_shrink (h, page, n);
	}
    }
  d = mmi_desc (h, page);
  MMI_W (h, d->nused, (uint32_t) (p - start));
  if (zero != NULL)
    *zero = (d->flags & MM_F_ZERO) != 0;
  MMI_W (h, d->flags, (uint8_t) (d->flags & ~MM_F_ZERO));
  MMI_W (h, hdr->large_used, hdr->large_used + 1);
  MMI_W (h, hdr->large_bytes,
	 hdr->large_bytes + ((uint64_t) d->npages << MM_PAGE_SHIFT));
  MMI_W (h, hdr->flags, hdr->flags | MM_H_USED);
  return p;

 nomem:
  errno = ENOMEM;
  return NULL;
}

/* Allocate SIZE (> 0) bytes from locked heap H.  */
void *
mmi_malloc (struct mm_heap *h, size_t size)
{
  if (mmi_likely (size <= MM_SMALL_MAX))
    return mmi_small_alloc (h, mmi_class_of (size), 0);
  return mmi_large_alloc (h, size, 0, NULL);
}

/* The fast path is a pop from this thread's cache of the heap (see
   tcache.c); size 0 wraps around and takes the slow path.  */
void *
mmalloc (void *md, size_t size)
{
  struct mm_tcache *c = mmi_tc_current;
  void *p;

  if (mmi_likely (c != NULL && c->md == md
		  && size - 1 < MM_SMALL_MAX))
    {
      unsigned int k = mmi_class_of (size);
      p = c->list[k];
      if (mmi_likely (p != NULL))
	{
	  /* mmi_tc_pop, but a doubtful link goes to the slow path (which
	     pops with the full check), so that this one calls nothing
	     and needs no stack frame.  */
	  void *next = *(void **) p;
	  if (mmi_likely (mmi_tc_link_ok (c, next)))
	    {
	      c->list[k] = next;
	      c->count[k]--;
	      MMI_VG_ALLOC (p, size, 0);
	      return p;
	    }
	}
    }
  return mmi_malloc_tail (md, size, __builtin_return_address (0));
}
