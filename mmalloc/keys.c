/* keys.c -- the application keys of a heap.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* MMALLOC_KEYS pointer-sized slots in the header, the persistent roots a
   program finds its data by after attaching a heap file again.  As in
   GNU mmalloc, a null descriptor is not the default heap here: both
   calls refuse it.  A key is one word, stored and read atomically, so
   no lock is needed.  */

#include "config.h"

#include <errno.h>
#include "mmprivate.h"

static struct mm_heap *
key_heap (void *md, int keynum)
{
  if (md == NULL || keynum < 0 || keynum >= MMALLOC_KEYS)
    {
      errno = EINVAL;
      return NULL;
    }
  return mmi_heap_of (md);
}

int
mmalloc_setkey (void *md, int keynum, void *key)
{
  struct mm_heap *h = key_heap (md, keynum);

  if (h == NULL || !mmi_writable (h))
    return 0;
  __atomic_store_n (&h->hdr->keys[keynum], (uint64_t) (uintptr_t) key,
		    __ATOMIC_RELEASE);
  return 1;
}

void *
mmalloc_getkey (void *md, int keynum)
{
  struct mm_heap *h = key_heap (md, keynum);

  if (h == NULL)
    return NULL;
  return (void *) (uintptr_t) __atomic_load_n (&h->hdr->keys[keynum],
					       __ATOMIC_ACQUIRE);
}
