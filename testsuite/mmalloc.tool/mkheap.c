/* mkheap.c -- helper of the mmalloc.tool tests: makes the heap files that
   tool.c runs mmheap on, and plays the processes around them.  It prints
   what it did as "name value" lines so that the driver can compare the
   tool's output with the truth.  Modes:
     mkheap make FILE [BASE]   a heap with keys and blocks, then detach
     mkheap writer FILE FD     attach, write "R" to FD, then allocate and
                               free forever (the driver SIGKILLs it)
     mkheap hold FILE FD       attach, write "R" to FD, then wait forever
     mkheap maps               the start address of this executable's
                               mapping (the driver runs it without ASLR)
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mmalloc.h>

static void __attribute__ ((noreturn))
die (const char *what)
{
  fprintf (stderr, "mkheap: %s: %s\n", what, strerror (errno));
  exit (99);
}

static void *
attach_file (const char *file, void *base)
{
  int fd = open (file, O_RDWR | O_CREAT, 0600);
  void *md;

  if (fd < 0)
    die (file);
  md = mmalloc_attach (fd, base);
  if (md == NULL)
    die ("mmalloc_attach");
  return md;
}

static int
make (const char *file, const char *base_arg)
{
  void *base = NULL, *md, *small[10], *mid[5], *big[2];
  char *hello;
  struct mstats s;
  int i;

  if (base_arg != NULL)
    base = (void *) (uintptr_t) strtoull (base_arg, NULL, 0);
  md = attach_file (file, base);
  for (i = 0; i < 10; i++)
    if ((small[i] = mmalloc (md, 24)) == NULL)
      die ("mmalloc 24");
  for (i = 0; i < 5; i++)
    if ((mid[i] = mmalloc (md, 1000)) == NULL)
      die ("mmalloc 1000");
  for (i = 0; i < 2; i++)
    if ((big[i] = mmalloc (md, 100000)) == NULL)
      die ("mmalloc 100000");
  /* Three small blocks, one middle and one large freed again.  */
  mfree (md, small[1]);
  mfree (md, small[4]);
  mfree (md, small[7]);
  mfree (md, mid[2]);
  mfree (md, big[0]);
  hello = small[0];
  strcpy (hello, "hello");
  if (!mmalloc_setkey (md, 0, hello) || !mmalloc_setkey (md, 3, big[1])
      || !mmalloc_setkey (md, 7, (void *) (uintptr_t) 0x1234))
    die ("mmalloc_setkey");
  if (mmalloc_check (md) != 0)
    {
      fprintf (stderr, "mkheap: unsound: %s\n", mmalloc_check_message (md));
      return 99;
    }
  s = mmstats (md);
  printf ("base %p\n", md);
  printf ("key0 %p\nkey3 %p\nkey7 %p\n", (void *) hello, big[1],
	  (void *) (uintptr_t) 0x1234);
  printf ("bytes_total %zu\nchunks_used %zu\nbytes_used %zu\n"
	  "chunks_free %zu\nbytes_free %zu\n", s.bytes_total, s.chunks_used,
	  s.bytes_used, s.chunks_free, s.bytes_free);
  fflush (stdout);
  if (mmalloc_detach (md) != NULL)
    die ("mmalloc_detach");
  return 0;
}

/* Allocate and free in a loop until killed: the driver's SIGKILL lands
   anywhere, inside an operation (holding the heap's lock) or between
   two.  */
static int
writer (const char *file, int fd, int hold)
{
  void *md = attach_file (file, NULL);
  void *slot[64];
  unsigned int r = (unsigned int) getpid ();
  int i;

  memset (slot, 0, sizeof slot);
  slot[0] = mmalloc (md, 100);
  if (slot[0] == NULL || !mmalloc_setkey (md, 0, slot[0]))
    die ("first allocation");
  if (write (fd, "R", 1) != 1)
    die ("write");
  close (fd);
  if (hold)
    for (;;)
      pause ();
  for (;;)
    {
      r = r * 1103515245u + 12345u;
      i = 1 + (int) ((r >> 8) % 63);
      if (slot[i] != NULL)
	{
	  mfree (md, slot[i]);
	  slot[i] = NULL;
	}
      else
	slot[i] = mmalloc (md, 1 + (r >> 12) % ((r & 1) ? 200 : 40000));
    }
}

static int
maps (void)
{
  char exe[4096], line[4608];
  ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  FILE *f = fopen ("/proc/self/maps", "r");

  if (n < 0 || f == NULL)
    die ("/proc/self");
  exe[n] = '\0';
  while (fgets (line, sizeof line, f) != NULL)
    {
      unsigned long long start;
      char *path = strchr (line, '/');
      if (path == NULL)
	continue;
      path[strcspn (path, "\n")] = '\0';
      if (strcmp (path, exe) == 0 && sscanf (line, "%llx-", &start) == 1)
	{
	  printf ("0x%llx\n", start);
	  return 0;
	}
    }
  fprintf (stderr, "mkheap: %s not found in /proc/self/maps\n", exe);
  return 99;
}

int
main (int argc, char **argv)
{
  if (argc >= 3 && strcmp (argv[1], "make") == 0)
    return make (argv[2], argc > 3 ? argv[3] : NULL);
  if (argc == 4 && strcmp (argv[1], "writer") == 0)
    return writer (argv[2], atoi (argv[3]), 0);
  if (argc == 4 && strcmp (argv[1], "hold") == 0)
    return writer (argv[2], atoi (argv[3]), 1);
  if (argc == 2 && strcmp (argv[1], "maps") == 0)
    return maps ();
  fprintf (stderr, "usage: mkheap make FILE [BASE] | writer FILE FD | "
	   "hold FILE FD | maps\n");
  return 2;
}
