/* names.c -- the worked example of the manual's chapter "Debugging a
   heap": a program that keeps a list of names in a heap file, with two
   real bugs left in on purpose (copy_name forgets the byte of the NUL;
   add_name loses the copy of a duplicate).  NAMES_DEBUG in the
   environment turns on the debugging aids the chapter uses: mmcheck,
   mmprobe, mmstats and mmalloc_check; MALLOC_TRACE turns on mmtrace.
   worked-bug.c runs it and checks that the tools say what the chapter
   shows.  The chapter lists this file from "#include <fcntl.h>" on:
   keep the two in step.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mmalloc.h>

struct name
{
  struct name *next;
  char *text;
};

static int debug;               /* NAMES_DEBUG is set */

static char *
copy_name (void *md, const char *s)
{
  char *p = mmalloc (md, strlen (s));

  if (p != NULL)
    strcpy (p, s);
  return p;
}

/* Add a copy of S to LIST, unless it is there already.  */
static struct name *
add_name (void *md, struct name *list, const char *s)
{
  char *text = copy_name (md, s);
  struct name *n;

  if (text == NULL)
    return list;
  if (debug && mmprobe (md, text) != MMPROBE_OK)
    fprintf (stderr, "names: copy_name (\"%s\") damaged its block\n", s);
  for (n = list; n != NULL; n = n->next)
    if (strcmp (n->text, text) == 0)
      return list;
  n = mmalloc (md, sizeof *n);
  if (n == NULL)
    return list;
  n->text = text;
  n->next = list;
  return n;
}

static void
heap_damaged (void)
{
  fprintf (stderr, "names: the heap is damaged\n");
}

int
main (int argc, char **argv)
{
  struct mmalloc_options opts = { sizeof opts, MMALLOC_TRACE, 0, 0 };
  struct name *list = NULL, *n;
  void *md;
  int fd, i;

  fd = open ("names.heap", O_RDWR | O_CREAT | O_TRUNC, 0600);
  md = fd < 0 ? NULL : mmalloc_attach_opts (fd, NULL, &opts);
  if (md == NULL)
    {
      perror ("names.heap");
      return 1;
    }
  mmtrace ();                   /* does nothing without MALLOC_TRACE */
  if (getenv ("NAMES_DEBUG") != NULL)
    {
      debug = 1;
      mmcheck (md, heap_damaged);
    }

  for (i = 1; i < argc; i++)
    list = add_name (md, list, argv[i]);
  for (n = list; n != NULL; n = n->next)
    printf ("%s\n", n->text);

  while (list != NULL)
    {
      n = list->next;
      mfree (md, list->text);
      mfree (md, list);
      list = n;
    }
  if (debug)
    {
      struct mstats s = mmstats (md);
      fprintf (stderr, "names: blocks still allocated: %zu\n",
               s.chunks_used);
      if (mmalloc_check (md) != 0)
        fprintf (stderr, "names: %s\n", mmalloc_check_message (md));
    }
  mmalloc_detach (md);
  close (fd);
  return 0;
}
