/* mmemalign.c -- allocating aligned blocks.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* Any non-zero alignment is accepted, as GNU mmalloc did (its callers
   pass values such as 48).  A power of two up to a page is served by a
   size class whose size is a multiple of it: small runs start on page
   boundaries, so every object of such a class is aligned.  Anything
   else takes a page run with the block placed inside its first page;
   the run's descriptor records the offset, so mfree needs no list of
   aligned blocks (GNU scanned one on every free).  */

#include "config.h"

#include <errno.h>
#include "mmprivate.h"

/* An ALIGN-aligned block of SIZE > 0 bytes from locked heap H.  */
void *
mmi_aligned_alloc (struct mm_heap *h, size_t align, size_t size)
{
  if ((align & (align - 1)) == 0 && align <= MM_PAGE)
    {
      if (align <= 16)
	return mmi_malloc (h, size);
      if (size <= MM_SMALL_MAX)
	{
	  unsigned int c = mmi_class_of (size < align ? align : size);
	  for (; c < MM_NCLASSES; c++)
	    if (mmi_class_size[c] % align == 0)
	      return mmi_malloc (h, mmi_class_size[c]);
	}
      return mmi_large_alloc (h, size, 0, NULL);
    }
  return mmi_large_alloc (h, size, align, NULL);
}

void *
mmemalign (void *md, size_t alignment, size_t size)
{
  struct mm_heap *h;
  void *p;

  if (alignment == 0)
    {
      errno = EINVAL;
      return NULL;
    }
  if (size == 0)
    return NULL;
  h = mmi_heap_of (md);
  if (mmi_unlikely (h == NULL) || !mmi_writable (h) || mmi_lock (h) != 0)
    return NULL;
  if (mmi_unlikely (h->hdr->flags & MM_H_CHECKED))
    p = mmi_checked_alloc (h, size, alignment);
  else
    p = mmi_aligned_alloc (h, alignment, size);
  MMI_DEBUG_CHECK (h);
  mmi_unlock (h);
  if (p != NULL)
    MMI_VG_ALLOC (p, size, 0);
  if (mmi_unlikely (mmi_tracing))
    mmi_trace (h, '+', __builtin_return_address (0), p, NULL, size);
  return p;
}
