/* basic.c -- the malloc replacement's basics: malloc, free, calloc,
   realloc, through libmmalloc-malloc.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "mmtest.h"

/* Keep the compiler from folding malloc/free pairs away, and from
   seeing the overflowing calloc arguments as constants.  */
static void *(*volatile malloc_p) (size_t) = malloc;
static void *(*volatile calloc_p) (size_t, size_t) = calloc;
static volatile size_t huge = SIZE_MAX / 2;

int
main (void)
{
  unsigned char *p, *q, *z, *z2;
  size_t i;
  int zero = 1, kept = 1;

  p = malloc_p (100);
  if (!CHECK (p != NULL, "malloc (100) returns a block"))
    mmt_fatal ("cannot go on without memory");
  CHECK ((uintptr_t) p % _Alignof (max_align_t) == 0,
	 "malloc's block is aligned for max_align_t");
  memset (p, 0xa5, 100);

  z = calloc (1000, 4);
  if (!CHECK (z != NULL, "calloc (1000, 4) returns a block"))
    mmt_fatal ("cannot go on without memory");
  for (i = 0; i < 4000; i++)
    zero &= z[i] == 0;
  CHECK (zero, "calloc's block is zeroed");

  errno = 0;
  z2 = calloc_p (huge, 3);
  CHECK (z2 == NULL && errno == ENOMEM,
	 "calloc overflow gives NULL and ENOMEM");

  q = realloc (p, 10000);
  if (!CHECK (q != NULL, "realloc to 10000 bytes returns a block"))
    mmt_fatal ("cannot go on without memory");
  for (i = 0; i < 100; i++)
    kept &= q[i] == 0xa5;
  CHECK (kept, "realloc keeps the contents");
  memset (q, 0x5a, 10000);

  p = realloc (NULL, 50);
  CHECK (p != NULL, "realloc (NULL, 50) allocates");

  free (q);
  free (p);
  free (z);
  free (NULL);
  mmt_pass ("free of blocks and of NULL returns");

  mmt_exit ();
}
