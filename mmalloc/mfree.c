/* mfree.c -- releasing blocks, and finding the block a pointer names.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* A pointer is turned into its block through its page's descriptor:
   small objects go back on their run's free list (a run that empties is
   freed, one that was full goes back on its class's partial list),
   large blocks give their pages back to the page layer.  A pointer
   outside the heap, or that names no block start, is refused with
   EINVAL instead of corrupting the heap.  */

#include "config.h"

#include <errno.h>
#include "mmprivate.h"

/* The huge block covering PAGE, in a segment with no descriptors of
   its own (a huge block aligned beyond a page may start there), with
   *HEADP its first page; or NULL.  The nearest owned segment below
   must start with that block.  */
static struct mm_page *
huge_cover (struct mm_heap *h, uint32_t page, uint32_t *headp)
{
  uint32_t seg = page / MM_SEG_PAGES, head;
  struct mm_page *d;

  while (seg-- > 0)
    if (mmi_seg_owned (h, seg))
      {
	head = seg * MM_SEG_PAGES + MM_META_PAGES;
	d = mmi_desc (h, head);
	if (d->kind != MM_K_LARGE || d->npages <= MM_SEG_DATA_PAGES
	    || (uint64_t) head + d->npages <= page)
	  return NULL;
	*headp = head;
	return d;
      }
  return NULL;
}

/* The descriptor of the run holding P, with *HEADP its first page, when
   P lies in an owned segment's data below the top; else NULL.  Every
   index read from the region is checked before use.  */
struct mm_page *
mmi_run_of (struct mm_heap *h, const void *p, uint32_t *headp)
{
  uint32_t page, head, off;
  struct mm_page *d;

  if (mmi_unlikely ((const char *) p < h->base
		    || (size_t) ((const char *) p - h->base) >= h->hdr->top))
    return NULL;
  page = mmi_page_of (h, p);
  off = page & (MM_SEG_PAGES - 1);
  if (mmi_unlikely (!mmi_seg_owned (h, page / MM_SEG_PAGES)))
    return huge_cover (h, page, headp);
  if (mmi_unlikely (off < MM_META_PAGES))
    return NULL;
  d = mmi_desc (h, page);
  head = page;
  if (d->kind == MM_K_TAIL)
    {
      head = d->head;
      if (head > page || page - head >= MM_SEG_PAGES
	  || (head & (MM_SEG_PAGES - 1)) < MM_META_PAGES
	  || (head & ~(MM_SEG_PAGES - 1)) != (page & ~(MM_SEG_PAGES - 1)))
	return NULL;
      d = mmi_desc (h, head);
      if (d->kind == MM_K_LARGE && d->npages > MM_SEG_DATA_PAGES
	  && (uint64_t) head + d->npages > page)
	;			/* inside a huge block aligned past a page */
      else if (d->kind != MM_K_SMALL || d->cls >= MM_NCLASSES
	       || page - head >= mmi_class_pages[d->cls])
	return NULL;
    }
  *headp = head;
  return d;
}

/* Whether the large block whose run starts at HEAD (descriptor D) has
   a sound length: inside its segment, or, huge, from its segment's
   first data page; and below the top.  */
static inline int
large_ok (struct mm_heap *h, uint32_t head, const struct mm_page *d)
{
  uint64_t end = (uint64_t) head + d->npages;

  if (d->npages == 0 || end > mmi_top_page (h))
    return 0;
  if (d->npages <= MM_SEG_DATA_PAGES)
    return d->nused < MM_PAGE
      && (head & (MM_SEG_PAGES - 1)) + d->npages <= MM_SEG_PAGES;
  /* A huge block may start anywhere in its run (alignment).  */
  return (head & (MM_SEG_PAGES - 1)) == MM_META_PAGES
    && (uint64_t) d->nused < (uint64_t) d->npages << MM_PAGE_SHIFT;
}

/* The descriptor of the block that P is the start of (a live block, or
   a free slot of a small run), with *HEADP its run's first page; NULL
   when P names no block of H.  */
struct mm_page *
mmi_block_of (struct mm_heap *h, const void *p, uint32_t *headp)
{
  struct mm_page *d = mmi_run_of (h, p, headp);
  size_t off;

  if (d == NULL)
    return NULL;
  off = (size_t) ((const char *) p - mmi_page_addr (h, *headp));
  switch (d->kind)
    {
    case MM_K_SMALL:
      if (d->cls < MM_NCLASSES && off < mmi_run_capacity (d->cls)
	  && off % mmi_class_size[d->cls] == 0)
	return d;
      return NULL;
    case MM_K_LARGE:
      return off == d->nused && large_ok (h, *headp, d) ? d : NULL;
    default:
      return NULL;
    }
}

/* Usable bytes of the block whose run descriptor is D.  */
size_t
mmi_block_size (struct mm_heap *h, struct mm_page *d)
{
  (void) h;
  if (d->kind == MM_K_SMALL)
    return mmi_class_size[d->cls];
  return ((size_t) d->npages << MM_PAGE_SHIFT) - d->nused;
}

/* Put P, an object of the small run at HEAD (descriptor D), back; the
   header's counts of live objects are the caller's to update.  */
static void
small_release (struct mm_heap *h, struct mm_page *d, uint32_t head, void *p)
{
  struct mm_header *hdr = h->hdr;
  unsigned int c = d->cls;
  struct mm_class_state *st = mmi_class_state (hdr, d->flags, d->set, c);

  MMI_W (h, *(uint32_t *) p, d->free);
  MMI_W (h, d->free, (uint32_t) ((char *) p - mmi_page_addr (h, head)) + 1);
  MMI_W (h, d->nused, d->nused - 1);
  if (d->flags & MM_F_CURRENT)
    return;
  if (d->nused == 0)
    {
      /* Empty: off the partial list, and back to the page layer.  */
      if (d->flags & MM_F_LISTED)
	{
	  /* Links come from the region: follow only sound ones.  */
	  if (d->prev != 0 && mmi_page_ok (h, d->prev))
	    MMI_W (h, mmi_desc (h, d->prev)->next, d->next);
	  else
	    MMI_W (h, st->partial, d->next);
	  if (d->next != 0 && mmi_page_ok (h, d->next))
	    MMI_W (h, mmi_desc (h, d->next)->prev, d->prev);
	}
      MMI_W (h, hdr->small_slots,
	     hdr->small_slots - mmi_run_capacity (c) / mmi_class_size[c]);
      MMI_W (h, hdr->small_bytes, hdr->small_bytes - mmi_run_capacity (c));
      mmi_pages_free (h, head);
      return;
    }
  if (!(d->flags & MM_F_LISTED))
    {
      /* It was full: it has a free object again.  */
      MMI_W (h, d->flags, d->flags | MM_F_LISTED);
      MMI_W (h, d->prev, 0);
      MMI_W (h, d->next, st->partial);
      if (st->partial != 0 && mmi_page_ok (h, st->partial))
	MMI_W (h, mmi_desc (h, st->partial)->prev, head);
      MMI_W (h, st->partial, head);
    }
}

/* Whether P, in the run at HEAD (descriptor D, possibly NULL), starts a
   slot of a small run with live objects (mmi_class_magic).  */
static inline int
small_slot_ok (struct mm_heap *h, struct mm_page *d, uint32_t head, void *p)
{
  uint64_t off;

  return d != NULL && d->kind == MM_K_SMALL && d->cls < MM_NCLASSES
    && (off = (uint64_t) ((char *) p - mmi_page_addr (h, head)))
    < mmi_run_capacity (d->cls)
    && off * mmi_class_magic[d->cls] < mmi_class_magic[d->cls]
    && d->nused != 0;
}

/* Free P in locked heap H.  Returns 0, or -1 (errno EINVAL) when P is
   no block of H.  */
int
mmi_free (struct mm_heap *h, void *p)
{
  uint32_t head;
  struct mm_page *d = mmi_run_of (h, p, &head);

  if (mmi_likely (small_slot_ok (h, d, head, p)))
    {
      unsigned int c = d->cls;
      small_release (h, d, head, p);
      MMI_W (h, h->hdr->small_used, h->hdr->small_used - 1);
      MMI_W (h, h->hdr->small_used_bytes,
	     h->hdr->small_used_bytes - mmi_class_size[c]);
      return 0;
    }
  if (d != NULL && d->kind == MM_K_LARGE
      && (char *) p == mmi_page_addr (h, head) + d->nused
      && large_ok (h, head, d))
    {
      MMI_W (h, h->hdr->large_used, h->hdr->large_used - 1);
      MMI_W (h, h->hdr->large_bytes,
	     h->hdr->large_bytes - ((uint64_t) d->npages << MM_PAGE_SHIFT));
      mmi_pages_free (h, head);
      return 0;
    }
  errno = EINVAL;
  return -1;
}

/* Free the N small blocks of V (from a thread cache) in locked heap H,
   which has no journal; the header's counters are written once.  A
   pointer that is no block (a damaged cache) is skipped.  */
void
mmi_small_free_batch (struct mm_heap *h, void **v, unsigned int n)
{
  uint64_t used = 0, bytes = 0;
  unsigned int i;

  for (i = 0; i < n; i++)
    {
      uint32_t head;
      struct mm_page *d = mmi_run_of (h, v[i], &head);
      if (small_slot_ok (h, d, head, v[i]))
	{
	  bytes += mmi_class_size[d->cls];
	  used++;
	  small_release (h, d, head, v[i]);
	}
    }
  MMI_W (h, h->hdr->small_used, h->hdr->small_used - used);
  MMI_W (h, h->hdr->small_used_bytes, h->hdr->small_used_bytes - bytes);
}

/* The fast path is a push onto this thread's cache of the heap (see
   tcache.c), when the block is small and the cache not full.  Every
   call out of it is a tail call, so that it needs no stack frame.  */
void
mfree (void *md, void *ptr)
{
  struct mm_tcache *c = mmi_tc_current;

  if (ptr == NULL)
    return;
  if (mmi_likely (c != NULL && c->md == md))
    {
      uintptr_t off = (uintptr_t) ptr - c->base;
      if (mmi_likely (off < c->mapspan))
	{
	  int k = mmi_tc_class_in_map (c, off);
	  if (mmi_likely (k >= 0 && c->count[k] < c->limit[k]))
	    {
	      MMI_VG_RELEASE (ptr);
	      mmi_tc_push (c, (unsigned int) k, ptr);
	      return;
	    }
	}
      else if (c->pmap == NULL)
	{
	  mmi_free_nomap (c, md, ptr, __builtin_return_address (0));
	  return;
	}
    }
  mmi_free_tail (md, ptr, __builtin_return_address (0));
}
