/* known.h -- input rewrites that step around engine bugs already
   reported, for long fuzzing runs built with -DFZ_TOLERATE_KNOWN (see
   README).  Each rewrite names its bug; without the macro the inputs
   reach the engine as they are, and the regression seeds in
   corpus/<target>/regress-* make `make fuzz' fail until the bugs are
   fixed.  Shared by heapfile.c and qmap.c, which prepare heap files.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#ifndef MM_FUZZ_KNOWN_H
#define MM_FUZZ_KNOWN_H 1

#include "fuzz.h"
#include "mmprivate.h"

static inline void
fz_tolerate_heap (uint8_t *buf, size_t size)
{
#ifdef FZ_TOLERATE_KNOWN
  uint32_t i, n;

  /* Known bug: a clean heap whose lock word says "locked" hangs the
     first mmi_lock (attach remakes the lock only for abandoned dirty
     heaps).  */
  if (size >= offsetof (struct mm_header, lock) + sizeof (pthread_mutex_t))
    memset (buf + offsetof (struct mm_header, lock), 0,
	    sizeof (pthread_mutex_t));
  /* Known bug: journal recovery at attach writes "old values" over
     the header's fields after the header was validated (mmi_recover,
     entry_ok), so top, mapped, capacity... lose their bounds.  Point
     such entries at an offset entry_ok refuses.  */
  if (size < offsetof (struct mm_header, jlen) + sizeof (uint32_t))
    return;
  memcpy (&n, buf + offsetof (struct mm_header, jlen), sizeof n);
  if (n > MM_JOURNAL_ENTRIES)
    n = MM_JOURNAL_ENTRIES;
  for (i = 0; i < n; i++)
    {
      size_t at = MM_JOURNAL_OFF + i * sizeof (struct mm_jentry);
      uint64_t off;
      if (at + sizeof off > size)
	break;
      memcpy (&off, buf + at, sizeof off);
      if (off < sizeof (struct mm_header))
	{
	  off = 1;		/* misaligned: skipped */
	  memcpy (buf + at, &off, sizeof off);
	}
    }
#else
  (void) buf;
  (void) size;
#endif
}

#endif /* MM_FUZZ_KNOWN_H */
