/* qtest.h -- helpers shared by the qalloc.unit test programs.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#ifndef QTEST_H
#define QTEST_H 1

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include <qthread/qalloc.h>
#include "mmtest.h"

/* "PROG-TAG-PID.heap" in the current directory (freshly allocated, the
   file removed).  */
static inline char *
qt_path (const char *prog, const char *tag)
{
  char *p = malloc (strlen (prog) + strlen (tag) + 40);

  if (p == NULL)
    mmt_fatal ("out of memory");
  sprintf (p, "%s-%s-%ld.heap", prog, tag, (long) getpid ());
  unlink (p);
  return p;
}

/* Size of file PATH, or -1.  */
static inline long long
qt_file_size (const char *path)
{
  struct stat st;

  return stat (path, &st) == 0 ? (long long) st.st_size : -1;
}

/* Open file descriptors of this process.  */
static inline int
qt_count_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *e;
  int n = 0;

  if (d == NULL)
    return -1;
  while ((e = readdir (d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir (d);
  return n - 1;			/* the directory's own */
}

/* Lines of /proc/self/maps.  */
static inline int
qt_count_maps (void)
{
  FILE *f = fopen ("/proc/self/maps", "r");
  int c, n = 0;

  if (f == NULL)
    return -1;
  while ((c = getc (f)) != EOF)
    n += c == '\n';
  fclose (f);
  return n;
}

/* The address where file PATH's offset 0 is mapped in this process
   (from /proc/self/maps), or 0 when no part of it is mapped.  */
static inline uintptr_t
qt_map_base (const char *path)
{
  FILE *f = fopen ("/proc/self/maps", "r");
  char line[4096], full[4096];
  uintptr_t best = 0;

  if (f == NULL || realpath (path, full) == NULL)
    {
      if (f != NULL)
	fclose (f);
      return 0;
    }
  while (fgets (line, sizeof line, f) != NULL)
    {
      unsigned long lo, hi, off;
      char *name = strchr (line, '/');
      size_t len;

      if (name == NULL
	  || sscanf (line, "%lx-%lx %*s %lx", &lo, &hi, &off) != 3)
	continue;
      len = strlen (name);
      if (len > 0 && name[len - 1] == '\n')
	name[len - 1] = '\0';
      if (strcmp (name, full) == 0 && (best == 0 || lo - off < best))
	best = lo - off;
    }
  fclose (f);
  return best;
}

/* Whether [P, P + N) is mapped at all (any /proc/self/maps line).  */
static inline int
qt_is_mapped (const void *p, size_t n)
{
  FILE *f = fopen ("/proc/self/maps", "r");
  char line[4096];
  uintptr_t a = (uintptr_t) p;
  int found = 0;

  if (f == NULL)
    return 0;
  while (fgets (line, sizeof line, f) != NULL)
    {
      unsigned long lo, hi;
      if (sscanf (line, "%lx-%lx", &lo, &hi) == 2 && a >= lo && a + n <= hi)
	found = 1;
    }
  fclose (f);
  return found;
}

/* Run this program again, as a new process image, with the given
   arguments (NULL-terminated); return its status as mmt_wait does.
   Its result lines go to our stdout.  */
static inline int
qt_run_self (const char *arg1, const char *arg2, const char *arg3)
{
  pid_t pid = mmt_fork ();

  if (pid < 0)
    mmt_fatal ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      char *argv[5];
      argv[0] = (char *) "self";
      argv[1] = (char *) arg1;
      argv[2] = (char *) arg2;
      argv[3] = (char *) arg3;
      argv[4] = NULL;
      execv ("/proc/self/exe", argv);
      _exit (127);
    }
  return mmt_wait (pid);
}

/* qalloc_loadmap (PATH), tried again while it fails with EUCLEAN: the
   engine can refuse to attach a heap file while another process grows
   it (reported; see multiproc's F33 "while another process fills it"
   check, which does not retry).  Tests of other things use this so
   that they stay about those things.  */
static inline void *
qt_loadmap_retry (const char *path)
{
  void *m;
  int i;

  for (i = 0; i < 1000; i++)
    {
      m = qalloc_loadmap (path);
      if (m != NULL || errno != EUCLEAN)
	return m;
      usleep (1000);
    }
  return m;
}

/* Fill N bytes at P with a pattern derived from SEED; check it.  */
static inline void
qt_fill (void *p, size_t n, unsigned long seed)
{
  unsigned char *c = p;
  size_t i;

  for (i = 0; i < n; i++)
    c[i] = (unsigned char) (seed * 31 + i * 7 + (seed >> 8));
}

static inline int
qt_check_fill (const void *p, size_t n, unsigned long seed)
{
  const unsigned char *c = p;
  size_t i;

  for (i = 0; i < n; i++)
    if (c[i] != (unsigned char) (seed * 31 + i * 7 + (seed >> 8)))
      return 0;
  return 1;
}

static inline int
qt_cmp_ptr (const void *a, const void *b)
{
  uintptr_t x = *(const uintptr_t *) a, y = *(const uintptr_t *) b;
  return x < y ? -1 : x > y;
}

#endif /* QTEST_H */
