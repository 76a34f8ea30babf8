/* heapfile.c -- fuzz target: arbitrary bytes attached as a heap file.
   The input is written to an in-memory file, its recorded base moved
   into the guarded window of fuzz.h, and the file attached read-only
   (MMALLOC_RDONLY), then read-write, then (the input again) read-write
   with thread caches (MMALLOC_CACHE).  Whenever an attach succeeds
   the heap is checked, its statistics and keys read, and (read-write)
   a few blocks allocated, written, resized and freed before detaching.
   The engine may refuse the file or find it damaged; what it must
   never do is touch memory outside the region, hand out a block
   outside the region, attach somewhere else than the recorded base, or
   leave a mapping behind after detaching.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "fuzz.h"
#include <mmalloc.h>
#include "mmprivate.h"

static unsigned long reports;

/* The heap's abort function: a damaged heap is reported here, and the
   engine must cope when the application's abort function returns.  */
static void
quiet_abort (void)
{
  reports++;
}

/* The region the attached heap may use: from its base up to its
   capacity as recorded now (the header may have been rewritten by the
   engine, never widened past the window).  */
static int
in_region (void *md, const void *p, size_t n)
{
  uintptr_t a = (uintptr_t) p, b = (uintptr_t) md;
  uint64_t cap = ((struct mm_header *) md)->capacity;

  return fz_in_window (p, n) && a >= b && a - b <= cap && n <= cap - (a - b);
}

/* Exercise an attached read-write heap; CHECKING asks for mmcheckf
   first (which turns a heap's thread caches off).  */
static void
use_heap (void *md, int checking)
{
  static const size_t sizes[] = { 1, 24, 200, 3000, 20000, 300000 };
  void *blk[sizeof sizes / sizeof sizes[0]];
  struct mstats st;
  size_t i;
  int k;

  if (checking)
    (void) mmcheckf (md, quiet_abort, 0);
  (void) mmalloc_check (md);
  (void) mmalloc_check_message (md);
  st = mmstats (md);
  (void) st;
  for (k = -1; k <= MMALLOC_KEYS; k++)
    (void) mmalloc_getkey (md, k);

  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    {
      blk[i] = mmalloc (md, sizes[i]);
      if (blk[i] == NULL)
	continue;
      if (!in_region (md, blk[i], sizes[i]))
	FZ_FAIL ("mmalloc (%zu) returned %p, outside the region at %p",
		 sizes[i], blk[i], md);
      memset (blk[i], 0xa5, sizes[i]);
      (void) mmalloc_usable_size (md, blk[i]);
    }
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i += 2)
    {
      void *q = mrealloc (md, blk[i], sizes[i] * 3 + 5);
      if (q == NULL)
	continue;
      if (!in_region (md, q, sizes[i] * 3 + 5))
	FZ_FAIL ("mrealloc returned %p, outside the region at %p", q, md);
      memset (q, 0x5a, sizes[i] * 3 + 5);
      blk[i] = q;
    }
  {
    void *a = mmemalign (md, 4096, 100);
    void *c = mcalloc (md, 10, 10);
    if (a != NULL && !in_region (md, a, 100))
      FZ_FAIL ("mmemalign returned %p, outside the region", a);
    if (c != NULL && !in_region (md, c, 100))
      FZ_FAIL ("mcalloc returned %p, outside the region", c);
    mfree (md, a);
    mfree (md, c);
  }
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    mfree (md, blk[i]);
  (void) mmalloc_check (md);
  st = mmstats (md);
  (void) st;
}

/* Exercise an attached read-only heap: nothing may write.  */
static void
inspect_heap (void *md)
{
  struct mstats st;
  int k;

  (void) mmcheckf (md, quiet_abort, 0);
  (void) mmalloc_check (md);
  st = mmstats (md);
  (void) st;
  for (k = 0; k < MMALLOC_KEYS; k++)
    (void) mmalloc_getkey (md, k);
  if (mmalloc (md, 16) != NULL)
    FZ_FAIL ("mmalloc succeeded on a read-only heap");
}

static uint8_t *
copy_input (const uint8_t *data, size_t size, size_t *pad)
{
  uint8_t *buf = malloc (size ? size : 1);

  if (buf == NULL)
    FZ_FAIL ("out of memory");
  memcpy (buf, data, size);
  *pad = 0;
  if (FZ_BASE != 0 && size >= offsetof (struct mm_header, base) + 8)
    fz_put64 (buf, offsetof (struct mm_header, base), FZ_BASE);
  if (size >= offsetof (struct mm_header, mapped) + 8)
    {
      uint64_t mapped = fz_get64 (buf, offsetof (struct mm_header, mapped));
      if (mapped > size && mapped <= FZ_PAD_MAX)
	*pad = (size_t) mapped;
    }
  return buf;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static int rofd = -1;
  struct mmalloc_options o;
  size_t pad;
  uint8_t *buf;
  void *md;

  /* An empty file would be formatted as a new heap: nothing hostile.  */
  if (size == 0)
    return 0;
  buf = copy_input (data, size, &pad);
  fz_file_set (buf, size, pad);
  free (buf);
  if (rofd < 0)
    {
      rofd = open (fz_file_path (), O_RDONLY | O_CLOEXEC);
      if (rofd < 0)
	FZ_FAIL ("reopen read-only: %s", strerror (errno));
    }

  /* Read-only first, while the file is still exactly the input.  */
  fz_window_open ();
  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.flags = MMALLOC_RDONLY;
  md = mmalloc_attach_opts (rofd, NULL, &o);
  if (md != NULL)
    {
      if (FZ_BASE != 0 && (uintptr_t) md != FZ_BASE)
	FZ_FAIL ("read-only attach at %p, not at the recorded base", md);
      inspect_heap (md);
      if (mmalloc_detach (md) != NULL)
	FZ_FAIL ("read-only detach failed: %s", strerror (errno));
    }
  fz_window_close ();

  fz_window_open ();
  md = mmalloc_attach (fz_file (), NULL);
  if (md != NULL)
    {
      if (FZ_BASE != 0 && (uintptr_t) md != FZ_BASE)
	FZ_FAIL ("attach at %p, not at the recorded base", md);
      use_heap (md, 1);
      if (mmalloc_detach (md) != NULL)
	FZ_FAIL ("detach failed: %s", strerror (errno));
    }
  fz_window_close ();

  /* The input again, attached with thread caches: their fast paths
     (and a heap file's class hints) on a hostile heap.  */
  buf = copy_input (data, size, &pad);
  fz_file_set (buf, size, pad);
  free (buf);
  fz_window_open ();
  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.flags = MMALLOC_CACHE;
  md = mmalloc_attach_opts (fz_file (), NULL, &o);
  if (md != NULL)
    {
      if (FZ_BASE != 0 && (uintptr_t) md != FZ_BASE)
	FZ_FAIL ("cached attach at %p, not at the recorded base", md);
      /* mmcheckf would turn the caches off; only a heap the file says
	 is checked needs it, for the quiet abort function.  */
      use_heap (md, (((struct mm_header *) md)->flags & MM_H_CHECKED) != 0);
      if (mmalloc_detach (md) != NULL)
	FZ_FAIL ("cached detach failed: %s", strerror (errno));
    }
  fz_window_close ();
  return 0;
}
