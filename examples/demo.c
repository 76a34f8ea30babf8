/* demo.c -- a heap file written by one process and read by another.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc.

   mmalloc is free software; you can redistribute it and/or modify it
   under the terms of the GNU Lesser General Public License as published
   by the Free Software Foundation; either version 2.1 of the License, or
   (at your option) any later version.

   mmalloc is distributed in the hope that it will be useful, but WITHOUT
   ANY WARRANTY; without even the implied warranty of MERCHANTABILITY or
   FITNESS FOR A PARTICULAR PURPOSE.  See the GNU Lesser General Public
   License for more details.

   You should have received a copy of the GNU Lesser General Public
   License along with mmalloc; if not, see <https://www.gnu.org/licenses/>.  */

/* Usage: demo [FILE]

   Creates the heap file FILE (default demo.heap; an old one is removed
   first), builds a linked list of strings in it, stores the list's root
   as key 0 and detaches.  Then it runs itself again as a new process
   (`demo --read FILE'), which attaches the file -- at the address
   recorded in it, since it passes no base address -- follows the root
   and prints the strings and the heap's statistics.

   Only the public interface, <mmalloc.h>, is used: the same code works
   outside this tree with `pkg-config --cflags --libs mmalloc'.  */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mmalloc.h>

/* What lives in the heap: a root (key 0) and a list of strings.  Plain
   pointers are fine, because the heap is always mapped at the same
   address.  */
struct node
{
  struct node *next;
  char *text;
};

struct root
{
  size_t count;
  struct node *head;
};

static const char *const words[] = {
  "mmalloc keeps a heap in a file,",
  "the file keeps the pointers,",
  "and the next process finds them",
  "at the very same addresses.",
};

static void
die (const char *what, const char *file)
{
  fprintf (stderr, "demo: %s %s: %s\n", what, file, strerror (errno));
  exit (1);
}

/* Copy string S into heap MD.  */
static char *
heap_strdup (void *md, const char *s)
{
  size_t n = strlen (s) + 1;
  char *copy = mmalloc (md, n);

  if (copy != NULL)
    memcpy (copy, s, n);
  return copy;
}

static void
print_stats (void *md)
{
  struct mstats st = mmstats (md);

  printf ("  heap statistics: %zu bytes in the heap, %zu blocks in use"
	  " (%zu bytes), %zu free (%zu bytes)\n",
	  st.bytes_total, st.chunks_used, st.bytes_used,
	  st.chunks_free, st.bytes_free);
}

/* The first process: create FILE and fill it.  */
static void
write_heap (const char *file)
{
  struct root *root;
  struct node **tail;
  void *md;
  size_t i;
  int fd;

  if (unlink (file) < 0 && errno != ENOENT)
    die ("cannot remove", file);
  fd = open (file, O_RDWR | O_CREAT | O_EXCL, 0644);
  if (fd < 0)
    die ("cannot create", file);
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    die ("cannot attach a new heap in", file);

  root = mmalloc (md, sizeof *root);
  if (root == NULL)
    die ("out of heap in", file);
  root->count = 0;
  root->head = NULL;
  tail = &root->head;
  for (i = 0; i < sizeof words / sizeof words[0]; i++)
    {
      struct node *n = mmalloc (md, sizeof *n);

      if (n == NULL || (n->text = heap_strdup (md, words[i])) == NULL)
	die ("out of heap in", file);
      n->next = NULL;
      *tail = n;
      tail = &n->next;
      root->count++;
    }
  if (!mmalloc_setkey (md, 0, root))
    die ("cannot set key 0 in", file);

  printf ("demo[%ld]: wrote %zu strings to %s, heap at %p\n",
	  (long) getpid (), root->count, file, md);
  print_stats (md);

  if (mmalloc_detach (md) != NULL)
    die ("cannot detach", file);
  close (fd);
}

/* The second process: attach FILE again and read it.  */
static void
read_heap (const char *file)
{
  struct root *root;
  struct node *n;
  void *md;
  int fd;

  fd = open (file, O_RDWR);
  if (fd < 0)
    die ("cannot open", file);
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    die ("cannot attach the heap in", file);
  root = mmalloc_getkey (md, 0);
  if (root == NULL)
    {
      fprintf (stderr, "demo: %s has no key 0\n", file);
      exit (1);
    }

  printf ("demo[%ld]: attached %s at %p, key 0 holds %zu strings:\n",
	  (long) getpid (), file, md, root->count);
  for (n = root->head; n != NULL; n = n->next)
    printf ("  %s\n", n->text);
  print_stats (md);

  if (mmalloc_detach (md) != NULL)
    die ("cannot detach", file);
  close (fd);
}

int
main (int argc, char **argv)
{
  const char *file = "demo.heap";
  pid_t pid;
  int status;

  if (argc == 3 && strcmp (argv[1], "--read") == 0)
    {
      read_heap (argv[2]);
      return 0;
    }
  if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
    {
      fprintf (stderr, "usage: demo [FILE]\n");
      return 2;
    }
  if (argc == 2)
    file = argv[1];

  write_heap (file);

  /* Run ourselves again as a brand-new process to read the file.  */
  fflush (stdout);
  pid = fork ();
  if (pid < 0)
    die ("cannot fork to read", file);
  if (pid == 0)
    {
      char *args[4];

      args[0] = argv[0];
      args[1] = (char *) "--read";
      args[2] = (char *) file;
      args[3] = NULL;
      /* argv[0] when it is a path (under valgrind, /proc/self/exe is
	 valgrind itself), else the running executable, else a search
	 of PATH.  */
      if (strchr (argv[0], '/') != NULL)
	execv (argv[0], args);
      execv ("/proc/self/exe", args);
      execvp (argv[0], args);
      perror ("demo: cannot run myself again");
      _exit (127);
    }
  if (waitpid (pid, &status, 0) < 0)
    die ("cannot wait for the reader of", file);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "demo: the reader failed\n");
      return 1;
    }
  printf ("demo: done; the heap file %s stays for you to inspect.\n", file);
  return 0;
}
