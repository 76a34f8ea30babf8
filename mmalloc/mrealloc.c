/* mrealloc.c -- resizing blocks.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* A small block keeps its place while the new size rounds to the same
   class; between small classes, a block of a cached heap moves through
   the thread's cache without the heap's lock.  A large block shrinks
   in place (its tail pages are freed) and grows in place when the run
   after it is free or it ends at the top; otherwise the contents move
   to a new block.  On failure the old block
   is left exactly as it was.  */

#include "config.h"

#include <errno.h>
#include <string.h>
#include "mmprivate.h"

/* P keeps its place with SIZE bytes (it had OLD usable ones): for
   memcheck, a new block whose first bytes keep their contents.  */
static void *
in_place (void *p, size_t old, size_t size)
{
  MMI_VG_FREE (p);
  MMI_VG_ALLOC (p, size, 0);
  MMI_VG_DEFINED (p, old < size ? old : size);
  (void) old, (void) size;
  return p;
}

/* Resize P (the block whose run descriptor is D, at page HEAD) of
   locked heap H to SIZE > 0 bytes.  */
static void *
resize (struct mm_heap *h, void *p, struct mm_page *d, uint32_t head,
	size_t size)
{
  size_t old = mmi_block_size (h, d);
  void *q;

  if (d->kind == MM_K_SMALL)
    {
      if (size <= MM_SMALL_MAX && mmi_class_of (size) == d->cls)
	return in_place (p, old, size);
    }
  else if (size > MM_SMALL_MAX && size <= MM_MAX_BLOCK)
    {
      uint32_t npages = d->npages;
      uint64_t want = ((uint64_t) d->nused + size + MM_PAGE - 1)
	>> MM_PAGE_SHIFT;

      if (want == npages)
	return in_place (p, old, size);
      if (want < npages && npages <= MM_SEG_DATA_PAGES)
	{
	  mmi_pages_shrink (h, head, (uint32_t) want);
	  MMI_W (h, h->hdr->large_bytes, h->hdr->large_bytes
		 - ((uint64_t) (npages - d->npages) << MM_PAGE_SHIFT));
	  return in_place (p, old, size);
	}
      if (want > npages && want <= MM_SEG_DATA_PAGES
	  && mmi_pages_grow_inplace (h, head, (uint32_t) want) == 0)
	{
	  MMI_W (h, h->hdr->large_bytes, h->hdr->large_bytes
		 + ((uint64_t) (d->npages - npages) << MM_PAGE_SHIFT));
	  return in_place (p, old, size);
	}
    }
  q = mmi_malloc (h, size);
  if (q == NULL)
    return NULL;
  /* The copy is not journaled: make the new block's allocation final
     first, so that a crash during the copy cannot hand its pages back
     as never-used (zero) ones.  Such a crash leaves both blocks
     allocated.  */
  mmi_jcommit (h);
  mmi_move_block (q, p, old < size ? old : size, size);
  mmi_free (h, p);
  return q;
}

/* Resize P, a small block of class CLS of heap MD, whose cache the
   thread holds, to SIZE bytes, up to MM_SMALL_MAX, as mrealloc's fast
   path: without the heap's lock, through mmalloc and mfree's.  */
static void *
small_resize (void *md, void *p, unsigned int cls, size_t size)
{
  size_t old = mmi_class_size[cls];
  void *q;

  if (mmi_class_of (size) == cls)
    return in_place (p, old, size);
  if ((q = mmalloc (md, size)) == NULL)
    return NULL;
  MMI_VG_QUIET_BEGIN ();
  memcpy (q, p, old < size ? old : size);
  MMI_VG_QUIET_END ();
  mfree (md, p);
  return q;
}

void *
mrealloc (void *md, void *ptr, size_t size)
{
  struct mm_tcache *c = mmi_tc_current;
  struct mm_heap *h;
  struct mm_page *d;
  uint32_t head;
  void *q;
  int k;

  if (ptr == NULL)
    return mmalloc (md, size);
  if (size == 0)
    {
      mfree (md, ptr);
      return NULL;
    }
  /* A cache is bound only while H is neither checked nor traced.  The
     block's run keeps its class while the block is live, so its class
     may be read without the lock.  */
  if (mmi_likely (c != NULL && c->md == md && size <= MM_SMALL_MAX)
      && (k = mmi_tc_class_of (c, ptr)) >= 0)
    return small_resize (md, ptr, (unsigned int) k, size);
  h = mmi_heap_of (md);
  if (mmi_unlikely (h == NULL) || !mmi_writable (h))
    return NULL;
  if (mmi_unlikely (h == mmi_default) && mmi_is_foreign (h, ptr))
    return mmi_libc_realloc (ptr, size);
  if (mmi_lock (h) != 0)
    return NULL;
  if (mmi_unlikely (h->hdr->flags & MM_H_CHECKED))
    q = mmi_checked_realloc (h, ptr, size);
  else if ((d = mmi_block_of (h, ptr, &head)) == NULL)
    {
      errno = EINVAL;
      q = NULL;
    }
  else
    q = resize (h, ptr, d, head, size);
  MMI_DEBUG_CHECK (h);
  mmi_unlock (h);
  if (mmi_unlikely (mmi_tracing))
    mmi_trace (h, '>', __builtin_return_address (0), q, ptr, size);
  return q;
}
