/* mcalloc.c -- allocating zeroed arrays.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* Unlike GNU mmalloc, the product NMEMB * SIZE is checked: an overflow
   is ENOMEM, never a short block.  Small arrays come from the thread's
   cache as mmalloc's do (a cached block's old contents are cleared
   here); large blocks carved from pages that were never used (or were
   given back to the system) are already zero and are not written
   again.  */

#include "config.h"

#include <errno.h>
#include <string.h>
#include "mmprivate.h"

void *
mcalloc (void *md, size_t nmemb, size_t size)
{
  struct mm_tcache *c = mmi_tc_current;
  struct mm_heap *h;
  size_t n;
  void *p;
  int zero = 0;

  if (__builtin_mul_overflow (nmemb, size, &n))
    {
      errno = ENOMEM;
      return NULL;
    }
  if (n == 0)
    return NULL;
  if (n <= MM_SMALL_MAX)
    {
      unsigned int k = mmi_class_of (n);
      if (mmi_likely (c != NULL && c->md == md && c->list[k] != NULL))
	p = mmi_tc_pop (c, k);
      else
	{
	  /* Refills the cache, or takes the lock (checking included).  */
	  p = mmi_malloc_slow (md, n);
	  if (mmi_unlikely (mmi_tracing))
	    mmi_trace (mmi_heap_of (md), '+', __builtin_return_address (0),
		       p, NULL, n);
	}
      if (p != NULL)
	{
	  MMI_VG_ALLOC (p, n, 1);
	  memset (p, 0, n);
	}
      return p;
    }
  h = mmi_heap_of (md);
  if (mmi_unlikely (h == NULL) || !mmi_writable (h) || mmi_lock (h) != 0)
    return NULL;
  if (mmi_unlikely (h->hdr->flags & MM_H_CHECKED))
    p = mmi_checked_alloc (h, n, 0);
  else
    p = mmi_large_alloc (h, n, 0, &zero);
  MMI_DEBUG_CHECK (h);
  mmi_unlock (h);
  if (p != NULL)
    {
      MMI_VG_ALLOC (p, n, 1);
      if (!zero)
	memset (p, 0, n);
    }
  if (mmi_unlikely (mmi_tracing))
    mmi_trace (h, '+', __builtin_return_address (0), p, NULL, n);
  return p;
}
