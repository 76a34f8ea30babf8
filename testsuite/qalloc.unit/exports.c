/* exports.c -- qalloc.md section 6, H38: the 11 functions are exported
   by libmmalloc-malloc as well (this program links only that library).
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "qtest.h"

int
main (void)
{
  char *path = qt_path ("exports", "m");
  void (*volatile fns[]) (void) = {
    (void (*) (void)) qalloc_makestatmap, (void (*) (void)) qalloc_makedynmap,
    (void (*) (void)) qalloc_loadmap, (void (*) (void)) qalloc_checkpoint,
    (void (*) (void)) qalloc_cleanup, (void (*) (void)) qalloc_statmalloc,
    (void (*) (void)) qalloc_dynmalloc, (void (*) (void)) qalloc_malloc,
    (void (*) (void)) qalloc_statfree, (void (*) (void)) qalloc_dynfree,
    (void (*) (void)) qalloc_free
  };
  size_t i, n = 0;
  void *m, *p;

  for (i = 0; i < sizeof fns / sizeof fns[0]; i++)
    n += fns[i] != NULL;
  CHECK (n == 11, "H38: libmmalloc-malloc exports all 11 qalloc functions");
  m = qalloc_makedynmap (1 << 20, NULL, path, 1);
  p = m != NULL ? qalloc_malloc (m, 100) : NULL;
  CHECK (p != NULL, "H38: a map works through libmmalloc-malloc");
  qalloc_free (p, m);
  qalloc_cleanup ();
  unlink (path);
  free (path);
  mmt_exit ();
}
