/* static.c -- qalloc.md section 6, B8-B11 and the static half of C17:
   allocation from static maps.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "qtest.h"

#define F ((off_t) 1 << 20)

int
main (void)
{
  char *path = qt_path ("static", "b");
  size_t s = 24, want = (size_t) F / s, n, i, bad, overlaps;
  uintptr_t *items, base;
  long long fsize;
  void *m, *p, *q;
  int x;

  items = malloc (want * sizeof *items + sizeof *items);
  m = qalloc_makestatmap (F, NULL, path, s, 3);
  if (m == NULL || items == NULL)
    mmt_fatal ("makestatmap: %s", strerror (errno));

  /* B9: one thread gets every item, from all streams, then NULL.  */
  for (n = 0; n <= want && (p = qalloc_statmalloc (m)) != NULL; n++)
    items[n] = (uintptr_t) p;
  errno = 0;
  p = qalloc_statmalloc (m);
  CHECK (n == want && p == NULL && errno == ENOMEM,
	 "B9: one thread gets exactly %zu items, then NULL (ENOMEM)", n);

  /* B8: distinct, non-overlapping, inside the file; every byte ours.  */
  for (i = 0; i < n; i++)
    qt_fill ((void *) items[i], s, i);
  for (i = 0, bad = 0; i < n; i++)
    bad += !qt_check_fill ((void *) items[i], s, i);
  CHECK (bad == 0, "B8: %zu items written whole do not overlap", n);
  qsort (items, n, sizeof *items, qt_cmp_ptr);
  for (i = 1, overlaps = 0; i < n; i++)
    overlaps += items[i] < items[i - 1] + s;
  CHECK (overlaps == 0, "B8: items are distinct and at least %zu bytes apart",
	 s);
  base = qt_map_base (path);
  fsize = qt_file_size (path);
  CHECK (base != 0 && items[0] >= base
	 && items[n - 1] + s <= base + (uintptr_t) fsize,
	 "B8: every item lies inside the map's file");
  for (i = 0, bad = 0; i < n; i++)
    bad += items[i] % sizeof (void *) != 0;
  CHECK (bad == 0, "C17: static items are aligned on sizeof (void *)");

  /* Freed items all come back, whichever stream they went to.  */
  for (i = 0; i < n; i++)
    qalloc_statfree ((void *) items[i], m);
  for (i = 0; i <= want && qalloc_statmalloc (m) != NULL; i++)
    ;
  CHECK (i == want, "B9: after freeing all, all %zu come back", i);

  /* Foreign and interior pointers are refused, and change nothing.  */
  errno = 0;
  qalloc_statfree (&x, m);
  CHECK (errno == EINVAL, "statfree of a foreign pointer: EINVAL");
  errno = 0;
  qalloc_statfree ((char *) items[5] + 1, m);
  CHECK (errno == EINVAL, "statfree of an interior pointer: EINVAL");
  CHECK (qalloc_statmalloc (m) == NULL,
	 "refused frees add nothing to the map");

  /* B10: LIFO reuse on one thread.  */
  qalloc_statfree ((void *) items[7], m);
  qalloc_statfree ((void *) items[3], m);
  p = qalloc_statmalloc (m);
  q = qalloc_statmalloc (m);
  CHECK (p == (void *) items[3] && q == (void *) items[7],
	 "B10: free then malloc on one thread returns the same items (LIFO)");

  /* B11: qalloc_malloc ignores the size; qalloc_free is statfree.  */
  qalloc_free (p, m);
  p = qalloc_malloc (m, 1 << 20);
  CHECK (p == (void *) items[3],
	 "B11: qalloc_malloc (static, 1 MiB) is statmalloc (size ignored)");
  qalloc_free (p, m);
  q = qalloc_statmalloc (m);
  CHECK (q == p, "B11: qalloc_free (p, static) is statfree");
  qalloc_statfree (NULL, m);
  mmt_pass ("statfree (NULL) does nothing");
  errno = 0;
  CHECK (qalloc_statmalloc (NULL) == NULL && errno == EINVAL,
	 "statmalloc (NULL) gives EINVAL");
  errno = 0;
  CHECK (qalloc_malloc (NULL, 8) == NULL && errno == EINVAL,
	 "qalloc_malloc (NULL map) gives EINVAL");
  qalloc_cleanup ();
  unlink (path);

  /* MTGL's shape: one whole-array item per map, filesize bytes + 100.  */
  {
    size_t bytes = 3000000;
    char *a;

    m = qalloc_makestatmap ((off_t) bytes + 100, NULL, path, bytes, 1);
    a = m != NULL ? qalloc_statmalloc (m) : NULL;
    if (a != NULL)
      qt_fill (a, bytes, 99);
    CHECK (a != NULL && qt_check_fill (a, bytes, 99)
	   && (uintptr_t) a % 16 == 0,
	   "one-item map of bytes + 100: one %zu-byte item", bytes);
    CHECK (m != NULL && qalloc_statmalloc (m) == NULL,
	   "one-item map: the second statmalloc gives NULL");
    CHECK (qt_file_size (path) <= (long long) bytes + 256 * 1024,
	   "one-item map: the file is the item plus a bounded header");
    qalloc_cleanup ();
    unlink (path);
  }
  free (items);
  free (path);
  mmt_exit ();
}
