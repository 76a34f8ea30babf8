/* defines.c -- replacing malloc in your own sources with the manual's defines.

   This example shows the third kind of mmalloc user in its simplest
   form: a program that wants its own allocations served by mmalloc's
   default heap (the null descriptor) without touching the rest of the
   process.  After the system headers it defines malloc, calloc,
   realloc, free, valloc and memalign as calls of mmalloc, mcalloc, ...
   with a null descriptor -- the definitions the manual gives in
   "Replacing malloc".  Only code compiled with them is affected: the C
   library keeps its own allocator, and a block the C library made
   (strdup below) may still be given to free, which then hands it back
   to the C library.

   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

/* Usage: defines [N]

   Sorts N (default 1000) pseudo-random strings kept in blocks from
   malloc, realloc and calloc, and prints how the default heap's
   statistics (mmstats) follow the program's allocations: its blocks
   are counted there, so they really come from mmalloc.  Exit status 0
   when the numbers agree.  Build outside this tree with
     cc -o defines defines.c $(pkg-config --cflags --libs mmalloc)  */

#define _GNU_SOURCE 1		/* strdup, valloc, memalign */
#include <malloc.h>		/* memalign */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmalloc.h>

/* The defines, after every system header (which declare the real
   functions under these names).  */
#define malloc(size)        mmalloc ((void *) 0, (size))
#define calloc(n, size)     mcalloc ((void *) 0, (n), (size))
#define realloc(ptr, size)  mrealloc ((void *) 0, (ptr), (size))
#define free(ptr)           mfree ((void *) 0, (ptr))
#define valloc(size)        mvalloc ((void *) 0, (size))
#define memalign(al, size)  mmemalign ((void *) 0, (al), (size))

/* From here on, the program is plain C.  */

static int
compare (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Blocks of the default heap in use now.  */
static size_t
blocks_in_use (void)
{
  return mmstats ((void *) 0).chunks_used;
}

int
main (int argc, char **argv)
{
  size_t n = argc > 1 ? strtoul (argv[1], NULL, 10) : 1000;
  size_t i, cap = 16, before, during, after;
  unsigned long seed = 12345;
  char **strings = NULL;
  char *page, *aligned, *libc_copy;
  int ok = 1;

  if (n == 0)
    n = 1;
  before = blocks_in_use ();

  /* A growing array (realloc from NULL first) of malloc'd strings.  */
  strings = realloc (strings, cap * sizeof *strings);
  for (i = 0; i < n && strings != NULL; i++)
    {
      if (i == cap)
	{
	  char **bigger = realloc (strings, 2 * cap * sizeof *strings);

	  if (bigger == NULL)
	    break;
	  strings = bigger;
	  cap *= 2;
	}
      seed = seed * 1103515245 + 12345;
      strings[i] = malloc (24);
      if (strings[i] == NULL)
	break;
      snprintf (strings[i], 24, "s%010lu", (seed >> 8) % 10000000000ul);
    }
  if (i < n)
    {
      fprintf (stderr, "defines: out of memory\n");
      return 1;
    }
  qsort (strings, n, sizeof *strings, compare);

  page = valloc (100);
  aligned = memalign (64, 100);
  during = blocks_in_use ();
  printf ("defines: %zu strings sorted, first %s, last %s\n",
	  n, strings[0], strings[n - 1]);
  printf ("defines: the default heap holds %zu more blocks (expected %zu)\n",
	  during - before, n + 3);
  if (during - before != n + 3)
    ok = 0;
  if (page == NULL || ((size_t) page & 4095) != 0
      || aligned == NULL || ((size_t) aligned & 63) != 0)
    {
      printf ("defines: valloc/memalign gave %p and %p\n", (void *) page,
	      (void *) aligned);
      ok = 0;
    }
  for (i = 1; i < n; i++)
    if (strcmp (strings[i - 1], strings[i]) > 0)
      ok = 0;

  /* strdup is the C library's: its block is not from the default heap.
     free (that is, mfree with a null descriptor) recognises that and
     gives it back to the C library.  */
  libc_copy = strdup (strings[0]);
  free (libc_copy);

  for (i = 0; i < n; i++)
    free (strings[i]);
  free (strings);
  free (page);
  free (aligned);
  after = blocks_in_use ();
  printf ("defines: after free, %zu more blocks (expected 0)\n",
	  after - before);
  if (after != before)
    ok = 0;

  printf ("defines: %s\n", ok ? "ok" : "MISMATCH");
  return ok ? 0 : 1;
}
