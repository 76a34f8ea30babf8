/* preload.c -- a plain malloc program, run on mmalloc with LD_PRELOAD.

   This example shows the other way to replace malloc: not in the
   sources, but for a whole process, by loading the malloc replacement
   library (libmmalloc-malloc) ahead of the C library.  The program
   itself knows nothing of mmalloc: it is not linked with it and calls
   only malloc, realloc and free.  It then reports whether the
   replacement is in effect, three ways: whether the library is mapped
   into the process (/proc/self/maps), which library defines the
   `malloc' the program's calls are bound to (dlsym, dladdr), and -- when mmalloc's own
   functions are present, as the replacement library exports them --
   whether malloc_usable_size and mmalloc_usable_size (NULL, p) agree
   on the program's blocks, i.e. whether malloc's blocks are blocks of
   mmalloc's default heap.

   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

/* Usage: preload

   Run it as it is (the C library's malloc), then with the replacement:
     LD_PRELOAD=/usr/local/lib/libmmalloc-malloc.so preload
   (use the directory where mmalloc was installed; in a build tree,
   compat/.libs/libmmalloc-malloc.so).  The last line says
   "preload: in effect" or "preload: not in effect".  Build with
     cc -o preload preload.c
   -- no mmalloc flags at all: that is the point.  */

#define _GNU_SOURCE 1		/* dladdr, RTLD_DEFAULT */
#include <dlfcn.h>
#include <malloc.h>		/* malloc_usable_size */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIBRARY "libmmalloc-malloc"

/* Whether LIBRARY is mapped into this process: a line of
   /proc/self/maps names each mapped file.  */
static int
library_mapped (void)
{
  FILE *maps = fopen ("/proc/self/maps", "r");
  char line[4096];
  int found = 0;

  if (maps == NULL)
    return 0;
  while (!found && fgets (line, sizeof line, maps) != NULL)
    found = strstr (line, "/" LIBRARY) != NULL;
  fclose (maps);
  return found;
}

int
main (void)
{
  /* mmalloc_usable_size as the replacement library exports it.  Looked
     up at run time, since this program is not linked with mmalloc.  */
  size_t (*mm_usable) (void *, void *);
  char *blocks[100];
  size_t i, agree = 0;
  int mapped, from_lib, in_effect;
  Dl_info info;
  void *def;

  /* Ordinary work with the allocator.  */
  for (i = 0; i < 100; i++)
    {
      blocks[i] = malloc (1 + i * 37);
      if (blocks[i] == NULL)
	{
	  perror ("preload: malloc");
	  return 1;
	}
      memset (blocks[i], (int) i, 1 + i * 37);
    }
  blocks[0] = realloc (blocks[0], 5000);

  mapped = library_mapped ();
  printf ("preload: %s is %smapped (/proc/self/maps)\n", LIBRARY,
	  mapped ? "" : "not ");

  /* The definition of malloc that the dynamic linker binds every call
     to: the first in the global lookup order, where LD_PRELOAD puts
     its libraries ahead of the C library.  */
  from_lib = 0;
  def = dlsym (RTLD_DEFAULT, "malloc");
  if (def != NULL && dladdr (def, &info) != 0 && info.dli_fname != NULL)
    {
      printf ("preload: malloc is defined in %s\n", info.dli_fname);
      from_lib = strstr (info.dli_fname, LIBRARY) != NULL;
    }

  *(void **) &mm_usable = dlsym (RTLD_DEFAULT, "mmalloc_usable_size");
  if (mm_usable != NULL)
    {
      /* Both report the size of the block as the default heap knows
	 it; the C library's malloc_usable_size would not know blocks of
	 another allocator.  */
      for (i = 0; i < 100; i++)
	agree += blocks[i] != NULL
	  && malloc_usable_size (blocks[i]) == mm_usable (NULL, blocks[i])
	  && mm_usable (NULL, blocks[i]) >= (i == 0 ? 5000 : 1 + i * 37);
      printf ("preload: malloc_usable_size and mmalloc_usable_size agree"
	      " on %zu of 100 blocks\n", agree);
    }
  else
    printf ("preload: mmalloc_usable_size is not in the process\n");

  for (i = 0; i < 100; i++)
    free (blocks[i]);

  in_effect = mapped && from_lib && agree == 100;
  printf ("preload: %s\n", in_effect ? "in effect" : "not in effect");
  return 0;
}
