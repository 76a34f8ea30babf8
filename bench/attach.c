/* attach.c -- how long attaching an existing heap file takes, against
   the file's size.  `attach create PATH BYTES' builds a heap file of
   about BYTES: one block spanning most of it, a small block near its
   end recorded as key 0, then the big block freed, so that the file is
   as long as asked but mostly holes (sparse) and cheap to keep.
   `attach time PATH' is then run in a fresh process: it opens the file,
   attaches and detaches it once, checks key 0 still finds the block,
   and prints the microseconds the attach and detach took, and the
   file's size.  A fresh process, because attaching is what a program
   does first, with nothing of the file in its page tables.
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <mmalloc.h>
#include "bench.h"

static const char marker[] = "mmalloc attach benchmark";

static int
create (const char *path, long long bytes)
{
  int fd = open (path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  void *md, *big, *tail;
  struct stat st;

  if (fd < 0)
    {
      perror (path);
      return 2;
    }
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    {
      perror ("mmalloc_attach");
      return 2;
    }
  big = mmalloc (md, (size_t) (bytes / 9 * 8));
  tail = mmalloc (md, sizeof marker);
  if (big == NULL || tail == NULL)
    {
      perror ("mmalloc");
      return 2;
    }
  memcpy (tail, marker, sizeof marker);
  mmalloc_setkey (md, 0, tail);
  mfree (md, big);
  if (mmalloc_detach (md) != NULL || fstat (fd, &st) != 0)
    {
      perror ("mmalloc_detach");
      return 2;
    }
  printf ("%s %lld bytes, %lld on disk, tail block at offset %lld\n", path,
	  (long long) st.st_size, (long long) st.st_blocks * 512,
	  (long long) ((char *) tail - (char *) md));
  close (fd);
  return 0;
}

static int
time_attach (const char *path)
{
  int fd = open (path, O_RDWR);
  double t0, t1, t2;
  void *md, *tail;
  struct stat st;

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      perror (path);
      return 2;
    }
  t0 = bench_now ();
  md = mmalloc_attach (fd, NULL);
  t1 = bench_now ();
  if (md == NULL)
    {
      perror ("mmalloc_attach");
      return 2;
    }
  tail = mmalloc_getkey (md, 0);
  if (tail == NULL || memcmp (tail, marker, sizeof marker) != 0)
    {
      fprintf (stderr, "%s: key 0 lost\n", path);
      return 2;
    }
  t2 = bench_now ();
  if (mmalloc_detach (md) != NULL)
    {
      perror ("mmalloc_detach");
      return 2;
    }
  t2 = bench_now () - t2 + (t1 - t0);
  close (fd);
  printf ("attach %.3f us %lld bytes (attach alone %.3f us)\n", t2 * 1e6,
	  (long long) st.st_size, (t1 - t0) * 1e6);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "create") == 0)
    return create (argv[2], atoll (argv[3]));
  if (argc == 3 && strcmp (argv[1], "time") == 0)
    return time_attach (argv[2]);
  fprintf (stderr, "usage: %s create PATH BYTES | time PATH\n", argv[0]);
  return 2;
}
