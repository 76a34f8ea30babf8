/* mcalloc.c -- allocating zeroed arrays.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* Unlike GNU mmalloc, the product NMEMB * SIZE is checked: an overflow
   is ENOMEM, never a short block.  Large blocks carved from pages that
   were never used (or were given back to the system) are already zero
   and are not written again.  */

#include "config.h"

#include <errno.h>
#include <string.h>
#include "mmprivate.h"

void *
mcalloc (void *md, size_t nmemb, size_t size)
{
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
  h = mmi_heap_of (md);
  if (mmi_unlikely (h == NULL) || !mmi_writable (h) || mmi_lock (h) != 0)
    return NULL;
  if (mmi_unlikely (h->hdr->flags & MM_H_CHECKED))
    p = mmi_checked_alloc (h, n, 0);
  else if (n <= MM_SMALL_MAX)
    p = mmi_malloc (h, n);
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
