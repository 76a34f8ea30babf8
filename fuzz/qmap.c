/* qmap.c -- fuzz target: arbitrary bytes loaded as a qalloc map.  A
   map is a heap file with the facade's control block behind key 0, so
   the input is prepared as in heapfile.c (base moved into the guarded
   window of fuzz.h, short inputs padded to their recorded size) and
   handed to qalloc_loadmap by name.  When it loads, a few items or
   blocks are taken, written and given back, the maps checkpointed and
   unloaded.  A map may be refused; no access may leave the heap's
   region, no block may lie outside it, and nothing may stay mapped
   after qalloc_cleanup.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "fuzz.h"
#include <mmalloc.h>
#include "mmprivate.h"
#include "qprivate.h"

static void
use_map (void *map)
{
  const struct qp_map *m = map;
  const struct mm_header *hdr = m->md;
  size_t cap = (size_t) hdr->capacity;
  void *blk[8];
  int i;

  if ((uintptr_t) m->md != FZ_BASE && FZ_BASE != 0)
    FZ_FAIL ("map loaded at %p, not at its recorded base", m->md);
  for (i = 0; i < 8; i++)
    {
      size_t n = m->kind == QP_STATIC ? m->itemsize : (size_t) 8 << (2 * i);
      blk[i] = qalloc_malloc (map, n);
      if (blk[i] == NULL)
	continue;
      if (!fz_in_window (blk[i], n) || (char *) blk[i] < (char *) m->md
	  || (size_t) ((char *) blk[i] - (char *) m->md) > cap
	  || n > cap - (size_t) ((char *) blk[i] - (char *) m->md))
	FZ_FAIL ("qalloc_malloc (%zu) gave %p, outside the map at %p",
		 n, blk[i], m->md);
      memset (blk[i], 0x3c, n);
    }
  for (i = 0; i < 8; i += 2)
    qalloc_free (blk[i], map);
  qalloc_checkpoint ();
  for (i = 1; i < 8; i += 2)
    qalloc_free (blk[i], map);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  size_t pad = 0;
  uint8_t *buf;
  void *map;

  if (size == 0)
    return 0;
  buf = malloc (size);
  if (buf == NULL)
    FZ_FAIL ("out of memory");
  memcpy (buf, data, size);
  if (FZ_BASE != 0 && size >= offsetof (struct mm_header, base) + 8)
    fz_put64 (buf, offsetof (struct mm_header, base), FZ_BASE);
  if (size >= offsetof (struct mm_header, mapped) + 8)
    {
      uint64_t mapped = fz_get64 (buf, offsetof (struct mm_header, mapped));
      if (mapped > size && mapped <= FZ_PAD_MAX)
	pad = (size_t) mapped;
    }
  fz_file_set (buf, size, pad);
  free (buf);

  fz_window_open ();
  map = qalloc_loadmap (fz_file_path ());
  if (map != NULL)
    use_map (map);
  qalloc_cleanup ();
  fz_window_close ();
  return 0;
}
